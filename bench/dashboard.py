"""Dashboard benchmark: time the statistics (the dashboard page and the workbook's
statistics sheet) for a district and a town, one month and twelve, on a database of N
demo-like cases, and spot-check that the rollup's figures equal the raw tables'.

    .venv/bin/python bench/dashboard.py [--cases N] [--repeat R] [--parts] [--explain]
        [--full-check]

The database comes from DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/
fengqiao_bench) and is filled by bench/ledger.py's filler when it holds fewer than N
cases; the rollups are rebuilt (``rebuild_case_rollup``) when one is empty. The spot check
compares every count shown (cases, overdue, visits, the trend's overdue) with direct counts
on the raw tables; --full-check compares the whole of both rollups. See
bench/README.md.
"""

import argparse
import datetime
import math
import os
import statistics
import time

import ledger  # noqa: E402  (beside this script: the filler, the table and the timing)

GOAL_MS = 300


def periods(latest: datetime.date) -> dict:
    from reports.periods import Period

    last_month = latest.replace(day=1) - datetime.timedelta(days=1)
    month = Period.month(last_month.year, last_month.month)
    first = month
    for _ in range(11):
        first = first.previous()
    return {
        "one month": month,
        "12 months": Period(first.start, month.end),
        "45 days across months": Period(month.start - datetime.timedelta(days=15), month.end),
    }


def query_of(area, period) -> dict:
    if period.is_month:
        return {"area": area.code, "month": f"{period.start:%Y-%m}"}
    return {"area": area.code, "start": period.start.isoformat(), "end": period.end.isoformat()}


def time_function(function, repeat: int) -> tuple[float, float, int, float]:
    """Median and p95 wall time (ms), the query count and the median SQL time of a call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()  # warm-up
    timings, sql_timings, queries = [], [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            function()
            timings.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(context.captured_queries))
        sql_timings.append(sum(float(q["time"]) for q in context.captured_queries) * 1000)
    timings.sort()
    p95 = timings[max(0, math.ceil(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, queries, statistics.median(sql_timings)


def figure_parts(area, period, today) -> dict:
    """The dashboard's parts, each called alone: what each figure costs."""
    from reports.statistics import breakdowns_for, trend_for
    from reports.statistics.figures import _case_counts, _overdue_counts, _visit_counts

    three = {"current": period, "previous": period.previous(), "year_before": period.year_before()}
    return {
        "case figures x3 periods (rollup)": lambda: _case_counts(area, three),
        "overdue x3 periods (rollup by limit)": lambda: _overdue_counts(area, three, today),
        "follow-up figures x3 periods (rollup)": lambda: _visit_counts(area, three),
        "breakdowns (rollup)": lambda: breakdowns_for(area, period, 0),
        "12-month trend with overdue (rollup)": lambda: trend_for(area, period, today=today),
    }


def spot_check(area, period, today) -> list[str]:
    """Every count the dashboard shows from the rollups against direct counts on the raw
    tables (cases, overdue, visits, and the trend's overdue); the keys that differ."""
    from reports.statistics import figures_for, trend_for
    from reports.statistics.figures import raw_case_counts, raw_overdue_count, raw_visit_counts

    shown = figures_for(area, period, today)
    counts = {key: figure.value for key, figure in shown.items()}
    for key in ("first_time", "on_the_spot"):
        counts[key] = shown[f"{key}_rate"].numerator
    counts["follow_ups_on_time"] = shown["follow_up_on_time_rate"].numerator
    counts["answered"] = shown["follow_ups_answered"].value
    counts["satisfied"] = shown["satisfaction_rate"].numerator
    raw = {
        **raw_case_counts(area, period),
        **raw_visit_counts(area, period),
        "overdue": raw_overdue_count(area, period, today),
    }
    wrong = [
        f"{key}: {counts.get(key)} vs {value}"
        for key, value in raw.items()
        if counts.get(key) != value
    ]
    for point in trend_for(area, period, months=3, today=today):
        value = raw_overdue_count(area, point.period, today)
        if point.overdue != value:
            wrong.append(f"overdue in {point.label}: {point.overdue} vs {value}")
    return wrong


def run(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from cases.models import Case, CaseRollup, FollowUpRollup
    from cases.rollup import rollup_differences
    from reports.statistics import statistics_sheet_rows

    ledger.prepare(args.cases, args.seed)
    if not CaseRollup.objects.exists() or not FollowUpRollup.objects.exists():
        print("The rollup is empty: rebuilding it ...", flush=True)
        call_command("rebuild_case_rollup")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
        cursor.execute(
            "SELECT (SELECT count(*) FROM cases_caserollup)"
            " + (SELECT count(*) FROM cases_followuprollup)"
        )
        (rollup_rows,) = cursor.fetchone()

    today = timezone.localdate()
    latest = Case.objects.order_by("-received_on").values_list("received_on", flat=True)[0]
    wanted = periods(min(latest, today))
    users = {name: User.objects.get(username=name) for name in ("quzhuren", "dudao")}
    clients = {}
    for name, user in users.items():
        clients[name] = Client(HTTP_HOST="localhost")
        clients[name].force_login(user)

    print(
        f"\nPostgreSQL {server_version}; {Case.objects.count()} cases, {rollup_rows} rollup "
        f"rows; {args.repeat} runs each"
    )
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    columns = [("scenario", 44, "<"), ("user", 9, "<"), ("median ms", 10, ">")]
    columns += [("p95 ms", 8, ">"), ("goal ms", 8, ">"), ("queries", 8, ">")]
    columns += [("of which SQL ms", 16, ">")]
    header = " ".join(ledger.pad(title, width, align) for title, width, align in columns)
    print("\n" + header + "\n" + "-" * len(header), flush=True)

    def show(name: str, username: str, median, p95, queries, sql_ms) -> None:
        cells = [name, username, f"{median:.1f}", f"{p95:.1f}", str(GOAL_MS)]
        cells += [str(queries), f"{sql_ms:.1f}"]
        line = " ".join(
            ledger.pad(cell, width, align)
            for cell, (_, width, align) in zip(cells, columns, strict=True)
        )
        print(line + ("  <-- over the goal" if p95 > GOAL_MS else ""), flush=True)

    dashboard = reverse("reports:dashboard")
    for name, user in users.items():
        for label, period in wanted.items():
            if args.only and args.only not in label:
                continue
            scenario = ledger.Scenario(
                f"dashboard, {user.area.name}, {label}",
                name,
                dashboard,
                query_of(user.area, period),
            )
            result = ledger.measure(scenario, clients[name], args.repeat)
            show(
                scenario.name, name, result.median_ms, result.p95_ms, result.queries, result.sql_ms
            )
            sheet = time_function(
                lambda area=user.area, period=period: statistics_sheet_rows(area, period),
                args.repeat,
            )
            show(f"statistics sheet, {user.area.name}, {label}", name, *sheet)
            if args.parts:
                for part, function in figure_parts(user.area, period, today).items():
                    show(f"  {part}", name, *time_function(function, args.repeat))
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        f"\np95 is the nearest-rank 95th percentile of {args.repeat} runs; SQL ms is the median"
        " time spent waiting for queries (the rest is Python and templates)."
    )

    print("\nSpot-check: the rollup's figures against direct counts on the raw tables")
    failures = 0
    for user in users.values():
        for label, period in wanted.items():
            started = time.perf_counter()
            wrong = spot_check(user.area, period, today)
            failures += bool(wrong)
            verdict = "equal" if not wrong else "DIFFERENT: " + "; ".join(wrong)
            took = time.perf_counter() - started
            print(f"  {user.area.name}, {label}: {verdict} (raw count {took:.1f} s)", flush=True)
    if args.full_check:
        started = time.perf_counter()
        differences = rollup_differences()
        took = time.perf_counter() - started
        print(
            f"  whole rollup against the raw tables: "
            f"{'equal' if not differences else differences} ({took:.1f} s)"
        )
        failures += bool(differences)
    if failures:
        raise SystemExit("The rollup disagrees with the raw tables.")

    if args.explain:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            statistics_sheet_rows(users["quzhuren"].area, wanted["12 months"])
        heaviest = sorted(context.captured_queries, key=lambda q: float(q["time"]), reverse=True)
        for query in heaviest[:3]:
            print(f"\n-- {query['time']} s\n{query['sql']}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                for (line,) in cursor.fetchall():
                    print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases wanted (N)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per scenario (R)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", default="", help="run only the periods whose label has this")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the 12-month sheet's heaviest"
    )
    parser.add_argument(
        "--parts",
        action="store_true",
        help="also time each part of the dashboard alone (each figure's query)",
    )
    parser.add_argument(
        "--full-check",
        action="store_true",
        help="also compare the whole rollup with the raw tables (rebuild_case_rollup --check)",
    )
    args = parser.parse_args()
    ledger.setup_django()
    run(args)


if __name__ == "__main__":
    main()
