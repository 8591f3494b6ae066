"""The figures of a period, and the headline ones beside the month before and the year
before: three queries in all, all of the rollups (the cases' figures rows, the pending
cases by time limit, the follow-up visits). ``raw_*`` count the same on the raw tables:
the check of the tests and the benchmark."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from cases.models import Agreement, Dimension, FollowUp, FollowUpRollup, Satisfaction, overdue_q
from cases.selectors import area_cases
from grids.models import Area
from reports.periods import Period
from reports.statistics.cohort import (
    area_rollup,
    cohort,
    ledger_params,
    moments,
    overdue_as_of,
    rate,
    rollup_period_q,
    without_jit,
)
from reports.statistics.specs import CASE_COUNTS, FIGURE_SPECS, HEADLINE_KEYS, FigureSpec


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


def _case_counts(area: Area, periods: dict[str, Period]) -> dict:
    """The case counts and the agreements' amount of several periods, from the rollup's
    figures rows: one query."""
    wanted = {name: rollup_period_q(period) for name, period in periods.items()}
    any_period = Q()
    for condition in wanted.values():
        any_period |= condition
    sums = (
        area_rollup(area)
        .filter(any_period)
        .aggregate(
            **{
                f"{name}__{column}": Sum(column, filter=condition)
                for name, condition in wanted.items()
                for column in (*CASE_COUNTS, "amount")
            }
        )
    )
    result = {name: {} for name in periods}
    for compound, value in sums.items():
        name, column = compound.split("__", 1)
        if column == "amount":
            result[name]["agreement_amount"] = Decimal(value or 0).quantize(Decimal("0.01"))
        else:
            result[name][column] = value or 0
    return result


def raw_case_counts(area: Area, period: Period) -> dict:
    """The case counts of one period straight from the raw tables (what the rollup must
    give): the check of the tests and the benchmark."""
    counts = cohort(area, period).aggregate(
        **{
            key: Count("pk", filter=condition) if condition else Count("pk")
            for key, condition in CASE_COUNTS.items()
        },
    )
    amount = Agreement.objects.filter(
        superseded_at__isnull=True, case__in=cohort(area, period).values("pk")
    ).aggregate(total=Sum("amount"))["total"]
    counts["agreement_amount"] = (amount or Decimal("0")).quantize(Decimal("0.01"))
    return counts


def _overdue_counts(area: Area, periods: dict[str, Period], today: datetime.date) -> dict:
    """The overdue cases of several periods, from the rollup's rows of the pending cases
    by time limit (``Dimension.DUE_ON``): a case received in the period is overdue on the
    period's judging day when its limit comes before that day. One query."""
    as_of = {name: overdue_as_of(period, today).isoformat() for name, period in periods.items()}
    wanted = {name: rollup_period_q(period) for name, period in periods.items()}
    any_period = Q()
    for condition in wanted.values():
        any_period |= condition
    sums = (
        area_rollup(area, Dimension.DUE_ON)
        .filter(any_period, value__lt=max(as_of.values()))
        .aggregate(
            **{
                name: Sum("received", filter=wanted[name] & Q(value__lt=as_of[name]))
                for name in periods
            }
        )
    )
    return {name: value or 0 for name, value in sums.items()}


def _visit_counts(area: Area, periods: dict[str, Period]) -> dict:
    """The follow-up figures' counts of several periods, from the follow-up rollup: one
    query."""
    wanted = {name: rollup_period_q(period) for name, period in periods.items()}
    any_period = Q()
    for condition in wanted.values():
        any_period |= condition
    sums = (
        FollowUpRollup.objects.filter(area__in=Area.objects.subtree(area).values("pk"))
        .filter(any_period)
        .aggregate(
            **{
                f"{name}__{key}": Sum(column, filter=wanted[name])
                for name in periods
                for key, column in VISIT_FIGURES.items()
            }
        )
    )
    result = {name: {} for name in periods}
    for compound, value in sums.items():
        name, key = compound.split("__", 1)
        result[name][key] = value or 0
    return result


# The follow-up figures' counts and the follow-up rollup's counter each is summed from.
VISIT_FIGURES = {
    "follow_ups_due": "due",
    "follow_ups_done": "due_done",
    "follow_ups_on_time": "due_on_time",
    "answered": "answered",
    "satisfied": "satisfied",
}


def _period_counts(area: Area, periods: dict[str, Period], today: datetime.date) -> dict:
    """The counts of several periods of one area, all from the rollups: three queries in
    all (the cases' figures rows, their pending rows by time limit, the visits)."""
    result = _case_counts(area, periods)
    for name, count in _overdue_counts(area, periods, today).items():
        result[name]["overdue"] = count
    for name, counts in _visit_counts(area, periods).items():
        result[name].update(counts)
    return result


def raw_overdue_count(area: Area, period: Period, today: datetime.date) -> int:
    """The overdue figure straight from the raw tables (what the rollup must give)."""
    return cohort(area, period).filter(overdue_q(overdue_as_of(period, today))).count()


def raw_visit_counts(area: Area, period: Period) -> dict:
    """The follow-up figures' counts straight from the raw tables (what the rollup must
    give): the check of the tests and the benchmark."""
    start, end = moments(period)
    due = Q(due_at__gte=start, due_at__lt=end, cancelled_at__isnull=True)
    answered = Q(done_at__gte=start, done_at__lt=end) & ~Q(satisfaction="")
    return FollowUp.objects.filter(case__in=area_cases(area).values("pk")).aggregate(
        follow_ups_due=Count("pk", filter=due),
        follow_ups_done=Count("pk", filter=due & Q(done_at__isnull=False)),
        follow_ups_on_time=Count(
            "pk", filter=due & Q(done_at__isnull=False, done_at__lte=F("due_at"))
        ),
        answered=Count("pk", filter=answered),
        satisfied=Count(
            "pk",
            filter=answered & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]),
        ),
    )


def figures_for(area: Area, period: Period, today: datetime.date | None = None) -> dict:
    """Every figure of one area and period, by key (three queries)."""
    today = today or timezone.localdate()
    with without_jit():
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
