"""Validators for personal data (DOMAIN §6). Messages are in the user's language."""

import datetime
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


# Spaces (any width), tabs, line breaks and dashes (hyphens, en and em dashes, the minus
# sign) that a number pasted from a document or a phone's contact card carries.
_NUMBER_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def normalise_id_number(value: str) -> str:
    """The ID number as stored: full-width characters made ASCII (a Chinese input method
    types ３３０６…), spaces and dashes dropped wherever they are, the check character X
    in upper case as GB 11643 asks. The one normalisation of the form, the API, the
    import, the admin and the search box."""
    text = unicodedata.normalize("NFKC", value or "")
    return _NUMBER_SEPARATORS.sub("", text).upper()


def id_number_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def validate_id_number(value: str) -> None:
    """A citizen ID number per GB 11643: 18 characters, a real birth date, the check character."""
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为18位,当前为%(length)d位。"),
            code="id_length",
            params={"length": len(number)},
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号码前17位应为数字,最后一位为数字或X。"), code="id_chars")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期不存在。"), code="id_birth_date") from None
    if birth > timezone.localdate() or birth.year < 1880:
        raise ValidationError(_("身份证号码中的出生日期不合理。"), code="id_birth_date")
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确,请核对后重新输入。"), code="id_check_char")


def birth_date_from_id_number(number: str) -> datetime.date:
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_from_id_number(number: str) -> str:
    """ "male" or "female" from the 17th character (odd for men), GB 11643."""
    return "male" if int(number[16]) % 2 else "female"


def normalise_credit_code(value: str) -> str:
    """The 统一社会信用代码 as stored: ASCII, no spaces or dashes, letters in upper case."""
    text = unicodedata.normalize("NFKC", value or "")
    return _NUMBER_SEPARATORS.sub("", text).upper()


def validate_credit_code(value: str) -> None:
    """A unified social credit code per GB 32100-2015: 18 digits or capital letters
    (no I, O, Z, S, V) ending in the right check character."""
    number = normalise_credit_code(value)
    try:
        uscc.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("统一社会信用代码校验位不正确,请核对后重新输入。"), code="credit_code_check_char"
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("统一社会信用代码应为18位数字或大写字母(不含I、O、Z、S、V)。"),
            code="credit_code_format",
        ) from None


def normalise_mobile(value: str) -> str:
    """The mobile as stored: ASCII digits only (full-width ones converted; spaces,
    dashes and brackets dropped), without the +86 / 0086 country code."""
    text = unicodedata.normalize("NFKC", value or "")
    digits = "".join(ch for ch in text if ch in "0123456789+")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def validate_mobile(value: str) -> None:
    """A mainland China mobile number: 11 digits starting with 1, a real number range."""
    number = normalise_mobile(value)
    message = _("请输入正确的11位手机号码。")
    if len(number) != 11 or not number.startswith("1"):
        raise ValidationError(message, code="mobile")
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(message, code="mobile") from None
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ) or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(message, code="mobile")


# No dispute the portal records happened before this.
EARLIEST_RECORD_DATE = datetime.date(1950, 1, 1)


def validate_not_future_date(value) -> None:
    day = value
    if isinstance(value, datetime.datetime):
        day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if day > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"), code="future_date")
    if day < EARLIEST_RECORD_DATE:
        # A typo like 0712 for 2025 would otherwise be stored and break dates downstream.
        raise ValidationError(
            _("日期不合理,请填写%(year)d年以后的日期。"),
            code="implausible_date",
            params={"year": EARLIEST_RECORD_DATE.year},
        )


def _mask(value: str, keep_start: int, keep_end: int) -> str:
    """Stars in the middle; a value too short to keep both ends is hidden whole."""
    if not value:
        return ""
    hidden = len(value) - keep_start - keep_end
    if hidden < 0:
        return "*" * len(value)
    return f"{value[:keep_start]}{'*' * hidden}{value[len(value) - keep_end :]}"


def mask_id_number(value: str) -> str:
    """Keep the area code and the last four characters: 110105********002X."""
    return _mask(value, 6, 4)


def mask_mobile(value: str) -> str:
    """138****5678."""
    return _mask(value, 3, 4)


# C0 and C1 control characters and DEL: invisible, they corrupt exports (CSV, Excel
# refuses some of them), terminals and search. Newline, carriage return and tab are
# ordinary in long text (a TextField) and refused in a one-line field.
_CONTROL_CHARACTERS = {chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
_LINE_BREAKS_AND_TABS = {"\n", "\r", "\t"}


def control_characters_error(value, *, multiline: bool) -> ValidationError | None:
    """The refusal for text holding control characters, or None. The one rule for every
    text that services store, whether it came from a page, the API or an import."""
    if not isinstance(value, str):
        return None
    allowed = _LINE_BREAKS_AND_TABS if multiline else set()
    if any(ch in _CONTROL_CHARACTERS and ch not in allowed for ch in value):
        return ValidationError(
            _("不能包含控制字符或不可见字符,请删除后重新输入。"), code="control_characters"
        )
    return None


def refuse_control_characters(instance=None, *, values: dict | None = None) -> None:
    """Refuse, field by field, the text fields of a model instance (a TextField may hold
    line breaks and tabs, a CharField nothing) and any other named ``values``
    (free text such as reasons and notes, which may hold line breaks)."""
    errors = {}
    if instance is not None:
        for field in instance._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                error = control_characters_error(
                    getattr(instance, field.attname),
                    multiline=isinstance(field, models.TextField),
                )
                if error:
                    errors[field.name] = error
    for name, value in (values or {}).items():
        error = control_characters_error(value, multiline=True)
        if error:
            errors[name] = error
    if errors:
        raise ValidationError(errors)
