"""The point-in-time recovery drill (issue 12): a throw-away PostgreSQL cluster archives
its WAL with deploy/archive-wal, deploy/backup --base takes a base backup, rows are
written, the time is noted, more rows are written; then deploy/restore --until that time
makes a second data directory from the base backup and the archive, and the server
started on it has the first rows and not the later ones. The same restore with the WAL
archive missing is refused by PostgreSQL itself: it does not open on older data.

The cluster is PostgreSQL's own binaries (initdb, pg_ctl) on a free port in a folder of
its own, run as the current user, or as `postgres` (runuser) when that is root. Without
them it skips, unless FENGQIAO_STACK_TESTS=required (set by .ci/run), where that is a
failure. About 15 s.
"""

import contextlib
import datetime
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REQUIRED = os.environ.get("FENGQIAO_STACK_TESTS", "") == "required"
AS_ROOT = os.geteuid() == 0
SERVER_USER = "postgres"


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (FENGQIAO_STACK_TESTS=required)", pytrace=False)
    pytest.skip(reason)


def server_bin() -> Path | None:
    """The newest PostgreSQL server's programs that have both initdb and pg_ctl."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_server(command: list, **options) -> subprocess.CompletedProcess:
    """A server program as the user the server runs as."""
    prefix = ["runuser", "-u", SERVER_USER, "--"] if AS_ROOT else []
    return subprocess.run(  # noqa: S603 - PostgreSQL's programs, our arguments
        [*prefix, *map(str, command)], capture_output=True, text=True, timeout=120, **options
    )


class Cluster:
    def __init__(self, bin: Path, data: Path, port: int, sockets: Path):
        self.bin, self.data, self.port, self.sockets = bin, data, port, sockets
        self.log = data.parent / f"{data.name}.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> subprocess.CompletedProcess:
        return as_server(
            [self.bin / "pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", self.log]
            + ["-o", f"-p {self.port} -k {self.sockets}"]
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            as_server([self.bin / "pg_ctl", "stop", "-w", "-m", "fast", "-D", self.data])

    def sql(self, statement: str) -> str:
        done = subprocess.run(  # noqa: S603 - psql from PATH, our own statements
            [shutil.which("psql"), self.url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", statement],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, (statement, done.stderr, self.log_tail())
        return done.stdout.strip()

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.2)


@pytest.fixture
def drill():
    bin = server_bin()
    if bin is None:
        _unavailable("PostgreSQL's server programs (/usr/lib/postgresql/*/bin/initdb, pg_ctl)")
    for program in ("psql", "pg_basebackup", "tar"):
        if not shutil.which(program):
            _unavailable(f"{program} is not installed (apt-get install postgresql-client)")
    if AS_ROOT and not shutil.which("runuser"):
        _unavailable("runuser, to run the server as postgres rather than root")
    # Not under pytest's tmp_path (mode 0700, root's): the server's user must reach it.
    folder = Path(tempfile.mkdtemp(prefix="fq_pitr_"))
    if AS_ROOT:
        shutil.chown(folder, SERVER_USER, SERVER_USER)
    clusters: list[Cluster] = []
    yield folder, bin, clusters
    for cluster in clusters:
        with contextlib.suppress(Exception):
            cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


def run(command: list, env_file: Path) -> subprocess.CompletedProcess:
    """deploy/backup or deploy/restore, with only the environment file's variables."""
    return subprocess.run(  # noqa: S603 - our own scripts
        [*map(str, command), "--env-file", str(env_file)],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FENGQIAO_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )


def archive_wal_for(folder: Path) -> Path:
    """deploy/archive-wal where the server's user can run it: in place when it can reach
    the repository, else the same file copied next to the cluster."""
    script = ROOT / "deploy" / "archive-wal"
    if as_server(["test", "-x", script]).returncode == 0:
        return script
    copy = folder / "archive-wal"
    shutil.copy2(script, copy)
    if AS_ROOT:
        shutil.chown(copy, SERVER_USER, SERVER_USER)
    return copy


def test_a_base_backup_and_the_archived_wal_restore_the_database_as_it_was_at_a_moment(drill):
    folder, bin, clusters = drill
    began = time.monotonic()
    archive, backups = folder / "archive", folder / "backups"
    source = Cluster(bin, folder / "source", free_port(), folder)
    clusters.append(source)
    initdb = as_server(
        [bin / "initdb", "-D", source.data, "-U", "postgres", "-A", "trust"]
        + ["--wal-segsize=1", "--no-sync", "--no-instructions"]
    )
    assert initdb.returncode == 0, initdb.stderr
    # archive_mode as README "Backups" sets it; fsync off: a throw-away cluster.
    with open(source.data / "postgresql.conf", "a") as conf:
        conf.write(
            "listen_addresses = '127.0.0.1'\n"
            "fsync = off\n"
            "archive_mode = on\n"
            f"archive_command = '{archive_wal_for(folder)} %p %f {archive}'\n"
        )
    started = source.start()
    assert started.returncode == 0, (started.stderr, source.log_tail())
    env_file = folder / "fengqiao.env"
    env_file.write_text(
        f"FENGQIAO_BASEBACKUP_DATABASE_URL={source.url}\n"
        f"FENGQIAO_BACKUP_DIR={backups}\n"
        f"FENGQIAO_WAL_ARCHIVE_DIR={archive}\n"
    )

    based = run([ROOT / "deploy" / "backup", "--base"], env_file)
    assert based.returncode == 0, (based.stdout, based.stderr)
    (base,) = (backups / "base").glob("fengqiao-base-*")
    assert sorted(p.name for p in base.iterdir()) == [
        "backup_manifest",
        "base.json",
        "base.tar.gz",
        "pg_wal.tar.gz",
    ]

    # After the base backup: a table and the rows that must come back, the moment, then
    # the rows that must not.
    source.sql("CREATE TABLE ledger (id serial PRIMARY KEY, note text NOT NULL)")
    source.sql("INSERT INTO ledger (note) SELECT 'before ' || n FROM generate_series(1, 50) n")
    moment = source.sql(
        "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
        """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
    )
    time.sleep(0.5)
    source.sql("INSERT INTO ledger (note) SELECT 'after ' || n FROM generate_series(1, 20) n")
    source.sql("DELETE FROM ledger WHERE id <= 10")
    # The segment holding the later rows is closed and archived, as archive_timeout or
    # more writing would do on a real server.
    last = source.sql("SELECT pg_walfile_name(pg_switch_wal())")
    wait_until(lambda: (archive / "wal" / last).exists(), 30, f"archive-wal to archive {last}")
    source.stop()

    # Without the archived WAL the same restore cannot reach the moment: PostgreSQL
    # refuses to open rather than give the base backup's older data.
    empty = folder / "empty-archive"
    (empty / "wal").mkdir(parents=True)
    no_wal = Cluster(bin, folder / "no-wal", free_port(), folder)
    clusters.append(no_wal)
    prepared = run(
        [ROOT / "deploy" / "restore", "--until", moment, "--data-dir", no_wal.data]
        + ["--wal-dir", empty],
        env_file,
    )
    assert prepared.returncode == 0, (prepared.stdout, prepared.stderr)
    assert no_wal.start().returncode != 0
    assert "recovery ended before configured recovery target was reached" in no_wal.log_tail()

    # With it: the database as it was at the moment.
    copy = Cluster(bin, folder / "copy", free_port(), folder)
    clusters.append(copy)
    restored = run(
        [ROOT / "deploy" / "restore", "--until", moment, "--data-dir", copy.data], env_file
    )
    assert restored.returncode == 0, (restored.stdout, restored.stderr)
    assert "every file checked against the backup's manifest" in restored.stdout
    started = copy.start()
    assert started.returncode == 0, (started.stderr, copy.log_tail())
    wait_until(lambda: copy.sql("SELECT pg_is_in_recovery()") == "f", 60, "the copy to open")

    notes = copy.sql("SELECT string_agg(note, ',' ORDER BY id) FROM ledger").split(",")
    assert notes == [f"before {n}" for n in range(1, 51)]
    # Open for writing, on a timeline of its own.
    copy.sql("INSERT INTO ledger (note) VALUES ('after the restore')")
    assert "selected new timeline ID: 2" in copy.log_tail()
    print(
        f"PITR drill in {time.monotonic() - began:.1f} s; "
        f"restored to {datetime.datetime.fromisoformat(moment):%H:%M:%S.%f} UTC"
    )
