"""Ledger benchmark: fill a PostgreSQL database with N demo-like cases, then time the
ledger list and the case page through the Django test client.

    .venv/bin/python bench/ledger.py [--cases N] [--repeat R] [--explain]

The database comes from DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/
fengqiao_bench) and is created if missing. Filling is idempotent: a database that
already holds N cases is used as it is. See bench/README.md.
"""

import argparse
import datetime
import math
import os
import re
import statistics
import time
import unicodedata
from dataclasses import dataclass

import benchdb  # noqa: E402  (beside this script)
from fill import prepare  # noqa: F401  (the filler; other bench scripts import it from here)

ROOT = benchdb.ROOT
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fengqiao_bench"
SLOW_MS = 300
GOAL_MS = 100  # issue 13: p95 of the ledger lists, the API list and the case page
ADMIN_GOAL_MS = 150  # issue 13: p95 of the admin changelist, any page, filter or search
API_LATER_PAGE = 20  # the API list's "later page": reached by following ``next``
KEYSET_DEPTH = 50_000  # the ledger's deep page: the rows after the 50,000th, by keyset
ADMIN_USERS = ["zongzhi", "quzhuren"]  # a town clerk, and the district supervisor (view)

benchdb.configure(DEFAULT_DATABASE_URL)


def setup_django() -> None:
    benchdb.setup_django()


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    username: str
    path: str
    params: dict
    case_pk: int | None = None  # for the case page
    rows: str = ""
    goal_ms: float | None = None  # the p95 wanted (issue 13), None: no goal
    api: bool = False  # the REST API's case list (rows counted by its own filter)
    admin: bool = False  # the admin's case changelist (rows: what its paginator counts)
    keyset_depth: int = 0  # the ledger's page after this many rows, by keyset cursor


@dataclass
class Result:
    scenario: Scenario
    median_ms: float
    p95_ms: float
    sql_ms: float  # median time spent in the database, as Django measured it
    queries: int
    captured: list


def pick_inputs() -> dict:
    """Search terms and the case page's case, taken from the data so they exist."""
    from django.db.models import Count

    from accounts.models import User
    from cases.models import Case, DisputeType, Party, Status
    from cases.selectors import visible_cases

    shuji = User.objects.get(username="shuji")
    mine = visible_cases(shuji)
    names = Party.objects.filter(case__in=mine.values("pk")).order_by("-id")
    name3 = next(n for n in names.values_list("name", flat=True)[:500] if len(n) == 3)
    name2 = next(n for n in names.values_list("name", flat=True)[:500] if len(n) == 2)
    recent = mine.exclude(status=Status.VOIDED).order_by("-received_on", "-id").first()
    number_prefix = recent.number[:-2]  # "330681101-2026-123" → up to 100 numbers
    busy = (
        mine.filter(received_on__gte=recent.received_on - datetime.timedelta(days=60))
        .annotate(n=Count("sessions"))
        .order_by("-n", "-id")
        .first()
    )
    latest = recent.received_on  # today, or close to it
    from cases.search import name_pinyin

    pinyin, initials = name_pinyin(name3)[:2]
    return {
        "pinyin": pinyin,  # name3 typed in pinyin (its surname reading)
        "initials": initials,
        "name3": name3,
        "name2": name2,
        "number_prefix": number_prefix,
        "word": "漏水",
        "dispute_type": DisputeType.objects.get(code="neighbours").pk,
        "date_from": (latest - datetime.timedelta(days=90)).isoformat(),
        "date_to": (latest - datetime.timedelta(days=60)).isoformat(),
        "case": Case.objects.get(pk=busy.pk),
    }


def admin_page(page: int, dispute_type: int | None = None) -> int:
    """``page`` of the admin changelist, or the last page both admin users have when the
    database is smaller (the CI smoke run: a page past the end redirects)."""
    from accounts.models import User
    from cases.selectors import visible_cases
    from common.admin_scoping import ScopedAdminMixin

    counts = []
    for username in ADMIN_USERS:
        cases = visible_cases(User.objects.get(username=username))
        if dispute_type is not None:
            cases = cases.filter(dispute_type=dispute_type)
        counts.append(cases.count())
    pages = max(1, -(-min(counts) // ScopedAdminMixin.list_per_page))
    return min(page, pages)


def scenarios(inputs: dict) -> list[Scenario]:
    from django.urls import reverse

    ledger = reverse("cases:list")
    users = ["shuji", "dudao", "quzhuren"]
    lists = [
        ("list", {}),
        ("status=mediating&grade=yellow", {"status": "mediating", "grade": "yellow"}),
        ("overdue=on", {"overdue": "on"}),
        ("dispute_type=neighbours", {"dispute_type": inputs["dispute_type"]}),
        (
            "received 90..60 days ago",
            {"received_after": inputs["date_from"], "received_before": inputs["date_to"]},
        ),
        (f"q={inputs['name3']} (name)", {"q": inputs["name3"]}),
        (f"q={inputs['name2']} (name)", {"q": inputs["name2"]}),
        (f"q={inputs['number_prefix']}", {"q": inputs["number_prefix"]}),
        (f"q={inputs['word']} (summary)", {"q": inputs["word"]}),
        (f"q={inputs['pinyin']} (pinyin)", {"q": inputs["pinyin"]}),
        (f"q={inputs['initials']} (initials)", {"q": inputs["initials"]}),
        ("list page=50", {"page": 50}),
    ]
    found = [
        Scenario(name, user, ledger, params, goal_ms=GOAL_MS)
        for name, params in lists
        for user in users
    ]
    # Beyond the counted pages the ledger pages by keyset: the cursor is filled in by
    # keyset_cursor() from the user's own list.
    found += [
        Scenario(
            f"list after row {KEYSET_DEPTH:,} (keyset)",
            user,
            ledger,
            {},
            goal_ms=GOAL_MS,
            keyset_depth=KEYSET_DEPTH,
        )
        for user in users
    ]
    api = reverse("case-list")
    api_lists = [
        ("API list", {}),
        ("API status=mediating&grade=yellow", {"status": "mediating", "grade": "yellow"}),
        (f"API q={inputs['name2']} (name)", {"q": inputs["name2"]}),
        ("API dispute_type=neighbours", {"dispute_type": inputs["dispute_type"]}),
        ("API overdue=true", {"overdue": "true"}),
        (f"API q={inputs['number_prefix']}", {"q": inputs["number_prefix"]}),
        (f"API q={inputs['pinyin']} (pinyin)", {"q": inputs["pinyin"]}),
    ]
    found += [
        Scenario(name, user, api, params, goal_ms=GOAL_MS, api=True)
        for name, params in api_lists
        for user in users
    ]
    # The later page's cursor is the user's own: filled in by api_later_pages().
    found += [
        Scenario(f"API list page {API_LATER_PAGE}", user, api, {}, goal_ms=GOAL_MS, api=True)
        for user in users
    ]
    changelist = reverse("admin:cases_case_changelist")
    latest = datetime.date.fromisoformat(inputs["date_to"]) + datetime.timedelta(days=60)
    admin_lists = [
        ("admin changelist", {}),
        *(
            (f"admin changelist p={p}", {"p": p})
            for p in sorted({admin_page(200), admin_page(2000)})
        ),
        ("admin status=mediating", {"status__exact": "mediating"}),
        ("admin dispute_type=neighbours", {"dispute_type__id__exact": inputs["dispute_type"]}),
        (
            f"admin dispute_type p={admin_page(100, inputs['dispute_type'])}",
            {
                "dispute_type__id__exact": inputs["dispute_type"],
                "p": admin_page(100, inputs["dispute_type"]),
            },
        ),
        (
            "admin month drill-down",
            {"received_on__year": latest.year, "received_on__month": latest.month},
        ),
        (f"admin q={inputs['number_prefix']}", {"q": inputs["number_prefix"]}),
        (f"admin q={inputs['name3']} (name)", {"q": inputs["name3"]}),
        (f"admin q={inputs['name2']} (name)", {"q": inputs["name2"]}),
        (f"admin q={inputs['pinyin']} (pinyin)", {"q": inputs["pinyin"]}),
    ]
    found += [
        Scenario(name, user, changelist, params, goal_ms=ADMIN_GOAL_MS, admin=True)
        for name, params in admin_lists
        for user in ADMIN_USERS
    ]
    case = inputs["case"]
    detail = reverse("cases:detail", args=[case.pk])
    for user in ("shuji", "quzhuren"):
        found.append(
            Scenario(f"case page {case.number}", user, detail, {}, case_pk=case.pk, goal_ms=GOAL_MS)
        )
    return found


def api_later_page(scenario: Scenario, client) -> None:
    """Give the API's later-page scenario the cursor of that page, following ``next``
    from the first page as a client would (the API pages by cursor, not by number)."""
    from urllib.parse import parse_qs, urlsplit

    params = {}
    for _ in range(API_LATER_PAGE - 1):
        following = client.get(scenario.path, params).json()["next"]
        if not following:
            break
        params = {"cursor": parse_qs(urlsplit(following).query)["cursor"][0]}
    scenario.params = params


def keyset_cursor(scenario: Scenario, user) -> None:
    """Give the deep ledger page the cursor of the user's row at ``keyset_depth``, as the
    "next" links would reach it (the cursor is the row's date and id)."""
    from cases import selectors
    from common.pagination import AFTER_PARAM, KeysetPaginator

    _, queryset = selectors.case_list(user=user, params={})
    rows = queryset.select_related(None).prefetch_related(None)
    depth = scenario.keyset_depth
    # A small database (the CI smoke run) has fewer rows: the user's last one then.
    row = next(iter(rows[depth : depth + 1]), None) or rows.last()
    cursor = KeysetPaginator(queryset, 25, field="received_on").cursor_of(row)
    scenario.params = {AFTER_PARAM: cursor}


def rows_matched(scenario: Scenario, user) -> str:
    from django.http import QueryDict
    from django.test import RequestFactory

    from cases import selectors

    if scenario.case_pk is not None:
        case = selectors.case_get(user=user, pk=scenario.case_pk)
        return f"1 ({case.sessions.count()} sess, {case.events.count()} ev)"
    if scenario.admin or scenario.keyset_depth:
        return ""  # the page itself says how many (its paginator counts to the limit)
    request = RequestFactory().get(scenario.path, scenario.params)
    request.user = user
    if scenario.api:
        from cases.filters import CaseFilter

        data = {k: v for k, v in scenario.params.items() if k != "cursor"}
        matched = CaseFilter(data, queryset=selectors.visible_cases(user), request=request)
        return str(matched.qs.count())
    params = QueryDict(mutable=True)
    for key, value in scenario.params.items():
        if key != "page":
            params[key] = str(value)
    _, queryset = selectors.case_list(user=user, params=params, request=request)
    return str(queryset.count())


def pad(text: str, width: int, align: str) -> str:
    """Pad to a terminal width, counting a Chinese character as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    gap = " " * max(0, width - shown)
    return text + gap if align == "<" else gap + text


def measure(scenario: Scenario, client, repeat: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(scenario.path, scenario.params)  # warm-up
    if response.status_code != 200:
        raise SystemExit(f"{scenario.name} as {scenario.username}: HTTP {response.status_code}")
    timings, sql_timings, queries, captured = [], [], set(), []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            response = client.get(scenario.path, scenario.params)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries.add(len(context.captured_queries))
        captured = context.captured_queries
        sql_timings.append(sum(float(q["time"]) for q in captured) * 1000)
    timings.sort()
    p95 = timings[max(0, math.ceil(0.95 * len(timings)) - 1)]
    return Result(
        scenario,
        statistics.median(timings),
        p95,
        statistics.median(sql_timings),
        max(queries),
        captured,
    )


def explain(result: Result, top: int = 2) -> None:
    """EXPLAIN ANALYZE the request's slowest queries (as the page ran them)."""
    from django.db import connection

    heaviest = sorted(
        (q for q in result.captured if "cases_case" in q["sql"] and q["sql"].startswith("SELECT")),
        key=lambda q: float(q["time"]),
        reverse=True,
    )[:top]
    for query in heaviest:
        print(f"\n-- {result.scenario.name} as {result.scenario.username}: {query['time']} s")
        # The column list is long and says nothing about the plan.
        print(re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", query["sql"], count=1))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            for (line,) in cursor.fetchall():
                print("   ", line)


def over_goal(result: Result) -> bool:
    goal = result.scenario.goal_ms
    return goal is not None and result.p95_ms > goal


def mark(result: Result) -> str:
    """What a table line ends with: whether p95 missed the goal, or the median is slow."""
    if over_goal(result):
        return "  <-- over the goal"
    return "  <-- slow" if result.median_ms > SLOW_MS else ""


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from cases.models import Case

    prepare(args.cases, args.seed, args.jobs)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    total = Case.objects.count()
    inputs = pick_inputs()

    clients, users = {}, {}
    for username in ("shuji", "dudao", "quzhuren", *ADMIN_USERS):
        users[username] = User.objects.get(username=username)
        clients[username] = Client(HTTP_HOST="localhost")
        clients[username].force_login(users[username])

    wanted = scenarios(inputs)
    if args.only:
        wanted = [s for s in wanted if args.only in s.name]
    print(f"\nPostgreSQL {server_version}; {total} cases (N={args.cases}); {args.repeat} runs each")
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        "visible: "
        + ", ".join(
            f"{name} ({user.area.name}) {rows_matched(Scenario('list', name, '/cases/', {}), user)}"
            for name, user in users.items()
            if name in ("shuji", "dudao", "quzhuren")
        )
    )
    columns = [("scenario", 38, "<"), ("user", 9, "<"), ("rows matched", 18, ">")]
    columns += [("median ms", 10, ">"), ("p95 ms", 8, ">"), ("queries", 8, ">")]
    columns += [("of which SQL ms", 16, ">"), ("goal p95 ms", 12, ">")]
    header = " ".join(pad(title, width, align) for title, width, align in columns)
    print("\n" + header + "\n" + "-" * len(header), flush=True)
    results = []
    for scenario in wanted:
        user = users[scenario.username]
        if scenario.name.startswith("API list page"):
            api_later_page(scenario, clients[scenario.username])
        if scenario.keyset_depth:
            keyset_cursor(scenario, user)
        scenario.rows = rows_matched(scenario, user)
        result = measure(scenario, clients[scenario.username], args.repeat)
        results.append(result)
        cells = [scenario.name, scenario.username, scenario.rows]
        cells += [f"{result.median_ms:.1f}", f"{result.p95_ms:.1f}", str(result.queries)]
        cells += [f"{result.sql_ms:.1f}", f"{scenario.goal_ms:.0f}" if scenario.goal_ms else ""]
        line = " ".join(
            pad(cell, width, align) for cell, (_, width, align) in zip(cells, columns, strict=True)
        )
        print(line + mark(result), flush=True)
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        f"\np95 is the nearest-rank 95th percentile of {args.repeat} runs; SQL ms is the median"
        " time the request spent waiting for its queries (the rest is Python and templates)."
        f" Over the goal: {sum(1 for r in results if over_goal(r))} of {len(results)} scenarios."
    )

    if args.explain:
        chosen = [
            r
            for r in results
            if r.scenario.username == "quzhuren"
            and (r.scenario.name == "list" or "(name)" in r.scenario.name)
        ]
        chosen += [r for r in results if r.median_ms > SLOW_MS and r not in chosen]
        for result in chosen:
            explain(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases wanted (N)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per scenario (R)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--jobs", type=int, default=None, help="processes writing the fill's rows (0: this one)"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="EXPLAIN ANALYZE the district list, the name searches and any slow scenario",
    )
    parser.add_argument("--only", default="", help="run only scenarios whose name contains this")
    args = parser.parse_args()
    setup_django()
    run(args)


if __name__ == "__main__":
    main()
