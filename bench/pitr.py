"""Point-in-time recovery benchmark: how long a base backup and a restore to a moment
take for a database of a given size, on a throw-away cluster of this machine's
PostgreSQL (the same helpers as tests/deploy/test_pitr_drill.py).

    .venv/bin/python bench/pitr.py [--scale 20] [--transactions 20000]

pgbench's tables at --scale (15 MB each), a base backup (deploy/backup --base), then
--transactions pgbench transactions archived by deploy/archive-wal, the moment after
them, and deploy/restore --until that moment into a new data directory, started until it
opens. Prints the figures; nothing is kept. See bench/README.md.
"""

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy import pg_cluster  # noqa: E402
from tests.deploy.pg_cluster import Cluster, run_deploy  # noqa: E402

MB = 1024 * 1024


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def timed(what: str, figures: list, action):
    started = time.monotonic()
    result = action()
    figures.append((what, time.monotonic() - started))
    return result


def checked(done: subprocess.CompletedProcess, what: str):
    if done.returncode:
        sys.exit(f"{what} failed:\n{done.stdout}\n{done.stderr}")
    return done


def pgbench(cluster: Cluster, *args) -> None:
    command = [cluster.bin / "pgbench", "-h", "127.0.0.1", "-p", cluster.port, "-U", "postgres"]
    command += ["-d", "postgres"]
    done = subprocess.run([*map(str, command), *map(str, args)], capture_output=True, text=True)  # noqa: S603
    checked(done, "pgbench")


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"waited {seconds} s for {what}")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=20, help="pgbench scale (15 MB each)")
    parser.add_argument("--transactions", type=int, default=20000)
    args = parser.parse_args()
    missing = pg_cluster.missing_prerequisites()
    if missing:
        sys.exit("needs " + ", ".join(missing))
    bin = pg_cluster.server_bin()
    folder = pg_cluster.throwaway_folder("fq_pitr_bench_")
    archive, backups = folder / "archive", folder / "backups"
    source = Cluster(bin, folder / "source", folder)
    copy = Cluster(bin, folder / "copy", folder)
    env_file = folder / "fengqiao.env"
    figures: list[tuple[str, float]] = []
    try:
        source.init(archive)
        checked(source.start(), "starting the cluster")
        env_file.write_text(
            f"FENGQIAO_BASEBACKUP_DATABASE_URL={source.url}\n"
            f"FENGQIAO_BACKUP_DIR={backups}\nFENGQIAO_WAL_ARCHIVE_DIR={archive}\n"
        )
        timed(
            f"pgbench -i -s {args.scale}",
            figures,
            lambda: pgbench(source, "-i", "-q", "-s", args.scale),
        )
        size = int(source.sql("SELECT pg_database_size('postgres')"))
        timed(
            "deploy/backup --base",
            figures,
            lambda: checked(run_deploy("backup", "--base", env_file=env_file), "base backup"),
        )
        base_size = folder_size(backups / "base")
        start_lsn = source.sql("SELECT pg_current_wal_lsn()")
        per_client = max(1, args.transactions // 2)
        timed(
            f"{args.transactions} pgbench transactions",
            figures,
            lambda: pgbench(source, "-n", "-c", 2, "-j", 2, "-t", per_client),
        )
        moment = source.sql(
            "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
            """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
        )
        wal = int(source.sql(f"SELECT pg_current_wal_lsn() - '{start_lsn}'::pg_lsn"))
        # Recovery stops at the first commit after the moment: there must be one.
        time.sleep(0.1)
        source.sql("CREATE TABLE after_the_moment ()")
        last = source.sql("SELECT pg_walfile_name(pg_switch_wal())")
        timed(
            "archiving the last segment",
            figures,
            lambda: wait_until(lambda: (archive / "wal" / last).exists(), 600, "archiving"),
        )
        source.stop()
        timed(
            "deploy/restore --until (prepare)",
            figures,
            lambda: checked(
                run_deploy(
                    "restore", "--until", moment, "--data-dir", copy.data, env_file=env_file
                ),
                "restore",
            ),
        )
        timed(
            "start: replay to the moment, open",
            figures,
            lambda: (
                checked(copy.start(timeout=3600), "replay"),
                wait_until(
                    lambda: copy.sql("SELECT pg_is_in_recovery()") == "f", 3600, "the copy to open"
                ),
            ),
        )
        restored = int(copy.sql("SELECT count(*) FROM pgbench_history"))
        if copy.sql("SELECT to_regclass('after_the_moment') IS NULL") != "t":
            sys.exit("the restore went past the moment")
        if restored != per_client * 2:
            sys.exit(f"restored {restored} transactions, not the {per_client * 2} written")
        print(
            f"database {size / MB:.0f} MB, base backup {base_size / MB:.0f} MB on disk, "
            f"WAL after it {wal / MB:.0f} MB, {restored} history rows restored"
        )
        for what, seconds in figures:
            print(f"  {what:<40} {seconds:7.1f} s")
    finally:
        for cluster in (copy, source):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
