"""Accepted, successful and the success rate by kind of case (dispute type, source,
grade, handling level, child area), and the cohort by outcome."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import Grade, HandlingLevel
from cases.outcomes import ACCEPTED, ACCEPTED_Q, OUTCOME_Q, SUCCESSFUL_Q, Outcome
from grids.models import Area, AreaLevel
from reports.periods import Period
from reports.statistics.cohort import cohort, ledger_params, rate


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


_RESOLVED_OTHERWISE_Q = OUTCOME_Q[Outcome.RESOLVED_OTHERWISE]
_BREAKDOWN_COUNTS = {
    "total": Count("pk"),
    "accepted": Count("pk", filter=ACCEPTED_Q),
    "successful": Count("pk", filter=SUCCESSFUL_Q),
    "resolved_otherwise": Count("pk", filter=_RESOLVED_OTHERWISE_Q),
}

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


def _rows(area, period, grouped, label_of, filter_key, total_accepted) -> list[BreakdownRow]:
    return [
        _row(label_of(group), group, area, period, total_accepted, **{filter_key: group["value"]})
        for group in grouped
    ]


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
            aggregates[f"{child.pk}__resolved_otherwise"] = Count(
                "pk", filter=within & _RESOLVED_OTHERWISE_Q
            )
        counts = cases.aggregate(**aggregates)
        rows = [
            _row(
                child.name,
                {key: counts[f"{child.pk}__{key}"] for key in _BREAKDOWN_COUNTS},
                child,
                period,
                total_accepted,
            )
            for child in children
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
