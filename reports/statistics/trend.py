"""Accepted, successful and overdue month by month: the dashboard's trend chart."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from cases.models import Dimension, Grain
from cases.outcomes import ACCEPTED, Outcome
from grids.models import Area
from reports.periods import Period
from reports.statistics.cohort import area_rollup, ledger_params, overdue_as_of, rate


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    accepted: int
    successful: int
    overdue: int
    accepted_ledger: dict
    successful_ledger: dict
    overdue_ledger: dict

    @property
    def label(self) -> str:
        return f"{self.period.start:%Y-%m}"

    @property
    def success_rate(self) -> Decimal | None:
        return rate(self.successful, self.accepted)


def trend_for(
    area: Area, period: Period, months: int = 12, today: datetime.date | None = None
) -> list[TrendPoint]:
    """Accepted, successful and overdue per calendar month, the ``months`` months ending
    with the period's last month, each month counted as its own cohort: two queries."""
    today = today or timezone.localdate()
    month_periods = [Period.month(period.end.year, period.end.month)]
    while len(month_periods) < months:
        month_periods.insert(0, month_periods[0].previous())
    first, last = month_periods[0], month_periods[-1]
    # Accepted and successful from the rollup's month rows: one grouped query.
    rows = (
        area_rollup(area)
        .filter(grain=Grain.MONTH, day__gte=first.start, day__lte=last.start)
        .values("day")
        .annotate(accepted=Sum("accepted"), successful=Sum("successful"))
        .order_by()
    )
    by_month = {row["day"]: row for row in rows}
    nothing = {"accepted": 0, "successful": 0}
    # Overdue from the pending cases' month rows by time limit: one query.
    as_of = [overdue_as_of(month, today).isoformat() for month in month_periods]
    overdue = (
        area_rollup(area, Dimension.DUE_ON)
        .filter(grain=Grain.MONTH, day__gte=first.start, day__lte=last.start, value__lt=max(as_of))
        .aggregate(
            **{
                f"o{index}": Sum("received", filter=Q(day=month.start, value__lt=as_of[index]))
                for index, month in enumerate(month_periods)
            }
        )
    )
    return [
        TrendPoint(
            period=month,
            accepted=by_month.get(month.start, nothing)["accepted"] or 0,
            successful=by_month.get(month.start, nothing)["successful"] or 0,
            overdue=overdue[f"o{index}"] or 0,
            accepted_ledger=ledger_params(area, month, outcome=ACCEPTED),
            successful_ledger=ledger_params(area, month, outcome=Outcome.SUCCESSFUL),
            overdue_ledger=ledger_params(
                area, month, overdue_as_of=overdue_as_of(month, today).isoformat()
            ),
        )
        for index, month in enumerate(month_periods)
    ]
