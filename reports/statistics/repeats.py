"""The repeat-dispute rate: of the cases registered in the period, the share whose
parties were already in an earlier dispute of the area in the 24 months before (the same
person as at registration and on the ledger's badge: ``cases.people``).

Unlike the other figures this is not read from the rollup: it compares people across
cases. It is one SQL aggregation: the period's cases of the area, each marked by
``cases.people.is_repeat`` (the period's parties found in earlier cases, per party an
index lookup of the person's ID number, mobile or name in the village, stored on the
party), counted by dispute type, area and mark.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cases.models import DisputeType
from cases.people import REPEAT_MONTHS, is_repeat
from cases.selectors import area_cases
from grids.models import Area
from reports.periods import Period
from reports.statistics.cohort import rate

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


def repeat_rates_for(area: Area, period: Period) -> RepeatRates:
    """The repeat-dispute rate of the area's cases registered in the period, in total, by
    child area and by dispute type: one query, a row per dispute type, area and mark."""
    children = list(Area.objects.filter(parent=area).order_by("code"))
    cohort = area_cases(area).filter(received_on__gte=period.start, received_on__lte=period.end)
    counts = (
        cohort.annotate(repeat=is_repeat(cohort, within=area_cases(area)))
        .order_by()
        .values_list("dispute_type", "area__path", "repeat")
        .annotate(cases=Count("pk"))
    )
    by_area: dict[int, list[int]] = {child.pk: [0, 0] for child in children}
    by_type_id: dict[int, list[int]] = {}
    overall = [0, 0]
    for dispute_type_id, path, repeat, cases in counts:
        hits = cases if repeat else 0
        for tally in (
            overall,
            by_type_id.setdefault(dispute_type_id, [0, 0]),
            *(by_area[c.pk] for c in children if path.startswith(c.path)),
        ):
            tally[0] += cases
            tally[1] += hits
    labels = {t.pk: str(t) for t in DisputeType.objects.filter(pk__in=by_type_id)}
    by_type = sorted((labels[pk], tally) for pk, tally in by_type_id.items())
    return RepeatRates(
        overall=RepeatRow(str(_("合计")), *overall),
        by_area=[RepeatRow(child.name, *by_area[child.pk]) for child in children],
        by_type=[RepeatRow(label, *tally) for label, tally in by_type],
    )
