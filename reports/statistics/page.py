"""Everything the dashboard shows for one area and period, in about ten queries."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from grids.models import Area
from reports.periods import Period
from reports.statistics.breakdowns import Breakdown, BreakdownRow, breakdowns_for, outcome_rows
from reports.statistics.cohort import overdue_as_of, without_jit
from reports.statistics.figures import Headline, headlines_for
from reports.statistics.trend import TrendPoint, trend_for


@dataclass(frozen=True)
class Statistics:
    area: Area
    period: Period
    as_of: datetime.date
    figures: dict
    headlines: list[Headline]
    breakdowns: list[Breakdown]
    outcomes: list[BreakdownRow]
    trend: list[TrendPoint]


def statistics_for(area: Area, period: Period, today: datetime.date | None = None) -> Statistics:
    """The dashboard's figures: about ten queries whatever the number of cases."""
    today = today or timezone.localdate()
    with without_jit():
        figures, headlines = headlines_for(area, period, today)
        return Statistics(
            area=area,
            period=period,
            as_of=overdue_as_of(period, today),
            figures=figures,
            headlines=headlines,
            breakdowns=breakdowns_for(area, period, figures["accepted"].value),
            outcomes=outcome_rows(area, period, figures),
            trend=trend_for(area, period, today=today),
        )


SheetRow = tuple[str, str, object, str, str]
