"""Load test and soak of the production stack: nginx over HTTPS in front of two gunicorn
instances, the Celery workers and beat (tests/deploy/stack.py, on ports 29xxx), on an
existing bench database, driven by N logged-in virtual users through nginx on loopback.

    .venv/bin/python bench/load.py [--users 200] [--duration 300] [--ramp 30] [--soak]

Prints requests/s and p50/p95/p99 per page with the errors, the host, the stack's sizes,
the workers' activity, whether every reminder of the drill arrived exactly once and (in
every run, judged with --soak) the memory of each process. Exits non-zero on any error,
lost reminder or failed export, and with --soak on memory that grows. See bench/README.md.
"""

import argparse
import datetime
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import loadmemory
from loadusers import SHANGHAI, Client, Exporter, Recorder, VirtualUser, percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy.stack import Stack  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fengqiao_bench"
GOAL_P95_MS = 300
# Ports 29xxx (the smoke test uses 19xxx); Redis database 6.
PORTS = {"https_port": 29443, "http_port": 29080, "web_ports": (29001, 29002), "s3_port": 29900}
# Pages of the mix, in the order of the table; the others (logging in, the export) after.
MIX_PAGES = [
    "ledger (page 1)",
    "ledger (a later page)",
    "ledger: status + grade",
    "ledger: dispute type",
    "ledger: overdue",
    "search: party name",
    "search: case number prefix",
    "case page",
    "register: form",
    "register: submit",
    "register: confirm repeats",
    "dashboard",
    "reference: log-in form (anonymous)",
]
ACCESS_TIME = re.compile(r'HTTP/[\d.]+" \d{3} \S+ (\d+)ms ')
# Python's and Celery's errors, gunicorn's killed workers, nginx's [error] and worse.
LOG_PROBLEMS = re.compile(
    r"Traceback|\bERROR\b|CRITICAL|WORKER TIMEOUT|raised unexpected|\[(error|crit|alert|emerg)\]"
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--database-url", default=DEFAULT_DATABASE_URL, help="an existing bench database")
    add("--users", type=int, default=200, help="virtual users (default 200)")
    add("--duration", type=int, default=300, help="seconds from the first log-in to the end")
    add("--ramp", type=int, default=30, help="seconds over which the users log in")
    add("--think", default="5,15", help="think time between pages, uniform MIN,MAX seconds")
    add("--no-think", action="store_true", help="no think time: the ceiling")
    add("--soak", action="store_true", help="judge memory (flat after the warm-up mark)")
    add("--sample-every", type=float, default=30, help="seconds between memory samples")
    add("--web-workers", type=int, default=3, help="gunicorn workers per instance (2 instances)")
    add("--web-threads", type=int, default=2, help="threads per gunicorn worker")
    add(
        "--web-max-requests",
        default="",
        help="gunicorn max_requests (0: never recycle, to see a leak); default: the config's",
    )
    add("--export-every", type=float, default=120, help="seconds between ledger exports")
    add("--export-format", default="csv", choices=("csv", "xlsx"))
    add("--export-month", default="", help="YYYY-MM (default: last full month)")
    add("--reminder-every", type=float, default=10, help="seconds between drill reminders")
    add("--redis-db", type=int, default=6)
    add("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.no_think:
        args.think = (0.0, 0.0)
    else:
        low, high = (float(x) for x in args.think.split(","))
        args.think = (low, high)
    if args.ramp >= args.duration:
        parser.error("--ramp must be shorter than --duration")
    return args


# -- the host and the stack ------------------------------------------------------------
def host_line() -> str:
    meminfo = Path("/proc/meminfo").read_text()
    total_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    return (
        f"host: {os.cpu_count()} CPUs ({model.group(1).strip() if model else 'unknown'}), "
        f"{total_kb / 1024 / 1024:.1f} GB RAM"
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def loaddb(stack: Stack, command: str, **args) -> dict:
    """Run a bench/loaddb.py command in the stack's Django; its JSON answer."""
    code = (
        "import sys; sys.path.insert(0, 'bench'); import loaddb; "
        f"loaddb.main({command!r}, {json.dumps(args)!r})"
    )
    out = stack.manage("shell", "-c", code, FENGQIAO_DB_STATEMENT_TIMEOUT_MS="600000")
    line = next(line for line in reversed(out.splitlines()) if line.startswith("LOADDB "))
    return json.loads(line.removeprefix("LOADDB "))


def bring_up(stack: Stack) -> None:
    missing = stack.missing_prerequisites()
    if missing:
        sys.exit("The stack needs " + ", ".join(missing))
    print(f"Stack under {stack.folder} (logs in {stack.logs}) ...", flush=True)
    stack.flush_redis()
    stack.migrate()
    stack.start_s3()
    stack.start_web()
    stack.start_workers()
    stack.start_nginx()


def redacted(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return f"{parts.scheme}://{user}@{netloc}{parts.path}"


# -- the run ---------------------------------------------------------------------------
def last_full_month() -> str:
    first = datetime.datetime.now(SHANGHAI).date().replace(day=1)
    return (first - datetime.timedelta(days=1)).strftime("%Y-%m")


def arrange_drill(stack: Stack, args, run_id: str) -> list[datetime.datetime]:
    """Reminders that fall due during the run: one every --reminder-every seconds from
    the end of the ramp to 90 s before the end (beat sweeps every 60 s)."""
    now = datetime.datetime.now(datetime.UTC)
    first, last = args.ramp + 15, args.duration - 90
    count = max(1, int((last - first) // args.reminder_every) + 1) if last > first else 1
    moments = [
        now + datetime.timedelta(seconds=first + i * args.reminder_every) for i in range(count)
    ]
    loaddb(stack, "arrange_reminders", run=run_id, moments=[m.isoformat() for m in moments])
    return moments


def wait_for_drill(stack: Stack, run_id: str, moments) -> list[dict]:
    """Until every drill visit is reminded (at most 3 minutes after the last is due)."""
    deadline = moments[-1] + datetime.timedelta(minutes=3)
    while True:
        visits = loaddb(stack, "check_reminders", run=run_id)["visits"]
        waiting = [v for v in visits if v["reminded_at"] is None]
        if not waiting or datetime.datetime.now(datetime.UTC) > deadline:
            return loaddb(stack, "check_reminders", run=run_id, finish=True)["visits"]
        time.sleep(10)


def start_users(stack: Stack, inputs: dict, args, recorder: Recorder, stop, t0: float):
    accounts = inputs["accounts"]
    shared = {"types": inputs["dispute_types"], "party_names": inputs["party_names"]}
    users = []
    for n in range(args.users):
        client = Client(stack.base_url, stack.certificate, recorder)
        user = VirtualUser(
            client=client,
            account=accounts[n % len(accounts)],
            shared=shared,
            start_at=t0 + n * args.ramp / args.users,
            think=args.think,
            stop=stop,
            seed=args.seed * 1000 + n,
        )
        user.start()
        users.append(user)
    return users


def start_exporter(stack, inputs, args, recorder, stop) -> Exporter | None:
    supervisors = [a for a in inputs["accounts"] if a["role"] == "supervisor"]
    if not supervisors or args.export_every <= 0:
        return None
    exporter = Exporter(
        client=Client(stack.base_url, stack.certificate, recorder),
        # The town's supervisor (dudao in the demo): the district's would be every case.
        account=max(supervisors, key=lambda a: len(a["area_code"])),
        month=args.export_month or last_full_month(),
        fmt=args.export_format,
        every=args.export_every,
        stop=stop,
    )
    exporter.start()
    return exporter


# -- the report ------------------------------------------------------------------------
def row(page: str, timed: list, seconds: float, errors: int, verdict: str = "") -> str:
    values = [ms for _, ms in timed]
    if not values:
        return f"{page:<38}{0:>7}{'':>8}{'':>9}{'':>9}{'':>9}{'':>9}{errors:>8}  {verdict}"
    return (
        f"{page:<38}{len(values):>7}{len(values) / seconds:>8.2f}"
        f"{percentile(values, 0.50):>9.0f}{percentile(values, 0.95):>9.0f}"
        f"{percentile(values, 0.99):>9.0f}{max(values):>9.0f}{errors:>8}  {verdict}"
    )


def page_table(recorder: Recorder, window: tuple[float, float]) -> bool:
    """The table by page: the mix over the measuring window (every user logged in), the
    log-in and the export over the whole run. True when each page of the mix meets the
    p95 goal."""
    low, high = window
    header = (
        f"{'page':<38}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}  p95 goal {GOAL_P95_MS} ms"
    )
    print(f"\nThe mix, from {low:.0f} s to {high:.0f} s (every user logged in):")
    print(header + "\n" + "-" * len(header))
    meets, mix, mix_errors = True, [], 0
    for page in (p for p in MIX_PAGES if p in recorder.timings):
        timed = [(at, ms) for at, ms in recorder.timings[page] if low <= at <= high]
        errors = sum(low <= at <= high for at in recorder.failures[page])
        mix, mix_errors = mix + timed, mix_errors + errors
        ok = bool(timed) and percentile([ms for _, ms in timed], 0.95) <= GOAL_P95_MS
        meets = meets and ok
        print(row(page, timed, high - low, errors, "ok" if ok else "MISSED"))
    print("-" * len(header))
    print(row("the mix, every page", mix, high - low, mix_errors))
    whole = max(at for timed in recorder.timings.values() for at, _ in timed)
    print(f"\nLogging in and the export, over the whole run (0 to {whole:.0f} s):")
    for page in sorted(p for p in recorder.timings if p not in MIX_PAGES):
        print(row(page, recorder.timings[page], whole, len(recorder.failures[page])))
    print(f"\nerrors over the whole run: {recorder.errors()}")
    for sample in recorder.samples:
        print(f"  error: {sample}")
    return meets


def gunicorn_times(stack: Stack) -> None:
    """The time each request spent inside gunicorn (its access log's %(M)s), against the
    time the client saw: the difference is waiting (nginx, gunicorn's queue, TLS)."""
    times = [
        int(ms)
        for path in stack.logs.glob("web*.log")
        for ms in ACCESS_TIME.findall(path.read_text(errors="replace"))
    ]
    if times:
        print(
            f"  inside gunicorn (access log, every request of the run): {len(times)} requests, "
            f"p50 {percentile(times, 0.5)} ms, p95 {percentile(times, 0.95)} ms, "
            f"p99 {percentile(times, 0.99)} ms"
        )


def worker_activity(stack: Stack) -> int:
    """Tasks each worker finished and problem lines in every log; the problem count."""
    problems = 0
    for path in sorted(stack.logs.glob("*.log")):
        text = path.read_text(errors="replace")
        found = [line for line in text.splitlines() if LOG_PROBLEMS.search(line)]
        problems += len(found)
        done = text.count(" succeeded in ")
        tasks = f", {done} tasks succeeded" if path.name.startswith("worker") else ""
        print(f"  {path.name}: {len(text.splitlines())} lines{tasks}, {len(found)} problem lines")
        for line in found[:3]:
            print(f"      {line[:200]}")
    return problems


def drill_report(visits: list[dict]) -> int:
    """The reminder drill's figures; the number lost (not exactly one notification)."""
    lost = [v for v in visits if v["notifications"] != 1 or v["reminded_at"] is None]
    late = [
        (
            datetime.datetime.fromisoformat(v["reminded_at"])
            - datetime.datetime.fromisoformat(v["remind_at"])
        ).total_seconds()
        for v in visits
        if v["reminded_at"]
    ]
    lateness = (
        f"reminded {statistics.median(late):.0f} s after due (median), {max(late):.0f} s at most"
        if late
        else "none reminded"
    )
    print(f"\nReminder drill: {len(visits)} visits due during the run; {lateness}")
    print(
        f"  exactly one notification each: {len(visits) - len(lost)}; lost or doubled: {len(lost)}"
    )
    for visit in lost[:5]:
        print(f"  lost: {visit}")
    return len(lost)


def bench_database_keys() -> dict[str, str]:
    """The keys the bench database's ID numbers and mobiles are encrypted with: bench/ledger.py
    fills and migrates it with config.settings.local, so the environment's keys if it has
    them, else this checkout's own under var/ (common.personal_data.local_keys)."""
    from common.personal_data import local_keys

    keys = dict(os.environ)
    if not keys.get("FENGQIAO_PERSONAL_DATA_KEYS"):
        keys = local_keys(ROOT / "var" / "personal_data_keys.env")
    key_id, _, key = keys["FENGQIAO_PERSONAL_DATA_KEYS"].partition(":")
    return {
        "personal_data_key_id": key_id,
        "personal_data_key": key,
        "personal_data_index_key": keys["FENGQIAO_PERSONAL_DATA_INDEX_KEY"],
    }


def main() -> None:
    args = parse_args()
    run_id = f"{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%S}-{random.randrange(10**6)}"
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="fengqiao-load-")),
        database_url=args.database_url,
        redis_db=args.redis_db,
        web_workers=args.web_workers,
        web_threads=args.web_threads,
        web_max_requests=args.web_max_requests,
        nginx_worker_connections=4 * args.users + 256,
        node_name="fq-load",
        **bench_database_keys(),
        **PORTS,
    )
    print(host_line())
    print(f"load average before: {load_average()}", flush=True)
    started = time.monotonic()
    try:
        bring_up(stack)
        inputs = loaddb(stack, "inputs", seed=args.seed)
        if not inputs["accounts"]:
            sys.exit("No demo accounts in that database: fill it with bench/ledger.py first.")
        print(f"stack up in {time.monotonic() - started:.0f} s", flush=True)
        describe(stack, inputs, args)
        outcome = run(stack, inputs, args, run_id)
    finally:
        stack.stop()
        stack.flush_redis()
    print(f"\nload average after: {load_average()}")
    print(f"logs kept in {stack.logs}")
    sys.exit(0 if outcome else 1)


def describe(stack: Stack, inputs: dict, args) -> None:
    roles = {}
    for account in inputs["accounts"]:
        roles.setdefault(account["role"], []).append(account["username"])
    think = (
        "none (--no-think)"
        if args.think == (0.0, 0.0)
        else f"{args.think[0]:g}-{args.think[1]:g} s uniform"
    )
    print(
        f"database: {redacted(args.database_url)}, PostgreSQL {inputs['server_version']}, "
        f"{inputs['cases']} cases; the application connects as {inputs['database_user']!r}, "
        "the tables' owner (the smoke test covers the role that owns nothing)"
    )
    print(
        f"stack: nginx (2 workers) -> 2 gunicorn instances x {stack.web_workers} workers x "
        f"{stack.web_threads} threads, max_requests {args.web_max_requests or 'as configured'}; "
        "Celery: reminders+deliveries worker, long worker (concurrency 1 each), beat; "
        "Redis db {}, moto S3".format(stack.redis_db)
    )
    print(
        f"users: {args.users} over {len(inputs['accounts'])} accounts "
        + "; ".join(f"{role} {', '.join(names)}" for role, names in roles.items())
    )
    print(
        f"run: {args.duration} s, ramp {args.ramp} s, think {think}; "
        + (f"an export every {args.export_every:g} s" if args.export_every > 0 else "no exports")
        + f"; a drill reminder every {args.reminder_every:g} s",
        flush=True,
    )


def run(stack: Stack, inputs: dict, args, run_id: str) -> bool:
    recorder, stop = Recorder(), threading.Event()
    leaders = {name: process.pid for name, process in stack.processes.items()}
    database = urlsplit(args.database_url).path.lstrip("/")
    sampler = loadmemory.Sampler(leaders, args.sample_every, stop, database=database)
    moments = arrange_drill(stack, args, run_id)
    since = datetime.datetime.now(datetime.UTC)
    # CPU is counted from here: what the stack used starting up is not the run's.
    sampler.sample(memory=False)
    cpu_since = {name: dict(ticks) for name, ticks in sampler.ticks.items()}
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic() + 1
    sampler.start()
    users = start_users(stack, inputs, args, recorder, stop, t0)
    exporter = start_exporter(stack, inputs, args, recorder, stop)
    try:
        while time.monotonic() < t0 + args.duration:
            time.sleep(min(30.0, max(0.1, t0 + args.duration - time.monotonic())))
            done = sum(len(t) for t in recorder.timings.values())
            print(
                f"  {time.monotonic() - t0:5.0f} s: {done} requests, "
                f"{recorder.errors()} errors, load {load_average()}",
                flush=True,
            )
    finally:
        stop.set()
    for thread in [*users, *([exporter] if exporter else []), sampler]:
        thread.join(timeout=90)
    elapsed = time.monotonic() - t0
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)

    recorder.shift(t0)
    logged_in = [user.logged_in_at - t0 for user in users if user.logged_in_at]
    # Measured from the moment every user is logged in (the ramp's end at the earliest).
    window = (max([float(args.ramp), *logged_in]), elapsed)
    if window[0] > elapsed / 2:
        print(f"\nWARNING: logging in took until {window[0]:.0f} s; make --duration longer")
    meets = page_table(recorder, window)
    print(
        f"{len(logged_in)} of {args.users} users logged in, the last at {max(logged_in, default=0):.0f} s "
        f"(ramp {args.ramp} s); the driver used {cpu:.0f} CPU-seconds "
        f"({cpu / elapsed:.0%} of one core) of the host's {os.cpu_count()}"
    )
    failed_exports = 0
    if exporter:
        failed_exports = exporter.failed
        built = exporter.built
        figures = (
            f"built in {statistics.median(built):.1f} s (median), {max(built):.1f} s at most"
            if built
            else "none finished"
        )
        print(
            f"exports ({args.export_format}, {exporter.account['username']}, "
            f"{exporter.month}): {len(built)} done, {failed_exports} failed; {figures}"
        )
    visits = wait_for_drill(stack, run_id, moments)
    lost = drill_report(visits)
    activity = loaddb(stack, "activity", since=since.isoformat())
    print(
        f"the run registered {activity['cases_registered']} cases; "
        f"{activity['notifications']} notifications were written"
    )
    print("\nStack logs:")
    problems = worker_activity(stack)
    gunicorn_times(stack)
    requests = sum(len(timed) for timed in recorder.timings.values())
    loadmemory.cpu_report(sampler, cpu_since, requests, elapsed)
    mark = 300.0 if args.duration >= 600 else args.duration / 3
    flat = loadmemory.report(sampler, mark, judged=args.soak)
    # The whole series, to tell a leak (growing to the end) from a warm-up (levelling off).
    series = stack.logs / "memory.json"
    series.write_text(json.dumps({name: rows for name, rows in sampler.samples.items()}))
    print(f"every memory sample (seconds, MB, processes) in {series}")
    errors = recorder.errors()
    verdicts = [
        ("errors", errors == 0, f"{errors} errors"),
        ("p95 of every page of the mix", meets, f"goal {GOAL_P95_MS} ms"),
        ("exports", failed_exports == 0, f"{failed_exports} failed"),
        ("reminders", lost == 0, f"{lost} lost or doubled"),
        ("problem lines in the stack's logs", problems == 0, f"{problems}"),
    ]
    if args.soak:
        verdicts.append(("memory", flat, "flat" if flat else "growing"))
    print("\nVerdict:")
    for what, ok, detail in verdicts:
        failed = "MISSED" if what.startswith("p95") else "FAIL"
        print(f"  {'ok' if ok else failed:<6} {what}: {detail}")
    # The p95 goal is reported, not an error: the exit status says whether anything broke.
    return all(ok for what, ok, _ in verdicts if not what.startswith("p95"))


if __name__ == "__main__":
    main()
