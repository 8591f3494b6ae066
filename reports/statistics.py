"""The figures supervisors report upward (DOMAIN §5), each with its definition written down.

**The cohort.** Every figure about cases counts the *cohort* of an area and a period: the
cases of the area and everything under it, voided ones left out, whose registration date
(``received_on``, 登记日期) falls in the period, each classified by its *current* outcome
(``reports/outcomes.py``). These are exactly the rows of the monthly ledger of the same
area and period, so the statistics sheet reconciles with the ledger sheet row for row,
and the ledger filter behind each figure (``cases/filters.py``: ``area``,
``received_after``/``received_before``, ``outcome``, ...) lists exactly the cases counted.

**Rates.** The success rate is successful / accepted (调解成功 ÷ 受理), the convention of
the seeds' one-stop centre (2205 / 4617 = 47.76%); successful / concluded is given beside
it, labelled as such. A rate is a ``Decimal`` fraction rounded half-up to four places
(``Decimal("0.4776")``), or ``None`` when its denominator is 0.

**Cost.** Everything is computed with conditional aggregates (``Count(filter=...)``) in a
fixed handful of queries, whatever the number of cases: the headline figures of the
period, the month before and the year before share one query over the cases, one over the
follow-ups and one over the agreements; each breakdown is one grouped query; the
12-month trend is one query.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Agreement,
    Case,
    FollowUp,
    Grade,
    HandlingLevel,
    Satisfaction,
    overdue_q,
)
from cases.outcomes import (
    ACCEPTED,
    ACCEPTED_Q,
    CONCLUDED,
    CONCLUDED_Q,
    FIRST_TIME_Q,
    ON_THE_SPOT_Q,
    OUTCOME_Q,
    SUCCESSFUL_Q,
    Outcome,
)
from grids.models import Area, AreaLevel
from reports.periods import Period

FOUR_PLACES = Decimal("0.0001")


def overdue_as_of(period: Period, today: datetime.date | None = None) -> datetime.date:
    """The day overdue is judged on: the day after the period, or today if that is earlier
    (a case is overdue on a day when its deadline is before that day)."""
    today = today or timezone.localdate()
    return min(today, period.end + datetime.timedelta(days=1))


@contextmanager
def _without_jit():
    """PostgreSQL's JIT compiler spends seconds compiling these wide aggregates (one
    ``FILTER`` per figure and period) that then run in milliseconds: switch it off for
    the statistics' own transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def _moments(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as [start, end) moments in local time, for date-time fields."""
    return _local_midnight(period.start), _local_midnight(period.end + datetime.timedelta(days=1))


def area_cases(area: Area) -> QuerySet:
    return Case.objects.not_voided().filter(area__in=Area.objects.subtree(area).values("pk"))


def cohort(area: Area, period: Period) -> QuerySet:
    """The ledger rows of the area and period: the cases every figure counts."""
    return area_cases(area).filter(received_on__gte=period.start, received_on__lte=period.end)


def rate(numerator: int | None, denominator: int | None) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator or 0) / Decimal(denominator)).quantize(FOUR_PLACES, ROUND_HALF_UP)


# ---------------------------------------------------------------------------
# The figures and their definitions
# ---------------------------------------------------------------------------

COHORT_NOTE = _(
    "统计对象为本区域(含下级)登记日期在统计期内、未作废的案件,按其当前结果归类,"
    "与同期台账的案件逐条对应。"
)


@dataclass(frozen=True)
class FigureSpec:
    key: str
    section: object
    label: object
    kind: str  # "count", "percent" or "money"
    definition: object
    # count: the raw count it shows; percent: (numerator, denominator) raw counts
    counts: tuple[str, ...]
    # The ledger filter listing the cases behind the figure (beyond area and period).
    ledger: dict = field(default_factory=dict)


S_OUTCOMES = _("受理与结果")
S_RATES = _("化解率")
S_OVERDUE = _("超期")
S_FOLLOW_UPS = _("回访")
S_EFFECT = _("成效")

FIGURE_SPECS: list[FigureSpec] = [
    FigureSpec(
        "received",
        S_OUTCOMES,
        _("登记"),
        "count",
        _("统计期内登记的案件数(未作废),即同期台账的行数。"),
        ("received",),
    ),
    FigureSpec(
        "accepted",
        S_OUTCOMES,
        _("受理"),
        "count",
        _(
            "已受理的案件:正在调解、调解成功、转速裁解决、调解不成,以及受理后撤回的案件;"
            "不含待受理、不予受理和受理前撤回的案件。"
        ),
        ("accepted",),
        {"outcome": ACCEPTED},
    ),
    FigureSpec(
        "successful",
        S_OUTCOMES,
        _("调解成功"),
        "count",
        _("达成调解协议的案件(调解成功待回访,或协议达成后销号)。"),
        ("successful",),
        {"outcome": Outcome.SUCCESSFUL},
    ),
    FigureSpec(
        "fast_tracked",
        S_OUTCOMES,
        _("转速裁解决"),
        "count",
        _("调解未达成协议、转法院速裁团队解决的案件;不计入调解成功,也不计入调解不成。"),
        ("fast_tracked",),
        {"outcome": Outcome.FAST_TRACKED},
    ),
    FigureSpec(
        "failed",
        S_OUTCOMES,
        _("调解不成"),
        "count",
        _("调解终结而未达成协议的案件(含当事人拒绝调解),不含转速裁解决的案件。"),
        ("failed",),
        {"outcome": Outcome.FAILED},
    ),
    FigureSpec(
        "in_progress",
        S_OUTCOMES,
        _("正在调解"),
        "count",
        _("已受理、尚未有结果的案件(已受理或调解中)。"),
        ("in_progress",),
        {"outcome": Outcome.IN_PROGRESS},
    ),
    FigureSpec(
        "awaiting",
        S_OUTCOMES,
        _("待受理"),
        "count",
        _("已登记、尚未受理的案件。"),
        ("awaiting",),
        {"outcome": Outcome.AWAITING_ACCEPTANCE},
    ),
    FigureSpec(
        "not_accepted",
        S_OUTCOMES,
        _("不予受理"),
        "count",
        _("经审查不予受理的案件。"),
        ("not_accepted",),
        {"outcome": Outcome.NOT_ACCEPTED},
    ),
    FigureSpec(
        "withdrawn",
        S_OUTCOMES,
        _("撤回"),
        "count",
        _("当事人撤回的案件(受理前后均计)。"),
        ("withdrawn",),
        {"outcome": Outcome.WITHDRAWN},
    ),
    FigureSpec(
        "concluded",
        S_OUTCOMES,
        _("已办结"),
        "count",
        _("已受理且已有结果的案件:调解成功、转速裁解决与调解不成之和。"),
        ("concluded",),
        {"outcome": CONCLUDED},
    ),
    FigureSpec(
        "success_rate",
        S_RATES,
        _("调解成功率"),
        "percent",
        _("调解成功 ÷ 受理。"),
        ("successful", "accepted"),
        {"outcome": Outcome.SUCCESSFUL},
    ),
    FigureSpec(
        "success_rate_concluded",
        S_RATES,
        _("调解成功率(按办结计)"),
        "percent",
        _("调解成功 ÷ 已办结(调解成功、转速裁解决、调解不成之和)。"),
        ("successful", "concluded"),
        {"outcome": Outcome.SUCCESSFUL},
    ),
    FigureSpec(
        "first_time_rate",
        S_RATES,
        _("初次化解率"),
        "percent",
        _(
            "初次化解 ÷ 已办结。初次化解:调解成功,且没有一次调解记录为“未达成一致”、"
            "未经逐级上报、未因纠纷再次激化而重新调解。"
        ),
        ("first_time", "concluded"),
        {"resolution": "first_time"},
    ),
    FigureSpec(
        "on_the_spot_rate",
        S_RATES,
        _("就地化解率"),
        "percent",
        _(
            "就地化解 ÷ 已办结。就地化解:调解成功,未经逐级上报被上级接收,"
            "且全部调解均在最终化解的层级进行。"
        ),
        ("on_the_spot", "concluded"),
        {"resolution": "on_the_spot"},
    ),
    FigureSpec(
        "overdue",
        S_OVERDUE,
        _("超期未化解"),
        "count",
        _(
            "目前仍待受理或正在调解、化解期限已过的案件;期限按统计期末日"
            "(统计期尚未结束的,按今天)判断。"
        ),
        ("overdue",),
    ),
    FigureSpec(
        "follow_ups_due",
        S_FOLLOW_UPS,
        _("应回访"),
        "count",
        _("本区域未作废案件中,应回访时间在统计期内、未取消的回访次数(不限登记日期)。"),
        ("follow_ups_due",),
    ),
    FigureSpec(
        "follow_ups_done",
        S_FOLLOW_UPS,
        _("已回访"),
        "count",
        _("上述应回访中已完成的次数。"),
        ("follow_ups_done",),
    ),
    FigureSpec(
        "follow_up_rate",
        S_FOLLOW_UPS,
        _("回访完成率"),
        "percent",
        _("已回访 ÷ 应回访。"),
        ("follow_ups_done", "follow_ups_due"),
    ),
    FigureSpec(
        "follow_up_on_time_rate",
        S_FOLLOW_UPS,
        _("按时回访率"),
        "percent",
        _("在应回访时间之前(含)完成的回访 ÷ 应回访。"),
        ("follow_ups_on_time", "follow_ups_due"),
    ),
    FigureSpec(
        "follow_ups_answered",
        S_FOLLOW_UPS,
        _("回访满意度评价"),
        "count",
        _("回访时间在统计期内、记录了满意度的回访次数。"),
        ("answered",),
    ),
    FigureSpec(
        "satisfaction_rate",
        S_FOLLOW_UPS,
        _("满意率"),
        "percent",
        _("(满意 + 基本满意)÷ 记录了满意度的回访,回访时间在统计期内。"),
        ("satisfied", "answered"),
    ),
    FigureSpec(
        "agreement_amount",
        S_EFFECT,
        _("协议涉及金额(元)"),
        "money",
        _("统计对象中现行(未因重新调解而失效)调解协议所载金额之和。"),
        ("agreement_amount",),
        {"with_amount": "true"},
    ),
    FigureSpec(
        "crimes_prevented",
        S_EFFECT,
        _("防止民转刑"),
        "count",
        _("调解成功且登记时标注有民转刑风险的案件。"),
        ("crimes_prevented",),
        {"outcome": Outcome.SUCCESSFUL, "violence_risk": "true"},
    ),
    FigureSpec(
        "group_settled",
        S_EFFECT,
        _("化解群体性纠纷"),
        "count",
        _("调解成功的群体性纠纷。"),
        ("group_settled",),
        {"outcome": Outcome.SUCCESSFUL, "is_group": "true"},
    ),
    FigureSpec(
        "petition_settled",
        S_EFFECT,
        _("化解信访风险纠纷"),
        "count",
        _("调解成功且标注有信访风险的案件。"),
        ("petition_settled",),
        {"outcome": Outcome.SUCCESSFUL, "petition_risk": "true"},
    ),
]
SPECS = {spec.key: spec for spec in FIGURE_SPECS}

# The figures on the dashboard's cards, with their month-on-month and year-on-year change.
HEADLINE_KEYS = (
    "accepted",
    "successful",
    "success_rate",
    "fast_tracked",
    "in_progress",
    "overdue",
    "first_time_rate",
    "on_the_spot_rate",
    "follow_up_rate",
    "satisfaction_rate",
    "agreement_amount",
    "crimes_prevented",
)

# The case counts of one period, as conditional aggregates over the cohort.
CASE_COUNTS: dict[str, Q] = {
    "received": Q(),
    "accepted": ACCEPTED_Q,
    "successful": SUCCESSFUL_Q,
    "fast_tracked": OUTCOME_Q[Outcome.FAST_TRACKED],
    "failed": OUTCOME_Q[Outcome.FAILED],
    "in_progress": OUTCOME_Q[Outcome.IN_PROGRESS],
    "awaiting": OUTCOME_Q[Outcome.AWAITING_ACCEPTANCE],
    "not_accepted": OUTCOME_Q[Outcome.NOT_ACCEPTED],
    "withdrawn": OUTCOME_Q[Outcome.WITHDRAWN],
    "concluded": CONCLUDED_Q,
    "first_time": FIRST_TIME_Q,
    "on_the_spot": ON_THE_SPOT_Q,
    "crimes_prevented": SUCCESSFUL_Q & Q(violence_risk=True),
    "group_settled": SUCCESSFUL_Q & Q(is_group=True),
    "petition_settled": SUCCESSFUL_Q & Q(petition_risk=True),
}


def ledger_params(area: Area, period: Period, **extra) -> dict[str, str]:
    """The case-list query string (as a dict) listing the cohort, narrowed by ``extra``."""
    return {
        "area": str(area.pk),
        "received_after": period.start.isoformat(),
        "received_before": period.end.isoformat(),
        **{key: str(value) for key, value in extra.items()},
    }


@dataclass(frozen=True)
class Change:
    absolute: int | Decimal | None
    relative: Decimal | None  # fraction of the base; None when the base is 0


def change(current, base) -> Change:
    if current is None or base is None:
        return Change(None, None)
    absolute = current - base
    relative = rate(absolute, base) if base else None
    return Change(absolute, relative)


@dataclass(frozen=True)
class Figure:
    spec: FigureSpec
    value: int | Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    ledger: dict | None = None  # the full case-list query behind it

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def label(self) -> str:
        return str(self.spec.label)

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def definition(self) -> str:
        return str(self.spec.definition)


@dataclass(frozen=True)
class Headline:
    figure: Figure
    previous: Figure
    year_before: Figure

    @property
    def month_on_month(self) -> Change:
        return change(self.figure.value, self.previous.value)

    @property
    def year_on_year(self) -> Change:
        return change(self.figure.value, self.year_before.value)


def _figures(counts: dict, area: Area, period: Period, as_of: datetime.date) -> dict:
    figures = {}
    for spec in FIGURE_SPECS:
        if spec.key == "overdue":
            ledger = ledger_params(area, period, overdue_as_of=as_of.isoformat())
        elif spec.key.startswith("follow_up") or spec.key == "satisfaction_rate":
            ledger = None  # visits, not cases: the ledger lists cases
        else:
            ledger = ledger_params(area, period, **spec.ledger)
        if spec.kind == "percent":
            numerator, denominator = (counts[name] for name in spec.counts)
            figures[spec.key] = Figure(
                spec, rate(numerator, denominator), numerator, denominator, ledger
            )
        else:
            figures[spec.key] = Figure(spec, counts[spec.counts[0]], ledger=ledger)
    return figures


def _period_counts(area: Area, periods: dict[str, Period], today: datetime.date) -> dict:
    """The raw counts of several periods of one area: three queries in all."""
    in_period = {
        name: Q(received_on__gte=period.start, received_on__lte=period.end)
        for name, period in periods.items()
    }
    aggregates = {}
    for name, period in periods.items():
        for key, condition in CASE_COUNTS.items():
            aggregates[f"{name}__{key}"] = Count("pk", filter=in_period[name] & condition)
        aggregates[f"{name}__overdue"] = Count(
            "pk", filter=in_period[name] & overdue_q(overdue_as_of(period, today))
        )
    any_period = Q()
    for condition in in_period.values():
        any_period |= condition
    cases = area_cases(area)
    case_counts = cases.filter(any_period).aggregate(**aggregates)

    visit_aggregates, any_window = {}, Q()
    for name, period in periods.items():
        start, end = _moments(period)
        due = Q(due_at__gte=start, due_at__lt=end, cancelled_at__isnull=True)
        answered = Q(done_at__gte=start, done_at__lt=end) & ~Q(satisfaction="")
        any_window |= due | answered
        visit_aggregates.update(
            {
                f"{name}__follow_ups_due": Count("pk", filter=due),
                f"{name}__follow_ups_done": Count("pk", filter=due & Q(done_at__isnull=False)),
                f"{name}__follow_ups_on_time": Count(
                    "pk", filter=due & Q(done_at__isnull=False, done_at__lte=F("due_at"))
                ),
                f"{name}__answered": Count("pk", filter=answered),
                f"{name}__satisfied": Count(
                    "pk",
                    filter=answered
                    & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]),
                ),
            }
        )
    visit_counts = (
        FollowUp.objects.filter(case__in=cases.values("pk"))
        .filter(any_window)
        .aggregate(**visit_aggregates)
    )

    agreements = Agreement.objects.filter(
        superseded_at__isnull=True, case__in=cases.filter(any_period).values("pk")
    ).aggregate(
        **{
            f"{name}__agreement_amount": Sum(
                "amount",
                filter=Q(case__received_on__gte=period.start, case__received_on__lte=period.end),
            )
            for name, period in periods.items()
        }
    )

    result = {name: {} for name in periods}
    for source in (case_counts, visit_counts, agreements):
        for compound, value in source.items():
            name, key = compound.split("__", 1)
            result[name][key] = value
    for counts in result.values():
        counts["agreement_amount"] = (counts["agreement_amount"] or Decimal("0")).quantize(
            Decimal("0.01")
        )
    return result


def figures_for(area: Area, period: Period, today: datetime.date | None = None) -> dict:
    """Every figure of one area and period, by key (three queries)."""
    today = today or timezone.localdate()
    with _without_jit():
        counts = _period_counts(area, {"current": period}, today)["current"]
    return _figures(counts, area, period, overdue_as_of(period, today))


def headlines_for(
    area: Area, period: Period, today: datetime.date | None = None
) -> tuple[dict, list[Headline]]:
    """All figures of the period, and the headline ones beside the same figures for the
    period before (``period.previous()``) and a year before (``period.year_before()``)."""
    today = today or timezone.localdate()
    periods = {
        "current": period,
        "previous": period.previous(),
        "year_before": period.year_before(),
    }
    counts = _period_counts(area, periods, today)
    figures = {
        name: _figures(counts[name], area, p, overdue_as_of(p, today))
        for name, p in periods.items()
    }
    headlines = [
        Headline(figures["current"][key], figures["previous"][key], figures["year_before"][key])
        for key in HEADLINE_KEYS
    ]
    return figures["current"], headlines


# ---------------------------------------------------------------------------
# Breakdowns and the trend
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    total: int  # cohort cases of this kind
    accepted: int
    successful: int
    ledger: dict | None  # the cohort cases of this kind
    accepted_ledger: dict | None = None
    successful_ledger: dict | None = None
    share: Decimal | None = None  # its accepted ÷ all accepted

    @property
    def success_rate(self) -> Decimal | None:
        return rate(self.successful, self.accepted)


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    definition: str
    rows: list[BreakdownRow]


_BREAKDOWN_COUNTS = {
    "total": Count("pk"),
    "accepted": Count("pk", filter=ACCEPTED_Q),
    "successful": Count("pk", filter=SUCCESSFUL_Q),
}

BREAKDOWN_NOTE = _(
    "各项为统计对象中该类案件的受理数、调解成功数和调解成功率(调解成功 ÷ 受理);"
    "占比为该类受理数占全部受理数的比例。"
)


def _lookup_name(name: str, name_en: str) -> str:
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


def _rows(area, period, grouped, label_of, filter_key, total_accepted) -> list[BreakdownRow]:
    rows = []
    for group in grouped:
        value = group["value"]
        extra = {filter_key: value}
        rows.append(
            BreakdownRow(
                label=label_of(group),
                total=group["total"],
                accepted=group["accepted"],
                successful=group["successful"],
                ledger=ledger_params(area, period, **extra),
                accepted_ledger=ledger_params(area, period, outcome=ACCEPTED, **extra),
                successful_ledger=ledger_params(area, period, outcome=Outcome.SUCCESSFUL, **extra),
                share=rate(group["accepted"], total_accepted),
            )
        )
    return rows


def _choice_label(choices):
    labels = dict(choices)
    return lambda group: str(labels.get(group["value"], group["value"]))


def breakdowns_for(area: Area, period: Period, total_accepted: int) -> list[Breakdown]:
    """Accepted, successful and the success rate by dispute type, source, grade, handling
    level and child area, plus the cohort by outcome: one grouped query each."""
    cases = cohort(area, period)
    note = str(BREAKDOWN_NOTE)
    result = []

    for key, title, field_name, filter_key in (
        ("dispute_type", _("按纠纷类型"), "dispute_type", "dispute_type"),
        ("source", _("按来源"), "source", "source"),
    ):
        grouped = (
            cases.values(value=F(field_name), name=F(f"{field_name}__name"))
            .annotate(name_en=F(f"{field_name}__name_en"), sort=F(f"{field_name}__sort_order"))
            .annotate(**_BREAKDOWN_COUNTS)
            .order_by("sort", "value")
        )
        result.append(
            Breakdown(
                key,
                str(title),
                note,
                _rows(
                    area,
                    period,
                    grouped,
                    lambda g: _lookup_name(g["name"], g["name_en"]),
                    filter_key,
                    total_accepted,
                ),
            )
        )

    for key, title, choices in (
        ("grade", _("按风险等级"), Grade.choices),
        ("level", _("按处置层级"), HandlingLevel.choices),
    ):
        order = [value for value, _label in choices]
        grouped = sorted(
            cases.values(value=F(key)).annotate(**_BREAKDOWN_COUNTS).order_by(),
            key=lambda g, order=order: order.index(g["value"]) if g["value"] in order else 99,
        )
        result.append(
            Breakdown(
                key,
                str(title),
                note,
                _rows(area, period, grouped, _choice_label(choices), key, total_accepted),
            )
        )

    children = _ledger_children(area)
    if children:
        aggregates = {}
        for child in children:
            within = Q(area__path__startswith=child.path)
            aggregates[f"{child.pk}__total"] = Count("pk", filter=within)
            aggregates[f"{child.pk}__accepted"] = Count("pk", filter=within & ACCEPTED_Q)
            aggregates[f"{child.pk}__successful"] = Count("pk", filter=within & SUCCESSFUL_Q)
        counts = cases.aggregate(**aggregates)
        rows = []
        for child in children:
            accepted = counts[f"{child.pk}__accepted"]
            rows.append(
                BreakdownRow(
                    label=child.name,
                    total=counts[f"{child.pk}__total"],
                    accepted=accepted,
                    successful=counts[f"{child.pk}__successful"],
                    ledger=ledger_params(child, period),
                    accepted_ledger=ledger_params(child, period, outcome=ACCEPTED),
                    successful_ledger=ledger_params(child, period, outcome=Outcome.SUCCESSFUL),
                    share=rate(accepted, total_accepted),
                )
            )
        result.append(Breakdown("area", str(_("按下级区域")), note, rows))
    return result


def _ledger_children(area: Area) -> list[Area]:
    """The child areas the ledger can filter by (no micro-grids)."""
    if area.level not in (AreaLevel.DISTRICT, AreaLevel.TOWN, AreaLevel.VILLAGE):
        return []
    return list(Area.objects.filter(parent=area).order_by("code"))


def outcome_rows(area: Area, period: Period, figures: dict) -> list[BreakdownRow]:
    """The cohort by outcome (from the figures already counted: no query)."""
    rows = []
    for outcome in Outcome:
        count = figures[str(outcome.value)].value
        rows.append(
            BreakdownRow(
                label=str(outcome.label),
                total=count,
                accepted=count if outcome != Outcome.AWAITING_ACCEPTANCE else 0,
                successful=count if outcome == Outcome.SUCCESSFUL else 0,
                ledger=ledger_params(area, period, outcome=outcome.value),
                share=rate(count, figures["received"].value),
            )
        )
    return rows


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


# ---------------------------------------------------------------------------
# Everything for one page or one sheet
# ---------------------------------------------------------------------------


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
    with _without_jit():
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


def statistics_sheet_rows(
    area: Area, period: Period, today: datetime.date | None = None
) -> list[SheetRow]:
    """The statistics sheet of the monthly workbook: ``(section, label, value, kind,
    definition)`` rows. ``kind`` is "count", "percent" (a ``Decimal`` fraction to four
    places, or ``None`` when the denominator is 0), "money" (``Decimal``) or "text"."""
    today = today or timezone.localdate()
    with _without_jit():
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
                    _g("%(name)s·受理占比") % {"name": row.label},
                    row.share,
                    "percent",
                    breakdown.definition,
                )
            )
    return rows
