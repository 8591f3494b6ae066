"""The statistics' rollup (``CaseRollup``), kept exact in the same transaction as every
change of a case.

Each live case has a tally (``CaseTally``): its area, registration day, outcome, the
flags the figures count (``TALLY_FLAGS``), its grade, level, dispute type and source, and
its current agreements' amount. The rollup holds, per area and registration day (and per
registration month), one row of every case (the figures' row) and one row per value of
each breakdown (dispute type, source, grade, level), each with a counter per figure
(``COUNTERS``: received, each outcome, each flag) and the amount. A case still pending
also counts in a row of its time limit (``Dimension.DUE_ON``, the value its ``due_on``):
"overdue" depends on the day it is judged on, so the readers sum the rows whose limit
comes before that day (``overdue_q``), exactly, whatever the day.

A repeat dispute counts in a row of its repeat depth and dispute type
(``Dimension.REPEAT``, "2/17"): the depth (``cases.people.repeat_depth``) is that of the
deepest area holding the case and an earlier case of one of its parties, so the case is a
repeat dispute of every area at that depth or above, and the repeat rate of an area sums
the rows of its depth or deeper. The depth depends on other cases: the tally keeps what a
later case finds the case's parties by (``repeat_keys``), and when the case's parties,
day, area or voidness change, its refresh works out again the depths of the later cases
found by the keys it had or has (``_later_cases_judged_again``), in the same transaction.

The follow-up visits have theirs (``FollowUpTally``, ``FollowUpRollup``): each visit of a
live case counts, in its case's area, on the local day it is due (due, done, on time;
not when cancelled or waived) and on the local day it was made (visited, answered,
satisfied, rebound signs, flared again), the definitions of ``VISIT_TALLY_COLUMNS``.
``cases.followups.follow_up_save`` is the one writer of a visit (scheduled, recorded,
cancelled, waived) and calls ``follow_up_tally_refresh`` for it; ``case_tally_refresh``
refreshes a case's visits when the case moved to another area or was voided.

``case_tally_refresh`` is the one writer: ``cases.workflow.record_event``, which every
service calls after it changed a case, calls it, so it runs in the service's transaction
under the case's row lock. It works out the case's tally afresh from the raw tables with
the same expressions the rebuild uses (``tally_rows``), and moves the case's counts from
its old rows to its new ones with one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE
SET c = c + excluded.c``, PostgreSQL and SQLite alike), rows in key order so two writers
never wait for each other in a circle. Rows written in bulk (the benchmark's filler, test data
written as rows) are brought in by ``rollup_rebuild`` (in ``cases.rollup_bulk``, the ``rebuild_case_rollup``
command), and ``rollup_differences`` compares both rollups with the raw tables.
"""

# The SQL below is put together from the models' own table and column names and this
# module's constants; every value travels as a parameter.
# ruff: noqa: S608

from collections import defaultdict
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cases.models import (
    FLAG_FIELDS,
    PENDING_STATUSES,
    VISIT_COUNTERS,
    Agreement,
    Case,
    CaseRollup,
    CaseTally,
    Dimension,
    FollowUp,
    FollowUpRollup,
    FollowUpTally,
    Grain,
    Party,
    Satisfaction,
    Status,
)
from cases.outcomes import (
    ACCEPTED_Q,
    CONCLUDED_Q,
    FIRST_TIME_Q,
    ON_THE_SPOT_Q,
    OUTCOME_Q,
    SUCCESSFUL_Q,
    Outcome,
)
from cases.people import (
    REPEAT_MONTHS,
    offered_keys,
    parties_of_keys,
    person_keys,
    repeat_depth,
)

# What each flag of a tally means: the case's answer to the ``Q``.
TALLY_FLAGS: dict[str, Q] = {
    "accepted": ACCEPTED_Q,
    "concluded": CONCLUDED_Q,
    "first_time": FIRST_TIME_Q,
    "on_the_spot": ON_THE_SPOT_Q,
    "crimes_prevented": SUCCESSFUL_Q & Q(violence_risk=True),
    "group_settled": SUCCESSFUL_Q & Q(is_group=True),
    "petition_settled": SUCCESSFUL_Q & Q(petition_risk=True),
}
assert tuple(TALLY_FLAGS) == FLAG_FIELDS

# The counters of a rollup row: every case counts in "received", in its outcome's counter
# and in each of its flags' (the keys of ``reports.statistics.specs.CASE_COUNTS``).
COUNTERS = ("received", *(str(outcome.value) for outcome in Outcome), *FLAG_FIELDS)

# The breakdowns: the dimension and the tally column holding its value.
BREAKDOWN_COLUMNS = {
    Dimension.DISPUTE_TYPE: "dispute_type_key",
    Dimension.SOURCE: "source_key",
    Dimension.GRADE: "grade",
    Dimension.LEVEL: "level",
    # Only the cases still pending have a value (their time limit): the overdue figures.
    Dimension.DUE_ON: "pending_due_on",
}

_CURRENT_AMOUNT = (
    Agreement.objects.filter(case=OuterRef("pk"), superseded_at__isnull=True)
    .order_by()
    .values("case")
    .annotate(total=Sum("amount"))
    .values("total")
)

# Each tally column and the expression that gives it from the raw tables.
TALLY_COLUMNS: dict[str, object] = {
    "case_id": F("pk"),
    "area_id": F("area_id"),
    "received_on": F("received_on"),
    "outcome": models.Case(
        *(When(q, then=Value(str(outcome))) for outcome, q in OUTCOME_Q.items()),
        default=Value(""),
        output_field=models.CharField(),
    ),
    **{
        name: models.Case(
            When(q, then=Value(True)), default=Value(False), output_field=models.BooleanField()
        )
        for name, q in TALLY_FLAGS.items()
    },
    "grade": F("grade"),
    "level": F("level"),
    "dispute_type_key": F("dispute_type_id"),
    "source_key": F("source_id"),
    "amount": Coalesce(
        Subquery(_CURRENT_AMOUNT), Value(Decimal("0")), output_field=models.DecimalField()
    ),
    "pending_due_on": models.Case(
        When(status__in=PENDING_STATUSES, then=F("due_on")),
        default=Value(None),
        output_field=models.DateField(),
    ),
    "repeat_depth": repeat_depth(),
    "repeat_keys": Coalesce(offered_keys(), Value(""), output_field=models.TextField()),
}
# The value of a repeat dispute's row (``Dimension.REPEAT``): its depth and dispute type.
_REPEAT_VALUE_SQL = (
    "CAST(repeat_depth AS VARCHAR(8)) || '/' || CAST(dispute_type_key AS VARCHAR(16))"
)


def repeat_value(depth: int, dispute_type_key: int) -> str:
    """The value of the ``Dimension.REPEAT`` row of a repeat dispute (``_REPEAT_VALUE_SQL``)."""
    return f"{depth}/{dispute_type_key}"


_KEY_COLUMNS = ("area_id", "grain", "day", "dimension", "value")
_SUMMED = (*COUNTERS, "amount")


def tally_rows(cases: models.QuerySet) -> models.QuerySet:
    """The tallies of ``cases`` (voided ones left out) worked out from the raw tables, as
    dicts keyed by the tally's columns."""
    return (
        cases.exclude(status=Status.VOIDED)
        .order_by()
        .values(**{f"t_{name}": expression for name, expression in TALLY_COLUMNS.items()})
    )


def _counters(tally: dict) -> tuple:
    """What one tally adds to each counter of a row (in ``COUNTERS`` order), and its amount."""
    counted = {"received", tally["outcome"], *(f for f in FLAG_FIELDS if tally[f])}
    return (*(int(name in counted) for name in COUNTERS), tally["amount"])


def _contributions(tally: dict | None) -> dict[tuple, tuple]:
    """The rollup rows one tally adds to, with what it adds to each."""
    if tally is None:
        return {}
    received_on = tally["received_on"]
    counters = _counters(tally)
    result = {}
    for grain, day in ((Grain.DAY, received_on), (Grain.MONTH, received_on.replace(day=1))):
        head = (tally["area_id"], str(grain), day)
        result[(*head, "", "")] = counters
        for dimension, column in BREAKDOWN_COLUMNS.items():
            if tally[column] is not None:
                result[(*head, str(dimension), str(tally[column]))] = counters
        if tally["repeat_depth"] is not None:
            value = repeat_value(tally["repeat_depth"], tally["dispute_type_key"])
            result[(*head, str(Dimension.REPEAT), value)] = counters
    return result


def _upsert(
    deltas: dict[tuple, list],
    model: type[models.Model] = CaseRollup,
    key_columns: tuple = _KEY_COLUMNS,
    summed_columns: tuple = _SUMMED,
) -> None:
    """Add each row's deltas to it (created at zero if missing), rows in key order."""
    rows = sorted((key, delta) for key, delta in deltas.items() if any(delta))
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = ", ".join(quote(column) for column in key_columns)
    summed = ", ".join(quote(column) for column in summed_columns)
    one = "(" + ", ".join(["%s"] * (len(key_columns) + len(summed_columns))) + ")"
    additions = ", ".join(
        f"{quote(column)} = {table}.{quote(column)} + excluded.{quote(column)}"
        for column in summed_columns
    )
    params = [value for key, delta in rows for value in (*key, *delta)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({keys}, {summed}) VALUES {', '.join([one] * len(rows))} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {additions}",
            params,
        )


def _normalised(tally: dict) -> dict:
    """A tally with its flags as booleans, its amount to the cent and its keys in order,
    to compare two."""
    tally = {**tally, **{name: bool(tally[name]) for name in FLAG_FIELDS}}
    tally["amount"] = Decimal(tally["amount"] or 0).quantize(Decimal("0.01"))
    tally["repeat_keys"] = "\n".join(sorted(person_keys(tally["repeat_keys"])))
    return tally


def _offer(tally: dict | None) -> tuple | None:
    """What the later cases' repeat depths see of a case: where, when, whom."""
    if tally is None:
        return None
    return tally["area_id"], tally["received_on"], tally["repeat_keys"]


def _add(deltas: dict, sign: int, tally: dict | None) -> None:
    for key, added in _contributions(tally).items():
        deltas[key] = [
            total + sign * value for total, value in zip(deltas[key], added, strict=True)
        ]


def _later_cases_judged_again(case_id: int, old: dict | None, new: dict | None, deltas) -> None:
    """Work out again the repeat depth of the later cases whose parties may be found in
    this case as it was (``old``) or is (``new``), adding their moves to ``deltas``:
    a case's depth depends on which earlier cases exist and where, not on their depths,
    so one round is enough. Their tallies are locked in key order, after this case's."""
    from cases.followups import add_months  # followups builds on this module

    keys = person_keys(old and old["repeat_keys"]) | person_keys(new and new["repeat_keys"])
    days = [tally["received_on"] for tally in (old, new) if tally is not None]
    if not keys:
        return
    later = (
        Party.objects.filter(parties_of_keys(keys))
        .filter(
            case__received_on__gte=min(days),
            case__received_on__lte=add_months(max(days), REPEAT_MONTHS),
        )
        .exclude(case_id=case_id)
        .values("case_id")
    )
    tallies = {
        row["case_id"]: row
        for row in CaseTally.objects.select_for_update()
        .filter(case_id__in=later)
        .order_by("case_id")
        .values(*TALLY_COLUMNS)
    }
    if not tallies:
        return
    depths = Case.objects.filter(pk__in=tallies).annotate(depth=repeat_depth())
    for pk, depth in depths.values_list("pk", "depth"):
        before = tallies[pk]
        if before["repeat_depth"] == depth:
            continue
        _add(deltas, -1, before)
        _add(deltas, 1, {**before, "repeat_depth": depth})
        CaseTally.objects.filter(case_id=pk).update(repeat_depth=depth)


def case_tally_refresh(case: Case, *, places_moved: bool = False) -> None:
    """Bring the case's tally and the rollup up to date with the case as it now stands in
    the database (inside the caller's transaction, which holds the case's lock), and the
    repeat depths of the later cases that see it when its parties, day, area or voidness
    changed (or ``places_moved``: its area's path changed in the tree)."""
    with transaction.atomic():
        old = (
            CaseTally.objects.select_for_update()
            .filter(case_id=case.pk)
            .values(*TALLY_COLUMNS)
            .first()
        )
        row = tally_rows(Case.objects.filter(pk=case.pk)).first()
        new = _normalised({name: row[f"t_{name}"] for name in TALLY_COLUMNS}) if row else None
        old = _normalised(old) if old else None
        # The case's visits count where the live case is: they follow a move or a void.
        if (old or {}).get("area_id") != (new or {}).get("area_id"):
            follow_up_tally_refresh(case_id=case.pk)
        deltas: dict[tuple, list] = defaultdict(lambda: [0] * len(_SUMMED))
        if places_moved or _offer(old) != _offer(new):
            _later_cases_judged_again(case.pk, old, new, deltas)
        if old != new:
            _add(deltas, -1, old)
            _add(deltas, 1, new)
        _upsert(deltas)
        if old == new:
            return
        if new is None:
            CaseTally.objects.filter(case_id=case.pk).delete()
        else:
            values = {name: value for name, value in new.items() if name != "case_id"}
            CaseTally.objects.update_or_create(case_id=case.pk, defaults=values)


# ---------------------------------------------------------------------------
# The follow-up visits
# ---------------------------------------------------------------------------


def _local_day(column: str):
    """The local (portal time zone) day of a moment: what a period's window compares."""
    return TruncDate(column, tzinfo=timezone.get_default_timezone())


def _flag(q: Q) -> models.Case:
    return models.Case(
        When(q, then=Value(True)), default=Value(False), output_field=models.BooleanField()
    )


_COUNTS_AS_DUE = Q(due_at__isnull=False, cancelled_at__isnull=True)
_MADE = Q(done_at__isnull=False)

# Each visit tally column and the expression that gives it from the raw tables: the
# definitions of the follow-up figures (``reports.statistics.specs``).
VISIT_TALLY_COLUMNS: dict[str, object] = {
    "follow_up_id": F("pk"),
    "case_id": F("case_id"),
    "area_id": F("case__area_id"),
    "due_day": models.Case(
        When(_COUNTS_AS_DUE, then=_local_day("due_at")),
        default=Value(None),
        output_field=models.DateField(),
    ),
    "due_done": _flag(_COUNTS_AS_DUE & _MADE),
    "due_on_time": _flag(_COUNTS_AS_DUE & _MADE & Q(done_at__lte=F("due_at"))),
    "done_day": models.Case(
        When(_MADE, then=_local_day("done_at")),
        default=Value(None),
        output_field=models.DateField(),
    ),
    "answered": _flag(_MADE & ~Q(satisfaction="")),
    "satisfied": _flag(_MADE & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
    "rebound_signs": _flag(_MADE & Q(rebound_signs=True)),
    "flared_again": _flag(_MADE & Q(flared_again=True)),
}
_VISIT_FLAGS = ("due_done", "due_on_time", "answered", "satisfied", "rebound_signs", "flared_again")
_VISIT_KEY_COLUMNS = ("area_id", "grain", "day")
# Which counters count on the day a visit is due, and which on the day it is made.
_ON_DUE_DAY = ("due", "due_done", "due_on_time")
_ON_DONE_DAY = ("visited", "answered", "satisfied", "rebound_signs", "flared_again")
assert (*_ON_DUE_DAY, *_ON_DONE_DAY) == VISIT_COUNTERS


def visit_tally_rows(visits: models.QuerySet) -> models.QuerySet:
    """The tallies of ``visits`` (those of voided cases left out) worked out from the raw
    tables, as dicts keyed by the tally's columns."""
    return (
        visits.exclude(case__status=Status.VOIDED)
        .order_by()
        .values(**{f"t_{name}": expression for name, expression in VISIT_TALLY_COLUMNS.items()})
    )


def _visit_contributions(tally: dict | None) -> dict[tuple, tuple]:
    """The follow-up rollup rows one visit tally adds to, with what it adds to each."""
    result: dict[tuple, list] = defaultdict(lambda: [0] * len(VISIT_COUNTERS))
    if tally is None:
        return result
    for day_column, counters, counted in (
        ("due_day", _ON_DUE_DAY, {"due", *(c for c in _ON_DUE_DAY if tally.get(c))}),
        ("done_day", _ON_DONE_DAY, {"visited", *(c for c in _ON_DONE_DAY if tally.get(c))}),
    ):
        day = tally[day_column]
        if day is None:
            continue
        for grain, first in ((Grain.DAY, day), (Grain.MONTH, day.replace(day=1))):
            row = result[(tally["area_id"], str(grain), first)]
            for index, name in enumerate(VISIT_COUNTERS):
                if name in counters and name in counted:
                    row[index] += 1
    return result


def _visit_normalised(tally: dict) -> dict:
    return {**tally, **{name: bool(tally[name]) for name in _VISIT_FLAGS}}


def follow_up_tally_refresh(*, case_id: int | None = None, follow_up_id: int | None = None):
    """Bring the tallies of one visit (or of every visit of one case) and the follow-up
    rollup up to date with the raw tables, inside the caller's transaction (which holds
    the case's lock). ``cases.followups.follow_up_save``, the one writer of visits, calls
    it for a visit; ``case_tally_refresh`` for the case's visits when the case moved to
    another area, was voided or was restored."""
    if (case_id is None) == (follow_up_id is None):
        raise ValueError("case_id or follow_up_id, not both")
    if case_id is not None:
        tally_lookup, visit_lookup = {"case_id": case_id}, {"case_id": case_id}
    else:
        tally_lookup, visit_lookup = {"follow_up_id": follow_up_id}, {"pk": follow_up_id}
    with transaction.atomic():
        old = {
            row["follow_up_id"]: _visit_normalised(row)
            for row in FollowUpTally.objects.select_for_update()
            .filter(**tally_lookup)
            .values(*VISIT_TALLY_COLUMNS)
        }
        new = {
            row["t_follow_up_id"]: _visit_normalised(
                {name: row[f"t_{name}"] for name in VISIT_TALLY_COLUMNS}
            )
            for row in visit_tally_rows(FollowUp.objects.filter(**visit_lookup))
        }
        deltas: dict[tuple, list] = defaultdict(lambda: [0] * len(VISIT_COUNTERS))
        for pk in old.keys() | new.keys():
            if old.get(pk) == new.get(pk):
                continue
            for sign, tally in ((-1, old.get(pk)), (1, new.get(pk))):
                for key, added in _visit_contributions(tally).items():
                    deltas[key] = [
                        total + sign * value
                        for total, value in zip(deltas[key], added, strict=True)
                    ]
            if pk not in new:
                FollowUpTally.objects.filter(follow_up_id=pk).delete()
            else:
                values = {name: value for name, value in new[pk].items() if name != "follow_up_id"}
                FollowUpTally.objects.update_or_create(follow_up_id=pk, defaults=values)
        _upsert(deltas, FollowUpRollup, _VISIT_KEY_COLUMNS, VISIT_COUNTERS)


# The bulk rebuild and check live in their own module; the migrations that fill the
# rollup import them from here.
from cases.rollup_bulk import rollup_differences, rollup_rebuild  # noqa: E402, F401
