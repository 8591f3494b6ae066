"""Export benchmark: the monthly ledger of a whole district (100,000 cases) to CSV and to
xlsx, beside two floors measured in the same run, with peak memory at several row counts.

    .venv/bin/python bench/exports.py [--cases N] [--sizes 10000,50000,0] [--repeat R]

The database is the ledger benchmark's (DATABASE_URL, by default postgres://postgres@
127.0.0.1:5432/fengqiao_bench), filled by ``bench/ledger.py``'s filler if it holds fewer
than N cases. Every measurement runs in a fresh Python process, so its peak RSS (VmHWM)
is its own; the baseline is the same process's RSS right after Django setup. See
bench/README.md.
"""

import argparse
import datetime
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import benchdb  # noqa: E402  (beside this script)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fengqiao_bench"

benchdb.configure(DEFAULT_DATABASE_URL)

MODES = {
    "csv": "export to CSV (reports.exporters.write_csv)",
    "copy": "floor: PostgreSQL COPY (SELECT the same rows) TO STDOUT WITH CSV",
    "xlsx": "export to xlsx (reports.exporters.write_xlsx)",
    "writer": "floor: XlsxWriter alone, the same rows pre-built in memory",
}


def _memory_kb() -> dict:
    """Current and peak resident set size of this process, in kB (Linux)."""
    found = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


# ---------------------------------------------------------------------------
# The floor: PostgreSQL producing the same rows and columns by itself
# ---------------------------------------------------------------------------


def _values(pairs: dict) -> str:
    """A VALUES list of (code, label) pairs, quoted for SQL."""

    def quote(text) -> str:
        return "'" + str(text).replace("'", "''") + "'"

    return ", ".join(f"({quote(code)}, {quote(label)})" for code, label in pairs.items())


def _mask(column: str, keep_head: int, keep_tail: int) -> str:
    """common.validators.mask_id_number / mask_mobile, in SQL."""
    short = keep_head + keep_tail
    return (
        f"CASE WHEN {column} = '' THEN '' "
        f"WHEN length({column}) < {short} THEN repeat('*', length({column})) "
        f"ELSE left({column}, {keep_head}) || repeat('*', length({column}) - {short}) "
        f"|| right({column}, {keep_tail}) END"
    )


def _side(role: str, expression: str) -> str:
    """One column of one side: a line per party, or '' when every line is empty."""
    where = f"FILTER (WHERE p.role = '{role}')"
    agg = f"string_agg({expression}, E'\\n' ORDER BY p.id) {where}"
    return f"CASE WHEN bool_or({expression} <> '') {where} THEN {agg} ELSE '' END"


def copy_sql(area, period) -> tuple[str, list]:
    """The ledger rows (same columns, order, labels and masking as reports.ledger) as one
    SQL query, for COPY ... TO STDOUT WITH CSV."""
    from reports import ledger

    labels = ledger.Labels(area)
    sides = []
    for role in ("applicant", "respondent"):
        sides += [
            _side(role, "p.name"),
            _side(role, _mask("p.id_number", 6, 4)),
            _side(role, _mask("p.mobile", 3, 4)),
            _side(role, "p.address"),
        ]
    outcome_cases = """CASE
        WHEN c.status = 'registered' THEN 'awaiting'
        WHEN c.status IN ('accepted', 'mediating', 'signing') THEN 'in_progress'
        WHEN c.status = 'resolved_other'
            OR (c.status = 'closed' AND c.failure_reason = '' AND c.resolution_means <> '')
            THEN 'resolved_otherwise'
        WHEN c.status = 'resolved' OR (c.status = 'closed' AND c.failure_reason = '')
            THEN 'successful'
        WHEN c.status IN ('failed', 'closed') AND c.failure_reason = 'fast_tracked'
            THEN 'fast_tracked'
        WHEN c.status IN ('failed', 'closed') THEN 'failed'
        WHEN c.status = 'withdrawn' THEN 'withdrawn'
        WHEN c.status = 'not_accepted' THEN 'not_accepted' END"""
    # The related rows are aggregated per case once (GROUP BY over the cohort) and
    # joined, which PostgreSQL runs as hash joins: faster than a LATERAL per case.
    sql = f"""
    WITH
      status_label(code, label) AS (VALUES {_values(labels.status)}),
      grade_label(code, label) AS (VALUES {_values(labels.grade)}),
      level_label(code, label) AS (VALUES {_values(labels.level)}),
      outcome_label(code, label) AS (VALUES {_values(labels.outcome)}),
      form_label(code, label) AS (VALUES {_values(labels.agreement_form)}),
      performance_label(code, label) AS (VALUES {_values(labels.performance)}),
      kind_label(code, label) AS (VALUES {_values(labels.follow_up_kind)}),
      check_label(code, label) AS (VALUES {_values(labels.performance_check)}),
      satisfaction_label(code, label) AS (VALUES {_values(labels.satisfaction)}),
      cohort AS MATERIALIZED (
        SELECT c.* FROM cases_case c JOIN grids_area a ON a.id = c.area_id
        WHERE a.path LIKE %s AND c.status <> 'voided'
          AND c.received_on >= %s AND c.received_on <= %s
      ),
      parties AS (
        SELECT p.case_id, {", ".join(f"{side} AS s{i}" for i, side in enumerate(sides))}
        FROM cases_party p
        WHERE p.case_id IN (SELECT id FROM cohort) AND p.role IN ('applicant', 'respondent')
        GROUP BY p.case_id
      ),
      mediators AS (
        SELECT cm.case_id, string_agg(md.name, E'\\n' ORDER BY cm.id) AS names
        FROM cases_case_mediators cm JOIN mediators_mediator md ON md.id = cm.mediator_id
        WHERE cm.case_id IN (SELECT id FROM cohort)
        GROUP BY cm.case_id
      ),
      sessions AS (
        SELECT ms.case_id, count(*) AS n FROM cases_mediationsession ms
        WHERE ms.case_id IN (SELECT id FROM cohort)
        GROUP BY ms.case_id
      ),
      visits AS (
        SELECT v.case_id, string_agg(
          to_char((v.done_at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') || ' '
            || coalesce(kl.label, v.kind)
            || coalesce(': ' || nullif(concat_ws('/', cl.label, sfl.label,
                 nullif(btrim(v.notes), '')), ''), ''),
          E'\\n' ORDER BY v.due_at, v.id) AS lines
        FROM cases_followup v
        LEFT JOIN kind_label kl ON kl.code = v.kind
        LEFT JOIN check_label cl ON cl.code = v.performance
        LEFT JOIN satisfaction_label sfl ON sfl.code = v.satisfaction
        WHERE v.case_id IN (SELECT id FROM cohort) AND v.done_at IS NOT NULL
        GROUP BY v.case_id
      )
    SELECT
      row_number() OVER (ORDER BY c.received_on, c.id),
      c.number, a.name, a.code, c.received_on, c.occurred_on, c.title,
      {", ".join(f"coalesce(parties.s{i}, '')" for i in range(len(sides)))},
      src.name, dt.name, gl.label, ll.label, c.summary, c.amount_at_stake,
      c.external_reference, coalesce(m.names, ''), coalesce(s.n, 0), sl.label,
      coalesce(ol.label, ''), fl.label, ag.amount, pl.label, coalesce(f.lines, ''),
      c.deadline, (c.closed_at AT TIME ZONE 'Asia/Shanghai')::date
    FROM cohort c
    JOIN grids_area a ON a.id = c.area_id
    JOIN cases_casesource src ON src.id = c.source_id
    JOIN cases_disputetype dt ON dt.id = c.dispute_type_id
    LEFT JOIN status_label sl ON sl.code = c.status
    LEFT JOIN grade_label gl ON gl.code = c.grade
    LEFT JOIN level_label ll ON ll.code = c.level
    LEFT JOIN outcome_label ol ON ol.code = {outcome_cases}
    LEFT JOIN parties ON parties.case_id = c.id
    LEFT JOIN mediators m ON m.case_id = c.id
    LEFT JOIN sessions s ON s.case_id = c.id
    LEFT JOIN cases_agreement ag ON ag.case_id = c.id AND ag.superseded_at IS NULL
    LEFT JOIN form_label fl ON fl.code = ag.form
    LEFT JOIN performance_label pl ON pl.code = ag.performance
    LEFT JOIN visits f ON f.case_id = c.id
    ORDER BY c.received_on, c.id
    """
    return sql, [area.path + "%", period.start, period.end]


def _copy(area, period, output: str) -> int:
    from django.db import connection

    from reports.columns import HEADERS

    sql, params = copy_sql(area, period)
    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection
    rows = 0
    with open(output, "wb") as target:
        target.write(("\ufeff" + ",".join(HEADERS) + "\r\n").encode())
        with raw.cursor() as cursor:
            # The fastest PostgreSQL we can get, so the floor is a hard one: the row
            # estimates of the big join are wild, which makes the planner JIT-compile it
            # (1.7 s lost), and the sorts spill to disk at the default work_mem.
            cursor.execute("SET jit = off")
            cursor.execute("SET work_mem = '64MB'")
            query = cursor.mogrify(sql, params)
            with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for data in copy:
                    target.write(data)
                    rows += bytes(data).count(b"\n")
    return rows  # newlines, so a rough count when cells hold several lines


# ---------------------------------------------------------------------------
# One measurement, in a fresh process
# ---------------------------------------------------------------------------


def child(mode: str, start: str, end: str, output: str) -> None:
    """Run one export and print a JSON line with its time and memory."""
    import django

    django.setup()
    from django.utils import translation

    from cases.demo import DISTRICT
    from grids.models import Area
    from reports import exporters, ledger
    from reports.periods import Period

    translation.activate("zh-hans")
    area = Area.objects.get(code=DISTRICT[0])
    period = Period(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
    baseline = _memory_kb()["VmRSS"]
    extra = {}
    if mode == "writer":
        # Build everything first (not timed): the ledger and follow-up rows, and the
        # statistics sheet's rows; then time the writer alone.
        chunks = list(ledger.iter_chunks(area, period))
        stats = exporters.statistics_sheet_rows(area, period)
        extra["rows_in_memory_mb"] = round((_memory_kb()["VmRSS"] - baseline) / 1024)
        # Fair to the floor: the garbage collector would otherwise keep walking the
        # millions of pre-built objects, a cost the streaming export does not have.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        workbook = exporters.new_workbook(output)
        rows = exporters.write_ledger_sheets(workbook, area, period, chunks, statistics_rows=stats)
        workbook.close()
    else:
        started = time.perf_counter()
        if mode == "csv":
            with open(output, "wb") as target:
                rows = exporters.write_csv(target, area, period)
        elif mode == "xlsx":
            rows = exporters.write_xlsx(output, area, period)
        elif mode == "copy":
            rows = _copy(area, period, output)
        else:
            raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - started
    memory = _memory_kb()
    print(
        json.dumps(
            {
                "mode": mode,
                "rows": rows,
                "seconds": seconds,
                "baseline_kb": baseline,
                "peak_kb": memory["VmHWM"],
                "bytes": os.path.getsize(output),
                **extra,
            }
        )
    )


def measure(mode: str, period, output_dir: str) -> dict:
    output = os.path.join(output_dir, f"bench.{'csv' if mode in ('csv', 'copy') else 'xlsx'}")
    completed = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [
            sys.executable,
            __file__,
            "--child",
            mode,
            "--start",
            period.start.isoformat(),
            "--end",
            period.end.isoformat(),
            "--output",
            output,
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if completed.returncode != 0:
        sys.exit(f"{mode} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def periods_by_size(sizes: list[int]):
    """For each wanted row count, a period starting at the district's first case that
    holds about that many ledger rows (0 = everything)."""
    from cases.demo import DISTRICT
    from grids.models import Area
    from reports.ledger import ledger_cases
    from reports.periods import Period

    area = Area.objects.get(code=DISTRICT[0])
    everything = Period(datetime.date(1950, 1, 1), datetime.date(2100, 12, 31))
    days = ledger_cases(area, everything).order_by("received_on", "id")
    first = days.values_list("received_on", flat=True).first()
    last = days.order_by("-received_on", "-id").values_list("received_on", flat=True).first()
    found = []
    for size in sizes:
        if size == 0:
            found.append(Period(first, last))
            continue
        end = days.values_list("received_on", flat=True)[size - 1 : size].first() or last
        found.append(Period(first, end))
    return area, found


def run(args) -> None:
    sys.path.insert(0, os.path.dirname(__file__))
    import ledger as ledger_bench  # bench/ledger.py: the filler

    ledger_bench.setup_django()
    ledger_bench.prepare(args.cases, args.seed)
    from django.db import connection

    from reports.ledger import count_rows

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    sizes = [int(size) for size in args.sizes.split(",")]
    area, periods = periods_by_size(sizes)
    connection.close()

    print(f"\nPostgreSQL {server_version}; district {area.name} ({area.code}); ", end="")
    print(f"{args.repeat} run(s) each, median shown; every run in a fresh process.")
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    header = (
        f"{'rows':>8} {'mode':<7} {'seconds':>8} {'rows/s':>8} {'peak MB':>8} "
        f"{'baseline MB':>12} {'export MB':>10} {'file MB':>8}"
    )
    print("\n" + header + "\n" + "-" * len(header), flush=True)
    summary = {}
    with tempfile.TemporaryDirectory(prefix="fengqiao-bench-exports-") as output_dir:
        for period in periods:
            rows = count_rows(area, period)
            connection.close()
            modes = args.modes.split(",")
            for mode in modes:
                results = [measure(mode, period, output_dir) for _ in range(args.repeat)]
                seconds = statistics.median(r["seconds"] for r in results)
                peak = max(r["peak_kb"] for r in results) / 1024
                baseline = min(r["baseline_kb"] for r in results) / 1024
                summary[(rows, mode)] = seconds
                own = "-" if mode in ("writer", "copy") else f"{peak - baseline:.0f}"
                note = ""
                if mode == "writer":
                    note = f"  (rows held in memory: {results[0]['rows_in_memory_mb']} MB)"
                print(
                    f"{rows:>8} {mode:<7} {seconds:>8.2f} {rows / seconds:>8.0f} {peak:>8.0f} "
                    f"{baseline:>12.0f} {own:>10} {results[0]['bytes'] / 1e6:>8.1f}{note}",
                    flush=True,
                )
            ratios = []
            if (rows, "csv") in summary and (rows, "copy") in summary:
                ratio = summary[(rows, "csv")] / summary[(rows, "copy")]
                ratios.append(f"CSV / COPY = {ratio:.2f}x (target <= 2x)")
            if (rows, "xlsx") in summary and (rows, "writer") in summary:
                ratio = summary[(rows, "xlsx")] / summary[(rows, "writer")]
                ratios.append(f"xlsx / writer alone = {ratio:.2f}x (target <= 1.3x)")
            if ratios:
                print("         " + "; ".join(ratios), flush=True)
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        "\npeak MB is the process's VmHWM (peak RSS); baseline MB its RSS after Django setup;"
        " export MB the difference (the export's own cost; target < 150 MB). The 'writer'"
        " floor holds every row in memory on purpose, so its peak is not a target."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases wanted in the database")
    parser.add_argument(
        "--sizes",
        default="10000,50000,0",
        help="ledger row counts to measure, comma separated; 0 = the district's whole range",
    )
    parser.add_argument("--modes", default="copy,csv,writer,xlsx")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--child", choices=sorted(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    parser.add_argument("--end", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        benchdb.ensure_database(os.environ["DATABASE_URL"])
        child(args.child, args.start, args.end, args.output)
    else:
        run(args)


if __name__ == "__main__":
    main()
