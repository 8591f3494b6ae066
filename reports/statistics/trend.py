"""Accepted, successful and overdue month by month: the dashboard's trend chart."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from cases.models import overdue_q
from cases.outcomes import ACCEPTED, ACCEPTED_Q, SUCCESSFUL_Q, Outcome
from cases.selectors import area_cases
from grids.models import Area
from reports.periods import Period
from reports.statistics.cohort import ledger_params, overdue_as_of, rate


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
    with the period's last month, each month counted as its own cohort: one query."""
    today = today or timezone.localdate()
    month_periods = [Period.month(period.end.year, period.end.month)]
    while len(month_periods) < months:
        month_periods.insert(0, month_periods[0].previous())
    aggregates = {}
    for index, month in enumerate(month_periods):
        within = Q(received_on__gte=month.start, received_on__lte=month.end)
        aggregates[f"a{index}"] = Count("pk", filter=within & ACCEPTED_Q)
        aggregates[f"s{index}"] = Count("pk", filter=within & SUCCESSFUL_Q)
        aggregates[f"o{index}"] = Count(
            "pk", filter=within & overdue_q(overdue_as_of(month, today))
        )
    counts = (
        area_cases(area)
        .filter(received_on__gte=month_periods[0].start, received_on__lte=month_periods[-1].end)
        .aggregate(**aggregates)
    )
    return [
        TrendPoint(
            period=month,
            accepted=counts[f"a{index}"],
            successful=counts[f"s{index}"],
            overdue=counts[f"o{index}"],
            accepted_ledger=ledger_params(area, month, outcome=ACCEPTED),
            successful_ledger=ledger_params(area, month, outcome=Outcome.SUCCESSFUL),
            overdue_ledger=ledger_params(
                area, month, overdue_as_of=overdue_as_of(month, today).isoformat()
            ),
        )
        for index, month in enumerate(month_periods)
    ]
