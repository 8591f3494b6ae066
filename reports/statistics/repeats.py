"""The repeat-dispute rate: of the cases registered in the period, the share whose
parties were already in an earlier dispute of the area in the 24 months before (the same
person as at registration and on the ledger's badge: ``cases.people``).

Unlike the other figures this is not read from the rollup: it compares people across
cases, so it reads the period's cases and their parties in batches (one query for the
cases and their parties, one for the earlier parties, per 1,000 cases). A month of a town
is a few batches; a year of a whole 1M-case district is a few hundred.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from cases.models import Party
from cases.people import REPEAT_MONTHS, repeat_case_ids
from cases.selectors import area_cases
from grids.models import Area
from reports.periods import Period
from reports.statistics.cohort import rate

BATCH = 1000

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
    child area and by dispute type."""
    children = list(Area.objects.filter(parent=area).order_by("code"))
    cohort = (
        area_cases(area)
        .filter(received_on__gte=period.start, received_on__lte=period.end)
        .select_related("area", "dispute_type")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=Party.objects.only(
                    "id", "case_id", "name", "role", "id_number_index", "mobile_index"
                ),
            )
        )
        .order_by("pk")
    )
    earlier = area_cases(area)
    by_area: dict[int, list[int]] = {child.pk: [0, 0] for child in children}
    by_type: dict[str, list[int]] = {}
    overall = [0, 0]
    after = 0
    while True:
        cases = list(cohort.filter(pk__gt=after)[:BATCH])
        if not cases:
            break
        after = cases[-1].pk
        repeats = repeat_case_ids(cases, within=earlier)
        for case in cases:
            hit = int(case.pk in repeats)
            overall[0] += 1
            overall[1] += hit
            counts = by_type.setdefault(str(case.dispute_type), [0, 0])
            counts[0] += 1
            counts[1] += hit
            child = next((c for c in children if case.area.path.startswith(c.path)), None)
            if child is not None:
                by_area[child.pk][0] += 1
                by_area[child.pk][1] += hit
        if len(cases) < BATCH:
            break  # the last batch: no need to ask for an empty one
    return RepeatRates(
        overall=RepeatRow(str(_("合计")), *overall),
        by_area=[RepeatRow(child.name, *by_area[child.pk]) for child in children],
        by_type=[RepeatRow(label, *counts) for label, counts in sorted(by_type.items())],
    )
