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
import time

import pytest

from tests.deploy import pg_cluster
from tests.deploy.pg_cluster import Cluster, run_deploy

REQUIRED = os.environ.get("FENGQIAO_STACK_TESTS", "") == "required"


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.2)


@pytest.fixture
def drill():
    missing = pg_cluster.missing_prerequisites()
    if missing:
        reason = "the PITR drill needs " + ", ".join(missing)
        if REQUIRED:
            pytest.fail(f"{reason} (FENGQIAO_STACK_TESTS=required)", pytrace=False)
        pytest.skip(reason)
    folder = pg_cluster.throwaway_folder("fq_pitr_")
    clusters: list[Cluster] = []
    yield folder, pg_cluster.server_bin(), clusters
    for cluster in clusters:
        with contextlib.suppress(Exception):
            cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


def test_a_base_backup_and_the_archived_wal_restore_the_database_as_it_was_at_a_moment(drill):
    folder, bin, clusters = drill
    began = time.monotonic()
    archive, backups = folder / "archive", folder / "backups"
    source = Cluster(bin, folder / "source", folder)
    clusters.append(source)
    source.init(archive, segment_mb=1)
    started = source.start()
    assert started.returncode == 0, (started.stderr, source.log_tail())
    env_file = folder / "fengqiao.env"
    env_file.write_text(
        f"FENGQIAO_BASEBACKUP_DATABASE_URL={source.url}\n"
        f"FENGQIAO_BACKUP_DIR={backups}\n"
        f"FENGQIAO_WAL_ARCHIVE_DIR={archive}\n"
    )

    based = run_deploy("backup", "--base", env_file=env_file)
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
    no_wal = Cluster(bin, folder / "no-wal", folder)
    clusters.append(no_wal)
    prepared = run_deploy(
        "restore",
        "--until",
        moment,
        "--data-dir",
        no_wal.data,
        "--wal-dir",
        empty,
        env_file=env_file,
    )
    assert prepared.returncode == 0, (prepared.stdout, prepared.stderr)
    # (pg_ctl may see it up for a moment: it takes read-only connections while replaying.)
    no_wal.start()
    wait_until(lambda: not no_wal.running(), 60, "the server without the WAL to stop")
    assert "recovery ended before configured recovery target was reached" in no_wal.log_tail()

    # With it: the database as it was at the moment.
    copy = Cluster(bin, folder / "copy", folder)
    clusters.append(copy)
    restored = run_deploy("restore", "--until", moment, "--data-dir", copy.data, env_file=env_file)
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
