"""The cohort every figure counts, the day overdue is judged on, and how a rate is
rounded: the ground the other statistics modules stand on."""

import datetime
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseRollup, Dimension, Grain
from cases.selectors import area_cases
from grids.models import Area
from reports.periods import Period, local_midnight

FOUR_PLACES = Decimal("0.0001")


def overdue_as_of(period: Period, today: datetime.date | None = None) -> datetime.date:
    """The day overdue is judged on: the day after the period, or today if that is earlier
    (a case is overdue on a day when its deadline is before that day)."""
    today = today or timezone.localdate()
    return min(today, period.end + datetime.timedelta(days=1))


@contextmanager
def without_jit():
    """PostgreSQL's JIT compiler spends seconds compiling these wide aggregates (one
    ``FILTER`` per figure and period) that then run in milliseconds: switch it off for
    the statistics' own transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def moments(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as [start, end) moments in local time, for date-time fields."""
    return local_midnight(period.start), local_midnight(period.end + datetime.timedelta(days=1))


def cohort(area: Area, period: Period) -> QuerySet:
    """The ledger rows of the area and period: the cases every figure counts (and the
    rows ``reports.ledger`` writes)."""
    return area_cases(area).filter(received_on__gte=period.start, received_on__lte=period.end)


def rollup_period_q(period: Period) -> Q:
    """The rollup rows counting each case of the period once: the whole months inside it
    from the month rows, the days before and after them from the day rows."""
    start, end = period.start, period.end
    first_month = (
        start
        if start.day == 1
        else (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    )
    after = end + datetime.timedelta(days=1)
    after_months = after if after.day == 1 else end.replace(day=1)
    if first_month >= after_months:
        return Q(grain=Grain.DAY, day__gte=start, day__lte=end)
    wanted = Q(grain=Grain.MONTH, day__gte=first_month, day__lt=after_months)
    if start < first_month:
        wanted |= Q(grain=Grain.DAY, day__gte=start, day__lt=first_month)
    if after_months <= end:
        wanted |= Q(grain=Grain.DAY, day__gte=after_months, day__lte=end)
    return wanted


def area_rollup(area: Area, dimension: str = Dimension.NONE) -> QuerySet:
    """The rollup rows of the area and everything under it, for one breakdown (or none:
    the figures' rows)."""
    return CaseRollup.objects.filter(
        dimension=dimension, area__in=Area.objects.subtree(area).values("pk")
    )


def rate(numerator: int | None, denominator: int | None) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator or 0) / Decimal(denominator)).quantize(FOUR_PLACES, ROUND_HALF_UP)


COHORT_NOTE = _(
    "统计对象为本区域(含下级)登记日期在统计期内、未作废的案件,按其当前结果归类,"
    "与同期台账的案件逐条对应。"
)


def ledger_params(area: Area, period: Period, **extra) -> dict[str, str]:
    """The case-list query string (as a dict) listing the cohort, narrowed by ``extra``."""
    return {
        "area": str(area.pk),
        "received_after": period.start.isoformat(),
        "received_before": period.end.isoformat(),
        **{key: str(value) for key, value in extra.items()},
    }
