"""The written month-end rule of cases.followups.add_months, as properties.

"A month after a date is the same day of the next month, or that month's last day when
it has no such day": a case resolved on 31 January gets its 1-month visit on the last
day of February. Calendar months are counted on the Shanghai clock.
"""

import calendar
import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cases.followups import add_months, due_after
from cases.models import OffsetUnit
from tests.followups.helpers import SHANGHAI, local

moments = st.datetimes(
    min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 12, 31, 23, 59)
)
month_counts = st.integers(min_value=0, max_value=120)
# Pure arithmetic: no deadline, so a busy CI machine cannot turn slowness into a failure.
relaxed = settings(deadline=None)


def target_month(start: datetime.datetime, months: int) -> tuple[int, int]:
    years, month_index = divmod(start.month - 1 + months, 12)
    return start.year + years, month_index + 1


@relaxed
@given(moments, month_counts)
def test_the_result_falls_in_the_start_month_plus_n_with_the_year_carried(start, months):
    result = add_months(start, months)

    assert (result.year, result.month) == target_month(start, months)
    assert result.month == (start.month - 1 + months) % 12 + 1


@relaxed
@given(moments, month_counts)
@example(datetime.datetime(2026, 1, 31), 1)
@example(datetime.datetime(2028, 1, 31), 1)
@example(datetime.datetime(2100, 1, 29), 1)  # 2100 is not a leap year
def test_the_day_is_kept_when_the_target_month_has_it_else_it_is_that_month_s_last_day(
    start, months
):
    result = add_months(start, months)
    year, month = target_month(start, months)
    last_day = calendar.monthrange(year, month)[1]

    if start.day <= last_day:
        assert result.day == start.day
    else:
        assert result.day == last_day


@relaxed
@given(moments, month_counts)
def test_the_time_of_day_is_kept_and_the_result_is_never_before_the_start(start, months):
    result = add_months(start, months)

    assert result.time() == start.time()
    assert result >= start
    if months:
        assert result > start


@relaxed
@given(moments, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_adding_months_is_monotonic_in_the_number_of_months(start, fewer, more):
    fewer, more = sorted((fewer, more))

    assert add_months(start, fewer) <= add_months(start, more)


@relaxed
@given(moments, month_counts)
def test_the_day_never_grows_and_shrinks_only_at_a_month_end(start, months):
    result = add_months(start, months)

    assert result.day <= start.day
    if result.day < start.day:
        assert result.day == calendar.monthrange(result.year, result.month)[1]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime.datetime(2026, 1, 31), 1, datetime.datetime(2026, 2, 28)),
        (datetime.datetime(2028, 1, 31), 1, datetime.datetime(2028, 2, 29)),
        (datetime.datetime(2026, 3, 31), 1, datetime.datetime(2026, 4, 30)),
        (datetime.datetime(2026, 4, 30), 1, datetime.datetime(2026, 5, 30)),  # not 31
        (datetime.datetime(2026, 12, 15), 1, datetime.datetime(2027, 1, 15)),
        (datetime.datetime(2026, 1, 31, 18, 30), 1, datetime.datetime(2026, 2, 28, 18, 30)),
        (datetime.datetime(2026, 8, 31), 6, datetime.datetime(2027, 2, 28)),
        (datetime.datetime(2024, 2, 29), 12, datetime.datetime(2025, 2, 28)),
        (datetime.datetime(2026, 5, 17), 0, datetime.datetime(2026, 5, 17)),
        (datetime.datetime(2026, 11, 30), 120, datetime.datetime(2036, 11, 30)),
    ],
)
def test_examples_of_the_month_end_rule(start, months, expected):
    assert add_months(start, months) == expected


def test_a_month_is_counted_on_the_shanghai_calendar_not_the_utc_one():
    # 2026-01-31 20:00 UTC is already 2026-02-01 04:00 in Shanghai.
    start = datetime.datetime(2026, 1, 31, 20, 0, tzinfo=datetime.UTC)

    due = due_after(start, 1, OffsetUnit.MONTHS)

    assert due == local(2026, 3, 1, 4, 0)
    assert due.astimezone(SHANGHAI).date() == datetime.date(2026, 3, 1)


def test_31_january_in_shanghai_is_30_january_in_utc_and_still_gives_the_last_day_of_february():
    start = datetime.datetime(2026, 1, 30, 17, 0, tzinfo=datetime.UTC)  # 31 Jan 01:00 local

    assert due_after(start, 1, OffsetUnit.MONTHS) == local(2026, 2, 28, 1, 0)


@relaxed
@given(
    st.datetimes(
        min_value=datetime.datetime(2000, 1, 1),
        max_value=datetime.datetime(2099, 12, 31),
        timezones=st.just(datetime.UTC),
    ),
    st.integers(min_value=0, max_value=24),
)
def test_due_after_in_months_is_add_months_of_the_shanghai_wall_clock(start, months):
    wall_clock = start.astimezone(SHANGHAI)

    due = due_after(start, months, OffsetUnit.MONTHS)

    assert due.astimezone(SHANGHAI).replace(tzinfo=None) == add_months(
        wall_clock.replace(tzinfo=None), months
    )


def test_hours_and_days_are_plain_elapsed_time():
    start = local(2026, 1, 31, 23, 0)

    assert due_after(start, 24, OffsetUnit.HOURS) == local(2026, 2, 1, 23, 0)
    assert due_after(start, 7, OffsetUnit.DAYS) == local(2026, 2, 7, 23, 0)
