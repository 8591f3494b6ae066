"""The period a report covers: a calendar month or any range of days, and the periods
the statistics compare it with (the one before, and the same one a year earlier)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: datetime.date  # first day, included
    end: datetime.date  # last day, included

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        first = datetime.date(year, month, 1)
        following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return cls(first, following - datetime.timedelta(days=1))

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self == Period.month(self.start.year, self.start.month)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d}~{self.end:%Y-%m-%d}"

    def previous(self) -> "Period":
        """The month before a month; otherwise the same number of days just before."""
        if self.is_month:
            before = self.start - datetime.timedelta(days=1)
            return Period.month(before.year, before.month)
        return Period(
            self.start - datetime.timedelta(days=self.days),
            self.start - datetime.timedelta(days=1),
        )

    def year_before(self) -> "Period":
        if self.is_month:
            return Period.month(self.start.year - 1, self.start.month)
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1))

    def describe(self) -> str:
        if self.is_month:
            return _("%(year)d年%(month)d月") % {
                "year": self.start.year,
                "month": self.start.month,
            }
        return _("%(start)s至%(end)s") % {"start": self.start, "end": self.end}


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


# The longest range of days a report covers: three years, leap days included.
MAX_DAYS = 3 * 366
# Earlier months are typing mistakes (the portal holds no case from before).
FIRST_YEAR = 1950


class PeriodError(ValueError):
    """Why no period can be made of what was given. ``str()`` is the report form's
    wording; ``reason`` (one of the constants below) lets a door word it its own way;
    ``field`` is the input at fault ("month" or "end"), or None for the whole."""

    HALF_RANGE = "half_range"
    REVERSED = "reversed"
    TOO_LONG = "too_long"
    BAD_MONTH = "bad_month"
    NOTHING = "nothing"

    def __init__(self, reason: str, message: str, field: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.field = field


def period_from(
    *, month: str = "", start: datetime.date | None = None, end: datetime.date | None = None
) -> Period:
    """The period a report asks for: a range of days (both ends, at most ``MAX_DAYS``
    long), else a month (``YYYY-MM``). A range wins when both are given."""
    if start or end:
        if not (start and end):
            raise PeriodError(
                PeriodError.HALF_RANGE,
                _("按日期范围统计时,请同时填写起始日期和截止日期。"),
            )
        if end < start:
            raise PeriodError(PeriodError.REVERSED, _("截止日期不能早于起始日期。"), "end")
        if (end - start).days >= MAX_DAYS:
            raise PeriodError(PeriodError.TOO_LONG, _("日期范围不能超过三年。"), "end")
        return Period(start, end)
    if month:
        period = parse_month(month)
        if period is None or period.start.year < FIRST_YEAR:
            raise PeriodError(PeriodError.BAD_MONTH, _("请按“年-月”填写月份,如 2026-10。"), "month")
        return period
    raise PeriodError(PeriodError.NOTHING, _("请选择月份,或填写起始和截止日期。"))


def parse_month(text: str) -> Period | None:
    """``YYYY-MM`` to a period, or ``None`` if it is not a month."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return Period.month(year, month)
    except (ValueError, TypeError):
        return None


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the portal's time zone (Asia/Shanghai)."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )
