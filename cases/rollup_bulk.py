"""Rebuilding the statistics' rollups from the raw tables, and checking them against
the raw tables, in bulk and in SQL (``cases.rollup`` keeps them exact change by change;
this is for rows written in bulk, a new column, and the check). ``rebuild_case_rollup``
and ``check_case_rollup`` call it; ``cases.rollup`` re-exports both functions, which the
migrations that fill the rollup import from there."""

# The SQL below is put together from the models' own table and column names and the
# rollup's constants; every value travels as a parameter.
# ruff: noqa: S608

from django.db import connection, transaction

from cases.models import (
    FLAG_FIELDS,
    VISIT_COUNTERS,
    Case,
    CaseRollup,
    CaseTally,
    Dimension,
    FollowUp,
    FollowUpRollup,
    FollowUpTally,
    Grain,
)
from cases.outcomes import Outcome
from cases.rollup import (
    _KEY_COLUMNS,
    _ON_DONE_DAY,
    _ON_DUE_DAY,
    _REPEAT_VALUE_SQL,
    _SUMMED,
    _VISIT_KEY_COLUMNS,
    BREAKDOWN_COLUMNS,
    TALLY_COLUMNS,
    VISIT_TALLY_COLUMNS,
    tally_rows,
    visit_tally_rows,
)


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
                f"WHERE {column} IS NOT NULL GROUP BY area_id, {day}, {value}"
            )
        selects.append(
            f"SELECT {head}, '{Dimension.REPEAT}', {_REPEAT_VALUE_SQL}, {sums} FROM {source} "
            f"WHERE repeat_depth IS NOT NULL GROUP BY area_id, {day}, {_REPEAT_VALUE_SQL}"
        )
    return " UNION ALL ".join(selects)


def _columns_sql(columns) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


def _raw_visit_tallies_sql() -> tuple[str, list]:
    """SELECT of every tally of a live case's visit from the raw tables."""
    sql, params = visit_tally_rows(FollowUp.objects.all()).query.sql_with_params()
    columns = ", ".join(f"t_{name} AS {name}" for name in VISIT_TALLY_COLUMNS)
    return f"SELECT {columns} FROM ({sql}) raw_visit_tally", list(params)


def _visit_grouped_sql(source: str) -> str:
    """SELECT of the follow-up rollup's rows (area, grain, day, counters) summed from the
    visit tallies in ``source``: each visit counts on its due day and on its done day."""

    def flag(name: str) -> str:
        return f"CASE WHEN {name} THEN 1 ELSE 0 END"

    due = ["1", *(flag(name) for name in _ON_DUE_DAY[1:])] + ["0"] * len(_ON_DONE_DAY)
    done = ["0"] * len(_ON_DUE_DAY) + ["1", *(flag(name) for name in _ON_DONE_DAY[1:])]
    parts = []
    for day_column, values in (("due_day", due), ("done_day", done)):
        named = ", ".join(
            f"{value} AS {name}" for value, name in zip(values, VISIT_COUNTERS, strict=True)
        )
        for grain, day in ((Grain.DAY, day_column), (Grain.MONTH, _month_sql(day_column))):
            parts.append(
                f"SELECT area_id, '{grain}' AS grain, {day} AS day, {named} "
                f"FROM {source} WHERE {day_column} IS NOT NULL"
            )
    sums = ", ".join(f"SUM({name})" for name in VISIT_COUNTERS)
    return (
        f"SELECT area_id, grain, day, {sums} FROM ({' UNION ALL '.join(parts)}) visit_parts "
        "GROUP BY area_id, grain, day"
    )


@transaction.atomic
def rollup_rebuild() -> int:
    """Rebuild every tally and both rollups (cases and visits) from the raw tables
    (idempotent). On PostgreSQL the four tables are locked meanwhile: a service's refresh
    waits for the rebuild and then moves from the rebuilt tally. Returns the rollups' rows."""
    quote = connection.ops.quote_name
    tally_table = quote(CaseTally._meta.db_table)
    rollup_table = quote(CaseRollup._meta.db_table)
    visit_tally_table = quote(FollowUpTally._meta.db_table)
    visit_rollup_table = quote(FollowUpRollup._meta.db_table)
    tables = (rollup_table, tally_table, visit_rollup_table, visit_tally_table)
    raw_sql, params = _raw_tallies_sql()
    raw_visit_sql, visit_params = _raw_visit_tallies_sql()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
            # TRUNCATE refuses while this transaction's deferred key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {tally_table} ({_columns_sql(TALLY_COLUMNS)}) {raw_sql}", params
        )
        cursor.execute(
            f"INSERT INTO {rollup_table} ({_columns_sql((*_KEY_COLUMNS, *_SUMMED))}) "
            f"{_grouped_sql(tally_table)}"
        )
        rows = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {visit_tally_table} ({_columns_sql(VISIT_TALLY_COLUMNS)}) "
            f"{raw_visit_sql}",
            visit_params,
        )
        cursor.execute(
            f"INSERT INTO {visit_rollup_table} "
            f"({_columns_sql((*_VISIT_KEY_COLUMNS, *VISIT_COUNTERS))}) "
            f"{_visit_grouped_sql(visit_tally_table)}"
        )
        return rows + cursor.rowcount


def _differences_sql(raw_sql: str, grouped: str, table: str, columns: tuple, counted: str) -> str:
    """Rows of ``table`` differing from ``grouped`` (over the raw tallies), both ways."""
    listed = _columns_sql(columns)
    return (
        f"WITH tallies AS ({raw_sql}), "
        f"expected AS ({grouped}), "
        f"stored AS (SELECT {listed} FROM {table} WHERE {counted}) "
        "SELECT 'missing', d.* FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored) d "
        "UNION ALL SELECT 'extra', d.* FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected) d"
    )


def rollup_differences(limit: int = 20) -> list[tuple]:
    """The rollup rows that differ from the sums of the raw tables' tallies, both ways, as
    ("missing" | "extra", *key, *counters, amount) for the cases' rollup and ("visits
    missing" | "visits extra", area, grain, day, *counters) for the follow-ups'; rows
    counting nothing are no difference. Empty when both rollups are exact."""
    quote = connection.ops.quote_name
    rollups = [
        # (label prefix, raw tallies, their grouping, rollup table, columns, counts something)
        (
            "",
            _raw_tallies_sql(),
            _grouped_sql("tallies"),
            CaseRollup,
            (*_KEY_COLUMNS, *_SUMMED),
            "received <> 0 OR amount <> 0",
        ),
        (
            "visits ",
            _raw_visit_tallies_sql(),
            _visit_grouped_sql("tallies"),
            FollowUpRollup,
            (*_VISIT_KEY_COLUMNS, *VISIT_COUNTERS),
            "due <> 0 OR visited <> 0",
        ),
    ]
    found = []
    for prefix, (raw_sql, params), grouped_sql, model, columns, nonzero in rollups:
        sql = _differences_sql(raw_sql, grouped_sql, quote(model._meta.db_table), columns, nonzero)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({sql}) differences LIMIT {int(limit)}", params)
            found += [(f"{prefix}{kind}", *rest) for kind, *rest in cursor.fetchall()]
    return found[:limit]
