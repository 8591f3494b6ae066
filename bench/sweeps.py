"""Sweep benchmark: the beat sweeps (follow-up reminders, overdue cases, deliveries) over
a PostgreSQL database of a million cases, timed with 0, 10, 100 ... items due.

    .venv/bin/python bench/sweeps.py [--cases 1000000] [--outstanding 100000] [--repeat 3]

The database comes from DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/
fengqiao_sweeps) and is created if missing. It is filled once, in SQL, and reused: every
run puts back what it changed. See bench/README.md.
"""

import argparse
import collections
import datetime
import math
import os
import re
import statistics
import sys
import time

import benchdb  # noqa: E402  (beside this script)

ROOT = benchdb.ROOT
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fengqiao_sweeps"

FOLLOW_UP_DUE = [0, 10, 100, 1_000, 10_000]
# The fill keeps FRESH_PENDING cases pending before their deadline to make overdue.
OVERDUE_DUE = [0, 100, 1_000, 5_000]
DELIVERY_DUE = [0, 100, 1_000]

CHUNK = 100_000  # cases per INSERT ... SELECT (for the progress line)
YEARS = 10  # cases are spread over the last ten years: 50 000 per town and year at 1M
FRESH_PENDING = 5_000  # the newest cases, still pending before their deadline
BACKLOG_EVERY = 50  # of the older cases, one in 50 is still pending past its deadline
RESOLVED_SHARE = 0.06  # resolved cases (agreement reached, visits outstanding)
RETRY_WAITING = 200  # deliveries waiting for a later retry (backoff), never due here
# The outstanding visits that a sweep may remind are of these kinds; the phone calls of
# resolved cases are done or already reminded (outside the partial index).
POOL_KINDS = ["home_visit", "revisit", "look_back"]
# Notifications the sweeps (and this script) write; the filled history is "history:...".
RUN_PREFIXES = ["follow-up:", "overdue:", "bench-run:"]

benchdb.configure(DEFAULT_DATABASE_URL)


def setup_django() -> None:
    benchdb.setup_django()

    # notify() queues a Celery task per delivery on commit. Keep those messages in memory:
    # the local settings' broker is a folder under var/ that a running worker would read.
    from django.conf import settings

    settings.CELERY_BROKER_URL = "memory://localhost/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    from config.celery import app

    if not app.conf.broker_url.startswith("memory://"):
        sys.exit(f"Celery broker is {app.conf.broker_url!r}, not memory://")

    # CaptureQueriesContext counts from connection.queries_log, which keeps 9 000 entries:
    # a sweep of 10 000 reminders runs far more queries than that.
    from django.db import connection

    connection.queries_log = collections.deque(maxlen=2_000_000)


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch(sql: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def vacuum(*tables: str, analyze: bool = False) -> None:
    """Clear the dead rows (and their index entries) a run left, so the next run does not
    step over them. INDEX_CLEANUP ON: a few dead rows would otherwise stay in the indexes."""
    options = "INDEX_CLEANUP ON, ANALYZE" if analyze else "INDEX_CLEANUP ON"
    execute(f"VACUUM ({options}) {', '.join(tables)}")


# ---------------------------------------------------------------------------
# Filling (in SQL: INSERT ... SELECT over generate_series)
# ---------------------------------------------------------------------------

# Shanghai wall-clock time of a date, as timestamptz: {day} + {clock}.
LOCAL = "(({day}) + time '{clock}') AT TIME ZONE %(tz)s"


def local(day: str, clock: str = "09:00") -> str:
    return LOCAL.format(day=day, clock=clock)


def places() -> list[tuple]:
    """The demo's villages and grids, each with its town, secretary and committee."""
    from accounts.models import Role, User
    from cases.demo import DISTRICT
    from grids.models import Area, AreaLevel
    from mediators.models import Organisation, OrganisationKind

    district = Area.objects.get(code=DISTRICT[0])
    areas = {a.pk: a for a in Area.objects.subtree(district)}
    found = []
    for area in sorted(areas.values(), key=lambda a: a.path):
        if area.level not in (AreaLevel.VILLAGE, AreaLevel.GRID):
            continue
        village = area if area.level == AreaLevel.VILLAGE else areas[area.parent_id]
        town = areas[village.parent_id]
        secretary = (
            User.objects.filter(role=Role.VILLAGE_SECRETARY, area=village).order_by("id").first()
        )
        committee = Organisation.objects.filter(
            area=village, kind=OrganisationKind.VILLAGE_COMMITTEE
        ).first()
        if secretary is None:
            continue
        found.append(
            (
                len(found) + 1,
                area.pk,
                area.level,
                town.pk,
                town.code,
                secretary.pk,
                committee.pk if committee else None,
            )
        )
    return found


FILLED_TABLES = [
    "cases_case",
    "cases_followup",
    "notifications_notification",
    "notifications_delivery",
]


def fill(target: int, outstanding: int) -> None:
    """One transaction: an interrupted fill leaves the database as it was. The secondary
    indexes (the GIN search indexes above all) are dropped and built again at the end,
    which is several times faster than keeping them up to date row by row."""
    from django.db import transaction

    with transaction.atomic():
        execute("SET LOCAL work_mem = '256MB'")
        execute("SET LOCAL maintenance_work_mem = '512MB'")
        if fetch("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0]:
            # Every foreign key is taken from the row it points at: skip the FK triggers.
            execute("SET LOCAL session_replication_role = replica")
        indexes = fetch(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            {"tables": FILLED_TABLES},
        )
        for name, _definition in indexes:
            execute(f"DROP INDEX {name}")
        fill_rows(target, outstanding)
        started = time.perf_counter()
        for _name, definition in indexes:
            execute(definition)
        print(f"  {len(indexes)} indexes built in {time.perf_counter() - started:.0f} s")


def fill_rows(target: int, outstanding: int) -> None:
    from django.utils import timezone

    from cases.demo import GIVEN, SURNAMES
    from cases.models import CaseSource, DisputeType, GradePolicy

    t0 = time.perf_counter()
    today = timezone.localdate()
    resolved = max(round(target * RESOLVED_SHARE), math.ceil(outstanding / len(POOL_KINDS)))
    if resolved + FRESH_PENDING >= target:
        sys.exit(f"--cases {target} is too few for {outstanding} outstanding follow-ups.")
    span = YEARS * 365
    sources = list(CaseSource.objects.order_by("id"))
    types = list(DisputeType.objects.order_by("id"))
    limits = {p.grade: p.time_limit_days for p in GradePolicy.objects.all()}
    params = {
        "n": target,
        "start": today - datetime.timedelta(days=span - 1),
        "span": span,
        "today": today,
        "fresh": FRESH_PENDING,
        "resolved": resolved,
        "every": BACKLOG_EVERY,
        "tz": timezone.get_current_timezone_name(),
        "surnames": SURNAMES,
        "given": GIVEN,
        "source_ids": [s.pk for s in sources],
        "source_petition": [s.is_petition for s in sources],
        "type_ids": [t.pk for t in types],
        "type_names": [t.name for t in types],
        "blue": limits["blue"],
        "yellow": limits["yellow"],
        "red": limits["red"],
    }
    # The plan: one row per case g = 1..N, in registration order, with its place, day,
    # fate and number. Numbers run per town and year, after any counter already there.
    found = places()
    execute("DROP TABLE IF EXISTS bench_place, bench_plan")
    execute(
        "CREATE TEMP TABLE bench_place (place int PRIMARY KEY, area_id bigint, area_level text,"
        " town_id bigint, town_code text, secretary_id bigint, committee_id bigint)"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_place VALUES (%s, %s, %s, %s, %s, %s, %s)", found)
    params["places"] = len(found)
    execute(
        """
        CREATE TEMP TABLE bench_plan AS
        WITH drawn AS (
            SELECT g,
                   1 + mod(g - 1, %(places)s) AS place,
                   %(start)s::date + ((g - 1) * %(span)s / %(n)s)::int AS received_on,
                   CASE
                       WHEN g > %(n)s - %(fresh)s THEN 'fresh'
                       WHEN g > %(n)s - %(fresh)s - %(resolved)s THEN 'resolved'
                       WHEN mod(g, %(every)s) = 0 THEN 'backlog'
                       WHEN mod(g, 100) BETWEEN 1 AND 8 THEN 'failed'
                       WHEN mod(g, 100) IN (9, 10) THEN 'not_accepted'
                       WHEN mod(g, 100) IN (11, 12) THEN 'withdrawn'
                       WHEN mod(g, 100) = 13 THEN 'voided'
                       ELSE 'closed'
                   END AS fate,
                   (ARRAY['blue', 'blue', 'blue', 'blue', 'blue', 'blue',
                          'yellow', 'yellow', 'yellow', 'red'])[1 + mod(g / 7, 10)] AS grade
            FROM generate_series(1::bigint, %(n)s) AS g
        )
        SELECT d.*, p.area_id, p.area_level, p.town_id, p.town_code, p.secretary_id,
               p.committee_id, extract(year FROM d.received_on)::int AS year,
               coalesce(counter.last_sequence, 0) + row_number() OVER (
                   PARTITION BY p.town_id, extract(year FROM d.received_on) ORDER BY d.g
               ) AS seq
        FROM drawn d
        JOIN bench_place p USING (place)
        LEFT JOIN cases_casenumbercounter counter
            ON counter.numbering_area_id = p.town_id
           AND counter.year = extract(year FROM d.received_on)
        """,
        params,
    )
    execute("CREATE INDEX ON bench_plan (g)")

    case_select = f"""
        WITH named AS (
            SELECT b.*,
                   b.town_code || '-' || b.year || '-' || lpad(b.seq::text, 5, '0') AS number,
                   substr(%(surnames)s::text, 1 + mod(g, length(%(surnames)s::text))::int, 1)
                       || substr(%(given)s::text, 1 + mod(g / 3, length(%(given)s::text))::int, 1) AS a,
                   substr(%(surnames)s::text, 1 + mod(g * 7 + 3, length(%(surnames)s::text))::int, 1)
                       || substr(%(given)s::text, 1 + mod(g * 11, length(%(given)s::text))::int, 1)
                       || substr(%(given)s::text, 1 + mod(g * 5, length(%(given)s::text))::int, 1) AS b,
                   1 + mod(g * 3, cardinality(%(type_ids)s::bigint[])) AS t,
                   1 + mod(g * 5, cardinality(%(source_ids)s::bigint[])) AS s,
                   CASE WHEN fate IN ('fresh', 'backlog')
                        THEN (ARRAY['registered', 'accepted', 'mediating'])[1 + mod(g / 3, 3)]
                        ELSE fate END AS status,
                   CASE grade WHEN 'blue' THEN %(blue)s WHEN 'yellow' THEN %(yellow)s
                        ELSE %(red)s END AS limit_days
            FROM bench_plan b
            WHERE g BETWEEN %(lo)s AND %(hi)s
        ), dated AS (
            SELECT named.*,
                   (%(type_names)s::text[])[t] AS type_name,
                   a || '与' || b || (%(type_names)s::text[])[t] || '纠纷' AS title,
                   a || '反映与' || b || '因' || (%(type_names)s::text[])[t]
                       || '问题多次协商未果,经网格员排查上报。' AS summary,
                   CASE fate
                       WHEN 'fresh' THEN %(today)s::date + 1 + mod(g, 30)::int
                       WHEN 'backlog' THEN least(received_on + limit_days, %(today)s::date - 1)
                       ELSE received_on + limit_days
                   END AS deadline,
                   status NOT IN ('registered', 'not_accepted', 'voided') AS accepted
            FROM named
        )
        SELECT number, year, seq, title, summary, grade,
               CASE grade WHEN 'red' THEN 'town' WHEN 'yellow' THEN 'village'
                    ELSE CASE area_level WHEN 'village' THEN 'village' ELSE 'grid' END END,
               status, received_on - mod(g, 5)::int, received_on, deadline, deadline,
               grade = 'red' AND mod(g, 3) = 0, NULL, NULL,
               grade = 'red' AND mod(g, 5) = 0, (%(source_petition)s::boolean[])[s], '',
               CASE status WHEN 'failed' THEN 3 ELSE 0 END,
               CASE status WHEN 'failed' THEN '已告知当事人可向人民法院起诉。' ELSE '' END,
               CASE status WHEN 'failed' THEN 'sessions_failed' ELSE '' END,
               status = 'failed',
               CASE status WHEN 'closed' THEN {local("received_on + 20", "16:00")} END,
               CASE status WHEN 'voided' THEN '重复登记。' ELSE '' END,
               CASE status WHEN 'voided' THEN {local("received_on", "17:00")} END,
               lower(number || ' ' || title || ' ' || a || ' ' || b || ' ' || summary),
               {local("received_on")}, {local("received_on")},
               area_id, secretary_id, town_id,
               CASE WHEN accepted THEN committee_id END,
               CASE WHEN accepted THEN secretary_id END,
               (%(source_ids)s::bigint[])[s], (%(type_ids)s::bigint[])[t],
               CASE fate WHEN 'backlog' THEN deadline END,
               '', '', '', '', 0
        FROM dated
        ORDER BY g
    """
    columns = (
        "number, number_year, number_sequence, title, summary, grade, level, status,"
        " occurred_on, received_on, deadline, due_on, is_group, people_involved, amount_at_stake,"
        " violence_risk, petition_risk, external_reference, failed_attempts, outcome_reason,"
        " failure_reason, routes_explained, closed_at, void_reason, voided_at, search_text,"
        " created_at, updated_at, area_id, created_by_id, numbering_area_id, organisation_id,"
        " owner_id, source_id, dispute_type_id, overdue_reported_for,"
        " resolution_action, resolution_department, resolution_means, resolution_means_detail,"
        " term_extended_days"
    )
    started = time.perf_counter()
    for lo in range(1, target + 1, CHUNK):
        hi = min(lo + CHUNK - 1, target)
        execute(f"INSERT INTO cases_case ({columns}) {case_select}", {**params, "lo": lo, "hi": hi})
        rate = hi / (time.perf_counter() - started)
        print(f"  cases {hi:>9,} / {target:,} ({rate:,.0f}/s)", flush=True)
    print(f"  plan and cases: {time.perf_counter() - t0:.0f} s", flush=True)
    execute(
        """
        INSERT INTO cases_casenumbercounter (numbering_area_id, year, last_sequence)
        SELECT town_id, year, max(seq) FROM bench_plan GROUP BY town_id, year
        ON CONFLICT (numbering_area_id, year)
        DO UPDATE SET last_sequence = greatest(
            cases_casenumbercounter.last_sequence, excluded.last_sequence)
        """
    )
    execute("DROP TABLE bench_plan, bench_place")

    # Follow-ups: every closed case had its phone call and home visit (done, reminded);
    # a resolved case had its phone call, done for half of them and reminded but not yet
    # done for the other half. The outstanding visits come from ensure_pool().
    follow_up_columns = (
        "kind, due_at, done_at, performance, satisfaction, rebound_signs, flared_again,"
        " notes, created_at, case_id, done_by_id, remind_at, reminded_at, responsible_id,"
        " waive_reason"
    )
    max_id = fetch("SELECT coalesce(max(id), 0) FROM cases_case")[0][0]
    step = 200_000
    for lo in range(0, max_id, step):
        execute(
            f"""
            INSERT INTO cases_followup ({follow_up_columns})
            SELECT k.kind, due, due - interval '2 hours', 'yes', 'satisfied', false, false,
                   '回访时双方均表示协议已履行。', due - make_interval(days => k.days),
                   c.id, c.owner_id, due, due, c.owner_id, ''
            FROM cases_case c
            CROSS JOIN (VALUES ('phone', 1), ('home_visit', 7)) AS k(kind, days)
            CROSS JOIN LATERAL (
                SELECT {local("c.received_on + 10 + k.days", "10:00")} AS due
            ) AS d
            WHERE c.id > %(lo)s AND c.id <= %(hi)s AND c.status = 'closed'
            """,
            {**params, "lo": lo, "hi": lo + step},
        )
        print(
            f"  follow-ups of cases up to id {min(lo + step, max_id):,}"
            f" ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    execute(
        f"""
        INSERT INTO cases_followup ({follow_up_columns})
        SELECT 'phone', due, CASE WHEN mod(c.id, 2) = 0 THEN due - interval '2 hours' END,
               CASE WHEN mod(c.id, 2) = 0 THEN 'yes' ELSE '' END,
               CASE WHEN mod(c.id, 2) = 0 THEN 'satisfied' ELSE '' END,
               false, false, '', due - interval '1 day', c.id,
               CASE WHEN mod(c.id, 2) = 0 THEN c.owner_id END, due, due, c.owner_id, ''
        FROM cases_case c
        CROSS JOIN LATERAL (
            SELECT {local("c.received_on + 11", "10:00")} AS due
        ) AS d
        WHERE c.status = 'resolved'
        """,
        params,
    )

    # The inbox's history: each closed case's home-visit reminder to its owner, sent by
    # email and SMS (one in 500 failed for good), and a few deliveries awaiting a retry.
    execute(
        f"""
        INSERT INTO notifications_notification
            (kind, title, body, link, dedupe_key, created_at, read_at, case_id, recipient_id,
             item_count)
        SELECT 'follow_up_due', '上门走访:' || c.number || ' 应于 '
                   || to_char(c.received_on + 17, 'YYYY-MM-DD') || ' 10:00 前完成',
               c.title, '/cases/' || c.id || '/', 'history:follow-up:' || c.id,
               {local("c.received_on + 17", "08:00")},
               {local("c.received_on + 17", "09:00")}, c.id, c.owner_id, 1
        FROM cases_case c
        WHERE c.status = 'closed' AND c.owner_id IS NOT NULL
        """,
        params,
    )
    print(f"  notifications ({time.perf_counter() - t0:.0f} s)", flush=True)
    low, high = fetch("SELECT min(id), max(id) FROM notifications_notification")[0]
    step = 250_000
    for lo in range(low - 1, high, step):
        execute(
            """
            INSERT INTO notifications_delivery (channel, address, status, attempts,
                next_attempt_at, claimed_at, sent_at, last_error, notification_id)
            SELECT ch.channel, CASE ch.channel WHEN 'email' THEN u.email ELSE u.mobile END,
                   CASE WHEN mod(n.id, 500) = 0 THEN 'failed' ELSE 'sent' END,
                   CASE WHEN mod(n.id, 500) = 0 THEN 8 ELSE 1 END,
                   n.created_at, n.created_at,
                   CASE WHEN mod(n.id, 500) = 0 THEN NULL
                        ELSE n.created_at + interval '1 minute' END,
                   CASE WHEN mod(n.id, 500) = 0 THEN 'SMTPRecipientsRefused' ELSE '' END,
                   n.id
            FROM notifications_notification n
            JOIN accounts_user u ON u.id = n.recipient_id
            CROSS JOIN (VALUES ('email'), ('sms')) AS ch(channel)
            WHERE n.id > %(lo)s AND n.id <= %(hi)s
            """,
            {"lo": lo, "hi": lo + step},
        )
    print(f"  deliveries ({time.perf_counter() - t0:.0f} s)", flush=True)
    execute(
        """
        UPDATE notifications_delivery SET status = 'pending', attempts = 3, sent_at = NULL,
               last_error = 'SMTPServerDisconnected', next_attempt_at = now() + interval '1 day'
        WHERE id IN (SELECT id FROM notifications_delivery WHERE status = 'sent'
                     ORDER BY id DESC LIMIT %(n)s)
        """,
        {"n": RETRY_WAITING},
    )


def give_users_addresses() -> None:
    """Demo users have no email or mobile; with both, every notification the sweeps write
    gets its two deliveries and two queued tasks, as in production."""
    execute(
        "UPDATE accounts_user SET email = username || '@bench.invalid' WHERE email = ''"
        " OR email IS NULL"
    )
    execute(
        "UPDATE accounts_user SET mobile = '139' || lpad(id::text, 8, '0') WHERE mobile = ''"
        " OR mobile IS NULL"
    )


FUTURE = "%(now)s::timestamptz + interval '1 day' + mod(id * 7919, 43200) * interval '1 minute'"


def reset(now, today) -> None:
    """Put back whatever an interrupted run (or the passing days) left: nothing is due."""
    for prefix in RUN_PREFIXES:
        remove_notifications(prefix)
    # The pool of outstanding visits: none reminded, all to be reminded in the next month.
    execute(
        f"""
        UPDATE cases_followup SET reminded_at = NULL, remind_at = {FUTURE}, due_at = {FUTURE}
        WHERE done_at IS NULL AND kind = ANY(%(kinds)s)
          AND (reminded_at IS NOT NULL OR remind_at < %(now)s::timestamptz + interval '1 hour')
        """,
        {"now": now, "kinds": POOL_KINDS},
    )
    # Pending cases not reported: their deadline in the next month.
    execute(
        """
        UPDATE cases_case SET deadline = %(today)s::date + 1 + mod(id, 30)::int,
                              due_on = %(today)s::date + 1 + mod(id, 30)::int
        WHERE status IN ('registered', 'accepted', 'mediating', 'signing')
          AND overdue_reported_for IS NULL AND due_on <= %(today)s::date
        """,
        {"today": today},
    )
    # Deliveries waiting for a retry: later than now.
    execute(
        """
        UPDATE notifications_delivery SET status = 'pending',
               next_attempt_at = %(now)s::timestamptz + interval '1 day'
        WHERE status IN ('pending', 'sending')
          AND next_attempt_at < %(now)s::timestamptz + interval '1 hour'
        """,
        {"now": now},
    )


def ensure_pool(outstanding: int, now) -> None:
    """Exactly ``outstanding`` visits waiting for their reminder, on resolved cases."""
    from django.db import transaction

    waiting = fetch(
        "SELECT count(*) FROM cases_followup WHERE done_at IS NULL AND reminded_at IS NULL"
    )[0][0]
    if waiting == outstanding:
        return
    resolved = fetch("SELECT count(*) FROM cases_case WHERE status = 'resolved'")[0][0]
    if outstanding > resolved * len(POOL_KINDS):
        sys.exit(f"{resolved} resolved cases hold at most {resolved * len(POOL_KINDS)} visits.")
    print(f"Outstanding follow-ups: {waiting:,}; making them {outstanding:,} ...", flush=True)
    with transaction.atomic():
        execute(
            "DELETE FROM cases_followup WHERE done_at IS NULL AND reminded_at IS NULL"
            " AND kind = ANY(%(kinds)s)",
            {"kinds": POOL_KINDS},
        )
        execute(
            f"""
            WITH resolved AS (
                SELECT id AS case_id, owner_id, row_number() OVER (ORDER BY id) AS r
                FROM cases_case WHERE status = 'resolved'
            ), slots AS (
                SELECT s AS id, 1 + mod(s - 1, %(resolved)s) AS r,
                       (%(kinds)s::text[])[1 + (s - 1) / %(resolved)s] AS kind
                FROM generate_series(1::bigint, %(outstanding)s) AS s
            )
            INSERT INTO cases_followup (kind, due_at, done_at, performance, satisfaction,
                rebound_signs, flared_again, notes, created_at, case_id, done_by_id, remind_at,
                reminded_at, responsible_id, waive_reason)
            SELECT kind, {FUTURE}, NULL, '', '', false, false, '', %(now)s, case_id, NULL,
                   {FUTURE}, NULL, owner_id, ''
            FROM slots JOIN resolved USING (r)
            """,
            {"now": now, "kinds": POOL_KINDS, "resolved": resolved, "outstanding": outstanding},
        )


def prepare(args) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from cases.demo import DISTRICT
    from cases.models import Case
    from grids.models import Area

    print("Migrating ...", flush=True)
    call_command("migrate", verbosity=0)
    if not Area.objects.filter(code=DISTRICT[0]).exists():
        print("Loading the demo places and users ...", flush=True)
        call_command("load_demo", cases=0, verbosity=0)
    give_users_addresses()
    existing = Case.objects.count()
    if existing == 0:
        print(f"Filling {args.cases:,} cases ...", flush=True)
        started = time.perf_counter()
        fill(args.cases, args.outstanding)
        ensure_pool(args.outstanding, timezone.now())
        print(f"Filled in {time.perf_counter() - started:.0f} s. VACUUM ANALYZE ...", flush=True)
        started = time.perf_counter()
        execute("VACUUM ANALYZE")
        print(f"Vacuumed in {time.perf_counter() - started:.0f} s.", flush=True)
    elif existing != args.cases:
        name = os.environ["DATABASE_URL"].rsplit("/", 1)[-1]
        sys.exit(
            f"The database holds {existing:,} cases, not {args.cases:,}: pass --cases"
            f" {existing} or start again (dropdb -h 127.0.0.1 -U postgres {name})."
        )
    now, today = timezone.now(), timezone.localdate()
    reset(now, today)
    ensure_pool(args.outstanding, now)
    vacuum(
        "cases_followup",
        "cases_case",
        "notifications_notification",
        "notifications_delivery",
        analyze=True,
    )


# ---------------------------------------------------------------------------
# Making items due, and putting them back
# ---------------------------------------------------------------------------


def remove_notifications(prefix: str) -> None:
    """Delete the notifications a run wrote (and their deliveries), by dedupe key."""
    execute(
        "DELETE FROM notifications_delivery WHERE notification_id IN"
        " (SELECT id FROM notifications_notification WHERE dedupe_key LIKE %(p)s)",
        {"p": prefix + "%"},
    )
    execute(
        "DELETE FROM notifications_notification WHERE dedupe_key LIKE %(p)s", {"p": prefix + "%"}
    )


def notifications_written(prefix: str) -> int:
    """How many notifications a run wrote."""
    return fetch(
        "SELECT count(*) FROM notifications_notification WHERE dedupe_key LIKE %(p)s",
        {"p": prefix + "%"},
    )[0][0]


class FollowUpsDue:
    name = "follow-up reminders"
    tables = ("cases_followup", "notifications_notification", "notifications_delivery")

    def make_due(self, count, now, today):
        from cases.models import FollowUp

        ids = [
            pk
            for (pk,) in fetch(
                "SELECT id FROM cases_followup WHERE done_at IS NULL AND reminded_at IS NULL"
                " ORDER BY random() LIMIT %(n)s",
                {"n": count},
            )
        ]
        execute(
            "UPDATE cases_followup SET remind_at = %(now)s::timestamptz"
            " - (1 + mod(id, 600)) * interval '1 minute', due_at = %(now)s::timestamptz"
            " + interval '1 day' WHERE id = ANY(%(ids)s)",
            {"now": now, "ids": ids},
        )
        if len(ids) < count:
            sys.exit(f"Only {len(ids)} follow-ups waiting for their reminder; {count} wanted.")
        self.ids = ids
        assert FollowUp.objects.filter(
            done_at__isnull=True, reminded_at__isnull=True, remind_at__lte=now
        ).count() == len(ids)

    def run(self, now, today):
        from notifications.reminders import sweep_due_follow_ups

        return sweep_due_follow_ups(now=now)

    def written(self) -> int:
        return notifications_written("follow-up:")

    def put_back(self, now, today):
        execute(
            f"UPDATE cases_followup SET reminded_at = NULL, remind_at = {FUTURE},"
            f" due_at = {FUTURE} WHERE id = ANY(%(ids)s)",
            {"now": now, "ids": self.ids},
        )
        remove_notifications("follow-up:")

    @staticmethod
    def claim_query(queries):
        return next(q for q in queries if "cases_followup" in q["sql"] and "FOR UPDATE" in q["sql"])


class CasesOverdue:
    name = "overdue cases"
    tables = ("cases_case", "notifications_notification", "notifications_delivery")

    def make_due(self, count, now, today):
        ids = [
            pk
            for (pk,) in fetch(
                "SELECT id FROM cases_case WHERE status IN ('registered', 'accepted', 'mediating', 'signing')"
                " AND overdue_reported_for IS NULL AND due_on >= %(today)s"
                " ORDER BY random() LIMIT %(n)s",
                {"today": today, "n": count},
            )
        ]
        if len(ids) < count:
            sys.exit(f"Only {len(ids)} pending cases before their deadline; {count} wanted.")
        execute(
            "UPDATE cases_case SET deadline = %(today)s::date - 1 - mod(id, 5)::int,"
            " due_on = %(today)s::date - 1 - mod(id, 5)::int WHERE id = ANY(%(ids)s)",
            {"today": today, "ids": ids},
        )
        self.ids = ids

    def run(self, now, today):
        from notifications.reminders import sweep_overdue_cases

        return sweep_overdue_cases(today=today)

    def written(self) -> int:
        return notifications_written("overdue:")

    def put_back(self, now, today):
        execute(
            "UPDATE cases_case SET deadline = %(today)s::date + 1 + mod(id, 30)::int,"
            " due_on = %(today)s::date + 1 + mod(id, 30)::int,"
            " overdue_reported_for = NULL WHERE id = ANY(%(ids)s)",
            {"today": today, "ids": self.ids},
        )
        remove_notifications("overdue:")

    @staticmethod
    def claim_query(queries):
        return next(q for q in queries if "cases_case" in q["sql"] and "FOR UPDATE" in q["sql"])


class DeliveriesDue:
    name = "deliveries"
    tables = ("notifications_notification", "notifications_delivery")

    def make_due(self, count, now, today):
        """``count`` emails due now (a broker flush lost their tasks)."""
        from accounts.models import User

        user = User.objects.get(username="shuji")
        execute(
            "INSERT INTO notifications_notification (kind, title, body, link, dedupe_key,"
            " created_at, case_id, recipient_id, item_count)"
            " SELECT 'escalation', '上报待接收', '', '', 'bench-run:' || i, %(now)s, NULL, %(u)s, 1"
            " FROM generate_series(1, %(n)s) AS i",
            {"now": now, "n": count, "u": user.pk},
        )
        execute(
            "INSERT INTO notifications_delivery (channel, address, status, attempts,"
            " next_attempt_at, last_error, notification_id)"
            " SELECT 'email', %(email)s, 'pending', 0,"
            " %(now)s::timestamptz - mod(id, 60) * interval '1 second', '', id"
            " FROM notifications_notification WHERE dedupe_key LIKE 'bench-run:%%'",
            {"now": now, "email": user.email},
        )

    def run(self, now, today):
        from notifications.services import sweep_deliveries

        return sweep_deliveries(now=now)

    def written(self) -> int:
        return 0

    def put_back(self, now, today):
        remove_notifications("bench-run:")

    @staticmethod
    def claim_query(queries):
        return next(
            q
            for q in queries
            if q["sql"].startswith("SELECT") and "notifications_delivery" in q["sql"]
        )


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def timed(sweep, now, today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # DEBUG logs every query: keep only this run's
    with CaptureQueriesContext(connection) as context:
        started = time.perf_counter()
        swept = sweep.run(now, today)
        elapsed = (time.perf_counter() - started) * 1000
    return swept, elapsed, context.captured_queries


def measure(sweep, counts: list[int], repeat: int) -> list[dict]:
    """Each count: make that many items due, sweep (timed), put everything back. At 0 due,
    one untimed warm-up first, and the claim query is EXPLAINed before anything else runs."""
    from django.utils import timezone

    rows = []
    for count in counts:
        walls, queries, captured = [], set(), []
        for attempt in range(repeat + (1 if count == 0 else 0)):
            now, today = timezone.now(), timezone.localdate()
            if count:
                sweep.make_due(count, now, today)
            swept, wall, captured = timed(sweep, now, today)
            written = sweep.written()
            if swept != count:
                sys.exit(f"{sweep.name}: {count} due but the sweep took {swept}")
            if count:
                sweep.put_back(now, today)
                vacuum(*sweep.tables)
            if count == 0 and attempt == 0:
                continue  # warm-up
            walls.append(wall)
            queries.add(len(captured))
        if count == 0:
            sweep.plan = explain(sweep.claim_query(captured))
        rows.append(
            {
                "due": count,
                "written": written,
                "wall": statistics.median(walls),
                "walls": walls,
                "queries": max(queries),
            }
        )
        print_row(sweep.name, rows[-1])
    if len(rows) >= 3:
        a, b = rows[-2], rows[-1]
        wall = (b["wall"] - a["wall"]) / (b["due"] - a["due"])
        queries = (b["queries"] - a["queries"]) / (b["due"] - a["due"])
        print(
            f"{'':20} each item from {a['due']:,} to {b['due']:,} due:"
            f" {wall:.2f} ms, {queries:.2f} queries",
            flush=True,
        )
    return rows


COLUMNS = [
    ("sweep", 20, "<"),
    ("due", 7, ">"),
    ("notified", 9, ">"),
    ("wall ms", 10, ">"),
    ("queries", 8, ">"),
    ("ms/item", 8, ">"),
    ("queries/item", 13, ">"),
    ("runs (ms)", 28, ">"),
]


def print_header() -> None:
    header = " ".join(f"{title:{align}{width}}" for title, width, align in COLUMNS)
    print("\n" + header + "\n" + "-" * len(header), flush=True)


def print_row(name: str, row: dict) -> None:
    due = row["due"]
    cells = [
        name,
        f"{due:,}",
        f"{row['written']:,}" if row["written"] else "-",
        f"{row['wall']:.1f}",
        f"{row['queries']:,}",
        f"{row['wall'] / due:.2f}" if due else "-",
        f"{row['queries'] / due:.2f}" if due else "-",
        " ".join(f"{w:.0f}" if w >= 100 else f"{w:.1f}" for w in row["walls"]),
    ]
    print(
        " ".join(f"{c:{a}{w}}" for c, (_, w, a) in zip(cells, COLUMNS, strict=True)),
        flush=True,
    )


def explain(query: dict) -> list[str]:
    """The query (its column list shortened) and its EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection

    lines = [f"({float(query['time']) * 1000:.2f} ms when swept)"]
    lines.append(re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", query["sql"], count=1))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
        lines += ["    " + line for (line,) in cursor.fetchall()]
    return lines


def run(args) -> None:
    from django.db import connection

    from notifications.tasks import deliver

    prepare(args)
    counts = fetch(
        """
        SELECT (SELECT count(*) FROM cases_case),
               (SELECT count(*) FROM cases_case
                WHERE status IN ('registered', 'accepted', 'mediating', 'signing')
                  AND due_on < current_date AND overdue_reported_for = due_on),
               (SELECT count(*) FROM cases_case
                WHERE status IN ('registered', 'accepted', 'mediating', 'signing')
                  AND overdue_reported_for IS NULL),
               (SELECT count(*) FROM cases_followup),
               (SELECT count(*) FROM cases_followup
                WHERE done_at IS NULL AND reminded_at IS NULL),
               (SELECT count(*) FROM cases_followup
                WHERE done_at IS NULL AND reminded_at IS NOT NULL),
               (SELECT count(*) FROM notifications_notification),
               (SELECT count(*) FROM notifications_delivery),
               (SELECT count(*) FROM notifications_delivery WHERE status = 'pending'),
               (SELECT version())
        """
    )[0]
    cases, backlog, fresh, follow_ups, waiting, reminded, notes, deliveries, retrying, version = (
        counts
    )
    print(f"\n{version.split(',')[0]}; {args.repeat} timed runs per row (median shown)")
    print(
        f"cases {cases:,} (pending past their deadline, already reported: {backlog:,};"
        f" pending before their deadline: {fresh:,})"
    )
    print(
        f"follow-ups {follow_ups:,} (waiting for their reminder: {waiting:,};"
        f" reminded, not yet done: {reminded:,})"
    )
    print(
        f"notifications {notes:,}; deliveries {deliveries:,}"
        f" (pending, retry not yet due: {retrying:,})"
    )
    # The first task queued builds Celery's producer; do that before the clock runs.
    deliver.delay(0)
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print_header()
    results = {}
    for sweep, due in (
        (FollowUpsDue(), [n for n in FOLLOW_UP_DUE if n <= args.outstanding]),
        (CasesOverdue(), OVERDUE_DUE),
        (DeliveriesDue(), DELIVERY_DUE),
    ):
        if args.only and args.only not in sweep.name:
            continue
        results[sweep.name] = (sweep, measure(sweep, due, args.repeat))
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        "\nnotified: notifications the sweep wrote (each with an email and an SMS delivery"
        " queued on commit). Queries are counted with CaptureQueriesContext: BEGIN, COMMIT"
        " and savepoints included."
    )
    for name, (sweep, _rows) in results.items():
        print(f"\n-- {name}: the claim query at 0 due", *sweep.plan, sep="\n")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the database")
    parser.add_argument(
        "--outstanding",
        type=int,
        default=100_000,
        help="follow-up visits waiting for their reminder",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per due count")
    parser.add_argument("--only", help="run only the sweeps whose name contains this")
    args = parser.parse_args()
    setup_django()
    run(args)


if __name__ == "__main__":
    main()
