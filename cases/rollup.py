"""The statistics' rollup (``CaseRollup``), kept exact in the same transaction as every
change of a case.

Each live case has a tally (``CaseTally``): its area, registration day, outcome, the
flags the figures count (``TALLY_FLAGS``), its grade, level, dispute type and source, and
its current agreements' amount. The rollup holds, per area and registration day (and per
registration month), one row of every case (the figures' row) and one row per value of
each breakdown (dispute type, source, grade, level), each with a counter per figure
(``COUNTERS``: received, each outcome, each flag) and the amount.

``case_tally_refresh`` is the one writer: ``cases.workflow.record_event``, which every
service calls after it changed a case, calls it, so it runs in the service's transaction
under the case's row lock. It works out the case's tally afresh from the raw tables with
the same expressions the rebuild uses (``tally_rows``), and moves the case's counts from
its old rows to its new ones with one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE
SET c = c + excluded.c``, PostgreSQL and SQLite alike), rows in key order so two writers
never wait for each other in a circle. Rows written in bulk (the benchmark's filler, test data
written as rows) are brought in by ``rollup_rebuild`` (the ``rebuild_case_rollup``
command), and ``rollup_differences`` compares the rollup with the raw tables.
"""

# The SQL below is put together from the models' own table and column names and this
# module's constants; every value travels as a parameter.
# ruff: noqa: S608

from collections import defaultdict
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from cases.models import (
    FLAG_FIELDS,
    Agreement,
    Case,
    CaseRollup,
    CaseTally,
    Dimension,
    Grain,
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
}
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
            result[(*head, str(dimension), str(tally[column]))] = counters
    return result


def _upsert(deltas: dict[tuple, list]) -> None:
    """Add each row's deltas to it (created at zero if missing), rows in key order."""
    rows = sorted((key, delta) for key, delta in deltas.items() if any(delta))
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(CaseRollup._meta.db_table)
    keys = ", ".join(quote(column) for column in _KEY_COLUMNS)
    summed = ", ".join(quote(column) for column in _SUMMED)
    one = "(" + ", ".join(["%s"] * (len(_KEY_COLUMNS) + len(_SUMMED))) + ")"
    additions = ", ".join(
        f"{quote(column)} = {table}.{quote(column)} + excluded.{quote(column)}"
        for column in _SUMMED
    )
    params = [value for key, delta in rows for value in (*key, *delta)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({keys}, {summed}) VALUES {', '.join([one] * len(rows))} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {additions}",
            params,
        )


def _normalised(tally: dict) -> dict:
    """A tally with its flags as booleans and its amount to the cent, to compare two."""
    tally = {**tally, **{name: bool(tally[name]) for name in FLAG_FIELDS}}
    tally["amount"] = Decimal(tally["amount"] or 0).quantize(Decimal("0.01"))
    return tally


def case_tally_refresh(case: Case) -> None:
    """Bring the case's tally and the rollup up to date with the case as it now stands in
    the database (inside the caller's transaction, which holds the case's lock)."""
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
        if old == new:
            return
        deltas: dict[tuple, list] = defaultdict(lambda: [0] * len(_SUMMED))
        for sign, tally in ((-1, old), (1, new)):
            for key, added in _contributions(tally).items():
                deltas[key] = [
                    total + sign * value for total, value in zip(deltas[key], added, strict=True)
                ]
        _upsert(deltas)
        if new is None:
            CaseTally.objects.filter(case_id=case.pk).delete()
        else:
            values = {name: value for name, value in new.items() if name != "case_id"}
            CaseTally.objects.update_or_create(case_id=case.pk, defaults=values)


# ---------------------------------------------------------------------------
# Rebuilding and checking in bulk, in SQL
# ---------------------------------------------------------------------------


def _raw_tallies_sql() -> tuple[str, list]:
    """SELECT of every live case's tally from the raw tables, columns named as the tally's."""
    sql, params = tally_rows(Case.objects.all()).query.sql_with_params()
    columns = ", ".join(f"t_{name} AS {name}" for name in TALLY_COLUMNS)
    return f"SELECT {columns} FROM ({sql}) raw_tally", list(params)


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _grouped_sql(source: str) -> str:
    """SELECT of the rollup's rows (key columns, counters, amount) summed from the tallies
    in the table (or common table expression) ``source``."""
    outcomes = [str(outcome.value) for outcome in Outcome]
    sums = ", ".join(
        [
            "COUNT(*)",
            *(f"SUM(CASE WHEN outcome = '{name}' THEN 1 ELSE 0 END)" for name in outcomes),
            *(f"SUM(CASE WHEN {name} THEN 1 ELSE 0 END)" for name in FLAG_FIELDS),
            "SUM(amount)",
        ]
    )
    selects = []
    for grain, day in ((Grain.DAY, "received_on"), (Grain.MONTH, _month_sql("received_on"))):
        head = f"area_id, '{grain}', {day}"
        selects.append(f"SELECT {head}, '', '', {sums} FROM {source} GROUP BY area_id, {day}")
        for dimension, column in BREAKDOWN_COLUMNS.items():
            value = f"CAST({column} AS VARCHAR(32))"
            selects.append(
                f"SELECT {head}, '{dimension}', {value}, {sums} FROM {source} "
                f"GROUP BY area_id, {day}, {value}"
            )
    return " UNION ALL ".join(selects)


def _columns_sql(columns) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


@transaction.atomic
def rollup_rebuild() -> int:
    """Rebuild every tally and the whole rollup from the raw tables (idempotent). On
    PostgreSQL the two tables are locked meanwhile: a service's refresh waits for the
    rebuild and then moves the case from its rebuilt tally. Returns the rollup's rows."""
    tally_table = connection.ops.quote_name(CaseTally._meta.db_table)
    rollup_table = connection.ops.quote_name(CaseRollup._meta.db_table)
    raw_sql, params = _raw_tallies_sql()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {tally_table}, {rollup_table} IN EXCLUSIVE MODE")
            # TRUNCATE refuses while this transaction's deferred key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {rollup_table}, {tally_table}")
        else:
            cursor.execute(f"DELETE FROM {rollup_table}")
            cursor.execute(f"DELETE FROM {tally_table}")
        cursor.execute(
            f"INSERT INTO {tally_table} ({_columns_sql(TALLY_COLUMNS)}) {raw_sql}", params
        )
        cursor.execute(
            f"INSERT INTO {rollup_table} ({_columns_sql((*_KEY_COLUMNS, *_SUMMED))}) "
            f"{_grouped_sql(tally_table)}"
        )
        return cursor.rowcount


def rollup_differences(limit: int = 20) -> list[tuple]:
    """The rollup rows that differ from the sums of the raw tables' tallies, both ways, as
    ("missing" | "extra", *key, *counters, amount); rows counting nothing are no difference.
    Empty when the rollup is exact."""
    rollup_table = connection.ops.quote_name(CaseRollup._meta.db_table)
    raw_sql, params = _raw_tallies_sql()
    columns = _columns_sql((*_KEY_COLUMNS, *_SUMMED))
    sql = (
        f"WITH tallies AS ({raw_sql}), "
        f"expected AS ({_grouped_sql('tallies')}), "
        f"stored AS (SELECT {columns} FROM {rollup_table} WHERE received <> 0 OR amount <> 0) "
        "SELECT 'missing', d.* FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored) d "
        "UNION ALL SELECT 'extra', d.* FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected) d"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) differences LIMIT {int(limit)}", params)
        return cursor.fetchall()
