"""The figures supervisors report upward (DOMAIN §5), each with its definition written down.

**The cohort.** Every figure about cases counts the *cohort* of an area and a period: the
cases of the area and everything under it, voided ones left out, whose registration date
(``received_on``, 登记日期) falls in the period, each classified by its *current* outcome
(``cases/outcomes.py``). These are exactly the rows of the monthly ledger of the same
area and period, so the statistics sheet reconciles with the ledger sheet row for row,
and the ledger filter behind each figure (``cases/filters.py``: ``area``,
``received_after``/``received_before``, ``outcome``, ...) lists exactly the cases counted.

**Rates.** The success rate is successful / accepted (调解成功 ÷ 受理), the convention of
the seeds' one-stop centre (2205 / 4617 = 47.76%); successful / concluded is given beside
it, labelled as such. A rate is a ``Decimal`` fraction rounded half-up to four places
(``Decimal("0.4776")``), or ``None`` when its denominator is 0.

**Cost.** Every figure is read from the rollups kept by the services in the same
transaction as each change (``cases.rollup``): the headline figures of the period, the
month before and the year before share one query over the cases' rollup, one over its
pending cases by time limit (overdue) and one over the follow-up visits' rollup; the
breakdowns are one grouped query; the 12-month trend is two; the repeat-dispute rate two
(the repeat disputes counted by repeat depth and dispute type). ``figures.raw_*`` count the
same on the raw tables, for the tests and the benchmark's spot check.

**Where things are.** ``cohort`` (the cohort, rates, the overdue day), ``specs`` (every
figure's definition), ``figures`` (the figures of a period and the headlines),
``breakdowns``, ``trend``, ``page`` (the dashboard's whole), ``sheet`` (the workbook's
statistics sheet) and ``repeats`` (the repeat-dispute rate, on a page of its own).
"""

from reports.statistics.breakdowns import (
    BREAKDOWN_NOTE,
    Breakdown,
    BreakdownRow,
    breakdowns_for,
    outcome_rows,
)
from reports.statistics.cohort import (
    COHORT_NOTE,
    cohort,
    ledger_params,
    overdue_as_of,
    rate,
)
from reports.statistics.figures import (
    Change,
    Figure,
    Headline,
    change,
    figures_for,
    headlines_for,
)
from reports.statistics.page import Statistics, statistics_for
from reports.statistics.repeats import REPEAT_NOTE, RepeatRates, RepeatRow, repeat_rates_for
from reports.statistics.sheet import SheetRow, statistics_sheet_rows
from reports.statistics.specs import FIGURE_SPECS, HEADLINE_KEYS, SPECS, FigureSpec
from reports.statistics.trend import TrendPoint, trend_for

__all__ = [
    "BREAKDOWN_NOTE",
    "COHORT_NOTE",
    "FIGURE_SPECS",
    "HEADLINE_KEYS",
    "REPEAT_NOTE",
    "SPECS",
    "Breakdown",
    "BreakdownRow",
    "Change",
    "Figure",
    "FigureSpec",
    "Headline",
    "RepeatRates",
    "RepeatRow",
    "SheetRow",
    "Statistics",
    "TrendPoint",
    "breakdowns_for",
    "change",
    "cohort",
    "figures_for",
    "headlines_for",
    "ledger_params",
    "outcome_rows",
    "overdue_as_of",
    "rate",
    "repeat_rates_for",
    "statistics_for",
    "statistics_sheet_rows",
    "trend_for",
]
