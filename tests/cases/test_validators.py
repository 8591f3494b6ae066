"""Personal-data validators and masks (DOMAIN §6): GB 11643 ID numbers, mainland mobiles,
dates that may not lie in the future."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Party
from common.validators import (
    birth_date_from_id_number,
    id_number_check_char,
    mask_id_number,
    mask_mobile,
    normalise_id_number,
    normalise_mobile,
    validate_id_number,
    validate_mobile,
    validate_not_future_date,
)

VALID_ID = "11010519491231002X"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def with_check_char(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def refusal(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value


# ---------------------------------------------------------------------------
# ID numbers (GB 11643)
# ---------------------------------------------------------------------------


def test_the_standard_example_id_number_is_valid():
    assert validate_id_number(VALID_ID) is None


def test_the_check_character_of_the_standard_example_is_x():
    assert id_number_check_char(VALID_ID[:17]) == "X"


def test_an_id_number_with_a_wrong_check_character_is_refused_naming_the_check_character():
    error = refusal(validate_id_number, "360426199101010072")

    assert error.code == "id_check_char"
    assert error.messages == ["身份证号码校验位不正确,请核对后重新输入。"]


def test_changing_any_single_digit_of_a_valid_number_breaks_the_check_character():
    for position in range(17):
        digit = VALID_ID[position]
        replacement = "1" if digit != "1" else "2"
        tampered = VALID_ID[:position] + replacement + VALID_ID[position + 1 :]
        try:
            validate_id_number(tampered)
        except ValidationError as error:
            assert error.code in {"id_check_char", "id_birth_date"}, tampered
        else:
            pytest.fail(f"{tampered} was accepted")


def test_a_lowercase_x_check_character_is_accepted_and_normalised_to_uppercase():
    assert validate_id_number("11010519491231002x") is None
    assert normalise_id_number("11010519491231002x") == VALID_ID


def test_spaces_around_and_inside_an_id_number_are_removed_by_normalisation():
    assert normalise_id_number(" 110105 19491231 002x ") == VALID_ID
    assert validate_id_number(" 110105 19491231 002x ") is None


def test_normalising_an_empty_id_number_gives_an_empty_string():
    assert normalise_id_number("") == ""
    assert normalise_id_number(None) == ""


def test_an_id_number_of_17_characters_is_refused_with_its_length():
    error = refusal(validate_id_number, VALID_ID[:17])

    assert error.code == "id_length"
    assert error.messages == ["身份证号码应为18位,当前为17位。"]


def test_an_id_number_of_19_characters_is_refused_with_its_length():
    error = refusal(validate_id_number, VALID_ID + "1")

    assert error.code == "id_length"
    assert error.messages == ["身份证号码应为18位,当前为19位。"]


def test_an_old_15_digit_id_number_is_refused_for_its_length():
    assert refusal(validate_id_number, "110105491231002").code == "id_length"


@pytest.mark.parametrize(
    "value",
    [
        "A1010519491231002X",  # a letter among the first 17
        "1101051949123100X2",  # X anywhere but last
        "11010519491231002Y",  # a last character that is neither digit nor X
        "11010519491231002*",
    ],
)
def test_an_id_number_with_letters_outside_the_check_position_is_refused(value):
    error = refusal(validate_id_number, value)

    assert error.code == "id_chars"
    assert error.messages == ["身份证号码前17位应为数字,最后一位为数字或X。"]


@pytest.mark.parametrize("birth", ["19990230", "19990431", "20230229", "19991301", "19990100"])
def test_an_id_number_with_an_impossible_birth_date_is_refused_even_with_a_correct_check_character(
    birth,
):
    number = with_check_char(f"110105{birth}002")

    error = refusal(validate_id_number, number)

    assert error.code == "id_birth_date"
    assert error.messages == ["身份证号码中的出生日期不存在。"]


def test_the_29th_of_february_of_a_leap_year_is_a_real_birth_date():
    assert validate_id_number(with_check_char("11010520000229002")) is None


def test_an_id_number_born_tomorrow_is_refused_as_implausible():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    number = with_check_char(f"110105{tomorrow:%Y%m%d}002")

    error = refusal(validate_id_number, number)

    assert error.code == "id_birth_date"
    assert error.messages == ["身份证号码中的出生日期不合理。"]


def test_an_id_number_born_today_is_accepted():
    number = with_check_char(f"110105{timezone.localdate():%Y%m%d}002")

    assert validate_id_number(number) is None


def test_an_id_number_born_before_1880_is_refused_as_implausible():
    error = refusal(validate_id_number, with_check_char("11010518790101002"))

    assert error.code == "id_birth_date"


def test_the_birth_date_is_read_from_the_id_number():
    assert birth_date_from_id_number(VALID_ID) == datetime.date(1949, 12, 31)


# ---------------------------------------------------------------------------
# Mobile numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("13912345678", "13912345678"),
        ("+8613912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0086-139-1234-5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("19912345678", "19912345678"),
    ],
)
def test_a_mainland_mobile_number_is_accepted_in_its_usual_spellings(value, normalised):
    assert validate_mobile(value) is None
    assert normalise_mobile(value) == normalised


@pytest.mark.parametrize(
    "value",
    [
        "139123456789",  # 12 digits
        "1391234567",  # 10 digits
        "23912345678",  # 11 digits starting with 2
        "01088889999",  # Beijing landline, 11 digits
        "057512345678",  # Shaoxing landline with area code
        "10012345678",  # starts with 1 but no such mobile range
        "+85291234567",  # a Hong Kong mobile
        "",
    ],
)
def test_anything_but_an_11_digit_mainland_mobile_is_refused(value):
    error = refusal(validate_mobile, value)

    assert error.code == "mobile"
    assert error.messages == ["请输入正确的11位手机号码。"]


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def test_today_and_past_dates_are_not_in_the_future():
    today = timezone.localdate()

    assert validate_not_future_date(today) is None
    assert validate_not_future_date(today - datetime.timedelta(days=400)) is None


def test_tomorrow_is_refused_as_a_future_date():
    error = refusal(validate_not_future_date, timezone.localdate() + datetime.timedelta(days=1))

    assert error.code == "future_date"
    assert error.messages == ["日期不能晚于今天。"]


def test_the_current_moment_is_not_in_the_future():
    assert validate_not_future_date(timezone.now()) is None


def test_an_aware_datetime_is_judged_by_its_local_date_not_its_utc_date():
    # 00:30 tomorrow in China is 16:30 today in UTC: the UTC date alone would let it pass.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    local_moment = datetime.datetime.combine(tomorrow, datetime.time(0, 30), tzinfo=SHANGHAI)
    in_utc = local_moment.astimezone(datetime.UTC)
    assert in_utc.date() == timezone.localdate()

    assert refusal(validate_not_future_date, in_utc).code == "future_date"


def test_a_naive_datetime_is_judged_by_its_own_date():
    today = timezone.localdate()

    assert validate_not_future_date(datetime.datetime.combine(today, datetime.time(23, 59))) is None
    tomorrow = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(0, 1))
    assert refusal(validate_not_future_date, tomorrow).code == "future_date"


# ---------------------------------------------------------------------------
# Masks for lists and exports
# ---------------------------------------------------------------------------


def test_an_id_number_is_masked_keeping_the_area_code_and_the_last_four():
    assert mask_id_number(VALID_ID) == "110105********002X"


def test_a_mobile_is_masked_keeping_the_first_three_and_last_four_digits():
    assert mask_mobile("13912345678") == "139****5678"


def test_masking_nothing_gives_nothing():
    assert mask_id_number("") == ""
    assert mask_mobile("") == ""


def test_too_short_values_are_masked_entirely():
    assert mask_id_number("123456789") == "*********"
    assert mask_mobile("123456") == "******"


def test_a_party_exposes_masked_numbers_without_revealing_the_middle():
    party = Party(name="张三", id_number=VALID_ID, mobile="13912345678")

    assert party.masked_id_number == "110105********002X"
    assert party.masked_mobile == "139****5678"
    assert "19491231" not in party.masked_id_number
    assert "1234" not in party.masked_mobile


def test_a_date_before_1950_is_refused_as_implausible():
    import datetime

    from django.core.exceptions import ValidationError

    from common.validators import validate_not_future_date

    with pytest.raises(ValidationError) as refused:
        validate_not_future_date(datetime.date(712, 1, 1))
    assert refused.value.code == "implausible_date"
    validate_not_future_date(datetime.date(1950, 1, 1))
