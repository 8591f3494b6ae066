"""Building blocks for the follow-up and reminder tests: many cases and due visits at
once, and real worker / beat processes on the test database. A single case in a given
state comes from tests/builders.py (at whatever moment the test has travelled to)."""

import base64
import contextlib
import copy as copy_module
import datetime
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.models import Case, FollowUp, FollowUpKind, Status

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ROOT = Path(settings.BASE_DIR)
PYTHON = str(Path(sys.executable))
CELERY = str(Path(sys.executable).with_name("celery"))
SLOW_BACKEND = "tests.followups.slow_backend.RecordingSmsBackend"


def local(*args) -> datetime.datetime:
    """An aware moment on the Shanghai wall clock."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


_sequences = itertools.count(10001)


def clone_cases(template: Case, count: int, **fields) -> list[Case]:
    """``count`` copies of a case written in one statement (sequence numbers from 10001
    up), so a test can have hundreds of cases without registering each one."""
    original = Case.objects.get(pk=template.pk)
    copies = []
    for _ in range(count):
        copy = copy_module.copy(original)
        copy.pk = None
        copy._state.adding = True
        copy.number_sequence = next(_sequences)
        copy.number = f"{template.number[:-5]}{copy.number_sequence:05d}"
        copy.external_reference = ""
        for name, value in fields.items():
            setattr(copy, name, value)
        # bulk_create skips Case.save(), which keeps the time limit (due_on) true.
        copy._start_clocks()
        copies.append(copy)
    return Case.objects.bulk_create(copies)


KINDS = list(FollowUpKind.values)  # one open visit of each kind per case (a constraint)


def due_follow_ups(
    template: Case,
    responsible,
    count: int,
    remind_at: Callable[[int], datetime.datetime],
) -> list[FollowUp]:
    """``count`` outstanding visits on resolved copies of ``template``, the n-th
    to be reminded at ``remind_at(n)``."""
    cases = clone_cases(template, -(-count // len(KINDS)), status=Status.RESOLVED)
    rows = []
    for n in range(count):
        moment = remind_at(n)
        rows.append(
            FollowUp(
                case=cases[n // len(KINDS)],
                kind=KINDS[n % len(KINDS)],
                due_at=moment + datetime.timedelta(hours=2),
                remind_at=moment,
                responsible=responsible,
            )
        )
    return FollowUp.objects.bulk_create(rows)


# ---------------------------------------------------------------------------
# Other processes on the test database
# ---------------------------------------------------------------------------


def current_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's ``test_...`` copy)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=current_database_url(),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """End a child we started: politely, then for certain. Never leaves it running."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def worker(log: Path, **env: str) -> Iterator[subprocess.Popen]:
    """A real Celery worker (one process, solo pool) consuming every queue."""
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, our own venv
            [
                CELERY,
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                "--pool=solo",
                "-Q",
                ",".join(settings.CELERY_QUEUES_ALL),
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                f"--hostname=drill-{os.getpid()}-{time.monotonic_ns()}@localhost",
            ],
            cwd=ROOT,
            env=child_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        stop(process)


def wait_for(predicate: Callable[[], object], timeout: float, what: str, log: Path | None = None):
    """Poll ``predicate`` until it is truthy; fail with the worker's log if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tail}")


def sent_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def now_plus(**kwargs) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**kwargs)


# ---------------------------------------------------------------------------
# The broker (a real Redis when REDIS_URL is set)
# ---------------------------------------------------------------------------


def broker_redis():
    """A client on the broker's own Redis database (the index in REDIS_URL)."""
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def queued_tasks(client, queue: str | None = None) -> list[tuple[str, tuple]]:
    """(task name, args) of every message waiting in a Redis queue (by default in each of
    the portal's queues in turn), oldest first."""
    tasks = []
    for name in [queue] if queue else settings.CELERY_QUEUES_ALL:
        for raw in reversed(client.lrange(name, 0, -1)):  # LPUSHed; consumed from the right
            message = json.loads(raw)
            body = message["body"]
            if message["properties"].get("body_encoding") == "base64":
                body = base64.b64decode(body)
            args, _kwargs, _embed = json.loads(body)
            tasks.append((message["headers"]["task"], tuple(args)))
    return tasks
