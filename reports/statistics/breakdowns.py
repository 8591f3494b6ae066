"""Accepted, successful and the success rate by kind of case (dispute type, source,
grade, handling level, child area), and the cohort by outcome."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import CaseRollup, CaseSource, Dimension, DisputeType, Grade, HandlingLevel
from cases.outcomes import ACCEPTED, Outcome
from grids.models import Area, AreaLevel
from reports.periods import Period
from reports.statistics.cohort import area_rollup, ledger_params, rate, rollup_period_q


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
    # Settled but not by mediation: its own column, never part of ``successful``.
    resolved_otherwise: int = 0
    resolved_otherwise_ledger: dict | None = None

    @property
    def success_rate(self) -> Decimal | None:
        return rate(self.successful, self.accepted)


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    definition: str
    rows: list[BreakdownRow]


_SUMS = {
    "total": Sum("received"),
    "accepted": Sum("accepted"),
    "successful": Sum("successful"),
    "resolved_otherwise": Sum("resolved_otherwise"),
}
_DIMENSIONS = (Dimension.DISPUTE_TYPE, Dimension.SOURCE, Dimension.GRADE, Dimension.LEVEL)


def _rollup_groups(area: Area, period: Period) -> dict[str, dict]:
    """Every breakdown's counts by kind, from the rollup in one grouped query: dimension
    → value → counts; kinds with no case left out."""
    rows = (
        CaseRollup.objects.filter(
            rollup_period_q(period),
            dimension__in=_DIMENSIONS,
            area__in=Area.objects.subtree(area).values("pk"),
        )
        .values("dimension", "value")
        .annotate(**_SUMS)
        .order_by()
    )
    found: dict[str, dict] = {dimension: {} for dimension in _DIMENSIONS}
    for row in rows:
        if row["total"]:
            found[row["dimension"]][row["value"]] = {key: row[key] for key in _SUMS}
    return found


def _children_counts(area: Area, period: Period, children: list[Area]) -> list[dict]:
    """Each child area's counts, from the rollup's figures rows in one grouped query."""
    rows = (
        area_rollup(area)
        .filter(rollup_period_q(period))
        .values("area__path")
        .annotate(**_SUMS)
        .order_by()
    )
    counts = {child.pk: dict.fromkeys(_SUMS, 0) for child in children}
    for row in rows:
        child = next((c for c in children if row["area__path"].startswith(c.path)), None)
        if child is not None:
            for key in _SUMS:
                counts[child.pk][key] += row[key] or 0
    return [counts[child.pk] for child in children]


BREAKDOWN_NOTE = _(
    "各项为统计对象中该类案件的受理数、调解成功数和调解成功率(调解成功 ÷ 受理);"
    "占比为该类受理数占全部受理数的比例。"
)


def _lookup_name(name: str, name_en: str) -> str:
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


def _row(label, counts: dict, area, period, total_accepted, **extra) -> BreakdownRow:
    """One kind of case: ``counts`` holds its total, accepted and successful; ``extra``
    narrows the ledger of ``area`` to it."""
    return BreakdownRow(
        label=label,
        total=counts["total"],
        accepted=counts["accepted"],
        successful=counts["successful"],
        ledger=ledger_params(area, period, **extra),
        accepted_ledger=ledger_params(area, period, outcome=ACCEPTED, **extra),
        successful_ledger=ledger_params(area, period, outcome=Outcome.SUCCESSFUL, **extra),
        share=rate(counts["accepted"], total_accepted),
        resolved_otherwise=counts["resolved_otherwise"],
        resolved_otherwise_ledger=ledger_params(
            area, period, outcome=Outcome.RESOLVED_OTHERWISE, **extra
        ),
    )


def breakdowns_for(area: Area, period: Period, total_accepted: int) -> list[Breakdown]:
    """Accepted, successful and the success rate by dispute type, source, grade, handling
    level and child area: one grouped query of the rollup for the kinds, one for the child
    areas, and the two short lookup tables' names."""
    note = str(BREAKDOWN_NOTE)
    result = []
    found = _rollup_groups(area, period)

    for key, title, dimension, model in (
        ("dispute_type", _("按纠纷类型"), Dimension.DISPUTE_TYPE, DisputeType),
        ("source", _("按来源"), Dimension.SOURCE, CaseSource),
    ):
        groups = {int(value): counts for value, counts in found[dimension].items()}
        # The whole (short) table, so the query count does not depend on the data.
        kinds = [kind for kind in model.objects.order_by("sort_order", "pk") if kind.pk in groups]
        rows = [
            _row(
                _lookup_name(kind.name, kind.name_en),
                groups[kind.pk],
                area,
                period,
                total_accepted,
                **{key: kind.pk},
            )
            for kind in kinds
        ]
        result.append(Breakdown(key, str(title), note, rows))

    for key, title, dimension, choices in (
        ("grade", _("按风险等级"), Dimension.GRADE, Grade.choices),
        ("level", _("按处置层级"), Dimension.LEVEL, HandlingLevel.choices),
    ):
        order = [value for value, _label in choices]
        groups = found[dimension]
        labels = dict(choices)
        rows = [
            _row(
                str(labels.get(value, value)),
                groups[value],
                area,
                period,
                total_accepted,
                **{key: value},
            )
            for value in sorted(
                groups, key=lambda v, order=order: order.index(v) if v in order else 99
            )
        ]
        result.append(Breakdown(key, str(title), note, rows))

    children = _ledger_children(area)
    if children:
        rows = [
            _row(child.name, counts, child, period, total_accepted)
            for child, counts in zip(
                children, _children_counts(area, period, children), strict=True
            )
        ]
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
                resolved_otherwise=count if outcome == Outcome.RESOLVED_OTHERWISE else 0,
                ledger=ledger_params(area, period, outcome=outcome.value),
                share=rate(count, figures["received"].value),
            )
        )
    return rows
