"""The statistics sheet of the monthly workbook: every figure with its definition, the
comparisons with the month and the year before, and the breakdowns."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _g

from grids.models import Area
from reports.periods import Period
from reports.statistics.breakdowns import breakdowns_for
from reports.statistics.cohort import COHORT_NOTE, overdue_as_of, without_jit
from reports.statistics.figures import headlines_for

SheetRow = tuple[str, str, object, str, str]


def statistics_sheet_rows(
    area: Area, period: Period, today: datetime.date | None = None
) -> list[SheetRow]:
    """The statistics sheet of the monthly workbook: ``(section, label, value, kind,
    definition)`` rows. ``kind`` is "count", "percent" (a ``Decimal`` fraction to four
    places, or ``None`` when the denominator is 0), "money" (``Decimal``) or "text"."""
    today = today or timezone.localdate()
    with without_jit():
        figures, headlines = headlines_for(area, period, today)
        breakdowns = breakdowns_for(area, period, figures["accepted"].value)
    as_of = overdue_as_of(period, today)
    scope = _g("统计范围")
    rows: list[SheetRow] = [
        (scope, _g("区域"), area.full_name(), "text", ""),
        (scope, _g("统计期"), period.describe(), "text", ""),
        (scope, _g("统计对象"), str(COHORT_NOTE), "text", ""),
        (
            scope,
            _g("超期判断日"),
            as_of.isoformat(),
            "text",
            _g("在此日之前化解期限已过、仍未化解的案件计为超期。"),
        ),
    ]
    for figure in figures.values():
        rows.append(
            (str(figure.spec.section), figure.label, figure.value, figure.kind, figure.definition)
        )

    compare = _g("环比与同比")
    previous, year_before = period.previous(), period.year_before()
    for headline in headlines:
        figure = headline.figure
        for base_period, base, delta in (
            (previous, headline.previous, headline.month_on_month),
            (year_before, headline.year_before, headline.year_on_year),
        ):
            when = base_period.describe()
            rows.append(
                (
                    compare,
                    _g("%(figure)s(%(period)s)") % {"figure": figure.label, "period": when},
                    base.value,
                    figure.kind,
                    figure.definition,
                )
            )
            rows.append(
                (
                    compare,
                    _g("%(figure)s较%(period)s增减") % {"figure": figure.label, "period": when},
                    delta.absolute,
                    figure.kind,
                    _g("本期减去比较期;比率为百分点之差。"),
                )
            )
            rows.append(
                (
                    compare,
                    _g("%(figure)s较%(period)s增减幅度") % {"figure": figure.label, "period": when},
                    delta.relative,
                    "percent",
                    _g("增减 ÷ 比较期数值;比较期为 0 时不计算。"),
                )
            )

    for breakdown in breakdowns:
        for row in breakdown.rows:
            rows.append(
                (
                    breakdown.title,
                    _g("%(name)s·受理") % {"name": row.label},
                    row.accepted,
                    "count",
                    breakdown.definition,
                )
            )
            rows.append(
                (
                    breakdown.title,
                    _g("%(name)s·调解成功") % {"name": row.label},
                    row.successful,
                    "count",
                    breakdown.definition,
                )
            )
            rows.append(
                (
                    breakdown.title,
                    _g("%(name)s·调解成功率") % {"name": row.label},
                    row.success_rate,
                    "percent",
                    breakdown.definition,
                )
            )
            rows.append(
                (
                    breakdown.title,
                    _g("%(name)s·其他方式化解") % {"name": row.label},
                    row.resolved_otherwise,
                    "count",
                    breakdown.definition,
                )
            )
            rows.append(
                (
                    breakdown.title,
                    _g("%(name)s·受理占比") % {"name": row.label},
                    row.share,
                    "percent",
                    breakdown.definition,
                )
            )
    return rows
