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
