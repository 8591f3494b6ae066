"""A ledger's cells to values: dates as offices type them, amounts, ID numbers Excel
may have turned into numbers, and cells that list several parties."""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from common.spreadsheets import cell_text, is_blank
from reports.columns import PARTY_SEPARATOR

# Parties of one side are one per line (PARTY_SEPARATOR); people also type ; or 、.
_LINE = re.escape(PARTY_SEPARATOR)
NAME_SEPARATORS = re.compile(f"[{_LINE};；、]")
NUMBER_SEPARATORS = re.compile(f"[{_LINE};；、,，]")
ADDRESS_SEPARATORS = re.compile(f"[{_LINE};；]")
_TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class CellError(Exception):
    pass


def date_value(value) -> datetime.date | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell that lost its date format shows Excel's day number.
        if 18000 <= value <= 80000:
            return from_excel(value).date()
        raise CellError(_("日期格式无法识别,请填写如 2026-10-05。"))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.split(r"[ T]", text, maxsplit=1)[0] if re.match(r"^\d{4}-", text) else text
    match = _TEXT_DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        raise CellError(_("日期格式无法识别,请填写如 2026-10-05。"))
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(_("日期不存在,请核对。")) from None


def amount_value(value) -> Decimal | None:
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    text = re.sub(r"[\s,，元¥￥]", "", unicodedata.normalize("NFKC", str(value)))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(_("金额应为数字,如 1200 或 1200.50。")) from None
    if not amount.is_finite():
        raise CellError(_("金额应为数字,如 1200 或 1200.50。"))
    return amount


def id_number_text(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if len(str(int(value))) > 15:
            # Excel keeps 15 significant digits: the last ones of the number are gone.
            raise CellError(
                _(
                    "身份证号被 Excel 存成了数字,后几位已丢失。"
                    "请把该列设为“文本”格式后重新填写完整号码。"
                )
            )
    return cell_text(value)


def split_parts(text: str, separators: re.Pattern) -> list[str]:
    return [part.strip() for part in separators.split(text)]
