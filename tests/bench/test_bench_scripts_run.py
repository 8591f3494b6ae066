"""The benchmark scripts still run (bench/README.md): each one that can run small, at a
tiny size, against PostgreSQL, in its own throw-away database named after the test
database and dropped afterwards. It exits 0 and prints its table; the figures themselves
are not judged (a tiny database on a busy CI machine says nothing about speed).

Not run here: ``load.py`` (the whole production stack: nginx, gunicorn, Celery, Redis,
S3), ``pitr.py`` (a throw-away PostgreSQL cluster of its own, with initdb and WAL
archiving) and ``loadmemory.py`` (the load test's memory soak): they need the full
stack, not a database.

Time: the migrated base is built once and copied (``CREATE DATABASE … TEMPLATE``);
``ledger.py`` fills 200 cases and the scripts that read the ledger's data run on a copy
of its database, so only the first fill and one migration are paid for."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DATABASE = settings.DATABASES["default"]
ON_POSTGRES = "postgresql" in DATABASE["ENGINE"]

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="the benchmark scripts run on PostgreSQL only (set DATABASE_URL to a PostgreSQL URL)",
)

TINY = ["--cases", "200", "--repeat", "1"]
TIMEOUT = 300


def _admin_connection():
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        host=DATABASE.get("HOST") or None,
        port=DATABASE.get("PORT") or None,
        user=DATABASE.get("USER") or None,
        password=DATABASE.get("PASSWORD") or None,
        autocommit=True,
    )


def _url(name: str) -> str:
    user = DATABASE.get("USER") or ""
    password = f":{DATABASE['PASSWORD']}" if DATABASE.get("PASSWORD") else ""
    at = f"{user}{password}@" if user else ""
    host = DATABASE.get("HOST") or "127.0.0.1"
    port = f":{DATABASE['PORT']}" if DATABASE.get("PORT") else ""
    return f"postgres://{at}{host}{port}/{name}"


class Databases:
    """The throw-away databases of this module: ``<test database>_bench_<name>``."""

    def __init__(self):
        test_name = (DATABASE.get("TEST") or {}).get("NAME") or f"test_{DATABASE['NAME']}"
        self.prefix = f"{test_name}_bench_"
        self.made: list[str] = []

    def name(self, suffix: str) -> str:
        return self.prefix + suffix

    def create(self, suffix: str, template: str | None = None) -> str:
        from psycopg import sql

        name = self.name(suffix)
        with _admin_connection() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            conn.execute(statement)
        self.made.append(name)
        return name

    def drop_all(self) -> None:
        from psycopg import sql

        with _admin_connection() as conn:
            for name in self.made:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def run(args: list[str], database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(database)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"  # what the scripts use
    return subprocess.run(  # noqa: S603 - our own interpreter on our own scripts
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def assert_ran(result: subprocess.CompletedProcess, *headings: str) -> None:
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, tail
    for heading in headings:
        assert heading in result.stdout, tail


@pytest.fixture(scope="module")
def databases():
    made = Databases()
    yield made
    made.drop_all()


@pytest.fixture(scope="module")
def base(databases) -> str:
    """Migrated, with the demo's places and users and no case: what every script starts
    from (each would do the same itself, more slowly)."""
    name = databases.create("base")
    for command in (["migrate", "--verbosity", "0"], ["load_demo", "--cases", "0"]):
        result = run(["manage.py", *command], name)
        assert result.returncode == 0, result.stderr[-3000:]
    return name


@pytest.fixture(scope="module")
def ledger_run(databases, base):
    """``ledger.py`` on a copy of the base: it fills 200 cases, then measures."""
    name = databases.create("ledger", template=base)
    # Only the scenarios named "list" (the ledger's, the API's and the admin's lists, their
    # deep pages and the keyset page): the searches and filters are the same code with
    # other parameters, and would triple the time.
    return name, run(["bench/ledger.py", *TINY, "--only", "list"], name)


def test_the_ledger_benchmark_fills_a_tiny_database_and_prints_its_table(ledger_run):
    _name, result = ledger_run

    assert_ran(result, "median ms", "list after row")


@pytest.mark.parametrize(
    ("script", "arguments", "headings"),
    [
        ("people.py", TINY, ["scenario", "median", "queries"]),
        ("dashboard.py", TINY, ["median ms", "Spot-check"]),
        ("exports.py", ["--cases", "200", "--sizes", "0", "--repeat", "1"], ["rows mode"]),
    ],
)
def test_a_benchmark_on_the_ledgers_data_runs_and_prints_its_table(
    databases, ledger_run, script, arguments, headings
):
    filled, _result = ledger_run
    name = databases.create(script.removesuffix(".py"), template=filled)

    assert_ran(run([f"bench/{script}", *arguments], name), *headings)


def test_the_sweeps_benchmark_fills_its_own_tiny_database_and_prints_its_table(databases, base):
    name = databases.create("sweeps", template=base)

    result = run(
        ["bench/sweeps.py", "--cases", "6000", "--outstanding", "100", "--repeat", "1"], name
    )

    assert_ran(result, "notified")


def test_the_dossier_benchmark_builds_a_dossier_and_two_tiny_filings(databases, base):
    name = databases.create("dossier", template=base)

    result = run(["bench/dossier.py", "--sessions", "2", "--scans", "1", "--sizes", "1,2"], name)

    assert_ran(result, "peak RSS MB", "dossier: 2 sessions", "annual filing: 2 cases")
