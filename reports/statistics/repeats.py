"""The repeat-dispute rate: of the cases registered in the period, the share whose
parties were already in an earlier dispute of the area in the 24 months before (the same
person as at registration and on the ledger's badge: ``cases.people``).

Like the other figures it is read from the rollup. Each case's tally holds its repeat
depth (``cases.people.repeat_depth``: the depth of the deepest area holding it and an
earlier case of one of its parties), and the rollup counts the repeat disputes by depth
and dispute type (``Dimension.REPEAT``); a case is a repeat dispute of an area exactly
when that earlier case is in the area too, that is when its depth is at least the area's.
"""

import operator
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from cases.models import CaseRollup, Dimension, DisputeType
from cases.people import REPEAT_MONTHS
from grids.models import LEVEL_ORDER, Area
from reports.periods import Period
from reports.statistics.cohort import rate, rollup_period_q

REPEAT_NOTE = _(
    "重复纠纷:统计期内登记的案件中,有当事人在此前 24 个月内本区域另有纠纷(按身份证号码;"
    "没有则按手机号码;都没有则按同村同名认定)的案件;重复率 = 重复纠纷数 ÷ 登记数。"
)


@dataclass(frozen=True)
class RepeatRow:
    label: str
    total: int
    repeats: int

    @property
    def repeat_rate(self) -> Decimal | None:
        return rate(self.repeats, self.total)


@dataclass(frozen=True)
class RepeatRates:
    overall: RepeatRow
    by_area: list[RepeatRow]
    by_type: list[RepeatRow]
    months: int = REPEAT_MONTHS


def _repeat_q(area: Area) -> Q:
    """The ``Dimension.REPEAT`` rows of the cases that are repeat disputes of ``area``:
    those whose repeat depth is the area's depth or deeper."""
    deeper = range(area.depth, len(LEVEL_ORDER))
    return Q(dimension=Dimension.REPEAT) & reduce(
        operator.or_, (Q(value__startswith=f"{depth}/") for depth in deeper)
    )


def repeat_rates_for(area: Area, period: Period) -> RepeatRates:
    """The repeat-dispute rate of the area's cases registered in the period, in total, by
    child area and by dispute type, from the rollup: the cases of the figures' rows and
    of the dispute types' rows, the repeats of the repeat rows deep enough (two grouped
    queries)."""
    children = list(Area.objects.filter(parent=area).order_by("code"))
    rows = CaseRollup.objects.filter(
        rollup_period_q(period), area__in=Area.objects.subtree(area).values("pk")
    )
    repeats = _repeat_q(area)
    by_area: dict[int, list[int]] = {child.pk: [0, 0] for child in children}
    overall = [0, 0]
    per_path = (
        rows.filter(Q(dimension=Dimension.NONE) | repeats)
        .values_list("area__path", "dimension")
        .annotate(cases=Sum("received"))
        .order_by()
    )
    for path, dimension, cases in per_path:
        column = 1 if dimension == Dimension.REPEAT else 0
        overall[column] += cases or 0
        for child in children:
            if path.startswith(child.path):
                by_area[child.pk][column] += cases or 0
    by_type_id: dict[int, list[int]] = {}
    per_value = (
        rows.filter(Q(dimension=Dimension.DISPUTE_TYPE) | repeats)
        .values_list("dimension", "value")
        .annotate(cases=Sum("received"))
        .order_by()
    )
    for dimension, value, cases in per_value:
        if dimension == Dimension.REPEAT:
            type_id, column = int(value.split("/", 1)[1]), 1
        else:
            type_id, column = int(value), 0
        by_type_id.setdefault(type_id, [0, 0])[column] += cases or 0
    by_type_id = {pk: tally for pk, tally in by_type_id.items() if tally[0]}
    labels = {t.pk: str(t) for t in DisputeType.objects.filter(pk__in=by_type_id)}
    by_type = sorted((labels[pk], tally) for pk, tally in by_type_id.items())
    return RepeatRates(
        overall=RepeatRow(str(_("合计")), *overall),
        by_area=[RepeatRow(child.name, *by_area[child.pk]) for child in children],
        by_type=[RepeatRow(label, *tally) for label, tally in by_type],
    )
