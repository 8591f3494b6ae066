"""Backups that restore: the database and the private files in one dated folder, with a
manifest that says what a good restore must give back.

Run through deploy/backup and deploy/restore (which pick the portal's own Python), not
directly. Both read the environment file the services read (/etc/fengqiao/fengqiao.env,
or --env-file); a variable already set in the environment wins, so an administrator can
name another database role for one run without editing the file.

A backup folder holds:
  db.dump        pg_dump's custom format, without owners or grants, so it restores into
                 a database whatever its roles are called (restore grants them again)
  files/         every private file (attachments, exports), read through Django's
                 storage API: the same code copies a folder or an S3 bucket
  manifest.json  size and SHA-256 of every file and of the dump, the applied
                 migrations, and the row count of every table, all counted in the very
                 snapshot pg_dump dumped
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENV_FILE = "/etc/fengqiao/fengqiao.env"
DEFAULT_BACKUP_DIR = "/var/backups/fengqiao"
# Where deploy/archive-wal puts the WAL (its own default too), for pitr_lib.py.
WAL_DIR = "/var/backups/fengqiao-wal"
NAME = re.compile(r"^fengqiao-(\d{8})T(\d{6})Z$")
CHUNK = 1024 * 1024
MANIFEST_FORMAT = 1

# audit/migrations 0001 to 0003: the tables whose rows may never change or go.
APPEND_ONLY_TRIGGERS = {
    "auditlog_logentry": ["auditlog_logentry_append_only", "auditlog_logentry_no_truncate"],
    "cases_personaldataaccess": [
        "cases_personaldataaccess_append_only",
        "cases_personaldataaccess_no_truncate",
    ],
    # audit/migrations 0003: looks at a 重点人员 flag's reason.
    "cases_watchedpersonaccess": [
        "cases_watchedpersonaccess_append_only",
        "cases_watchedpersonaccess_no_truncate",
    ],
}


class Refused(Exception):
    """Something the operator must decide about; nothing was changed."""


def say(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------
# Environment, Django, database
# ---------------------------------------------------------------------------


def load_env_file(path: str | None) -> None:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (comments, blank lines and
    surrounding quotes allowed)."""
    path = path or os.environ.get("FENGQIAO_ENV_FILE") or DEFAULT_ENV_FILE
    if not os.path.exists(path):
        if path != DEFAULT_ENV_FILE:
            raise Refused(f"no environment file at {path}")
        return
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()


def program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise Refused(f"{name} is not installed (apt install postgresql-client)")
    return found


def libpq_url(url: str) -> str:
    """DATABASE_URL as libpq takes it (Django's scheme names are not all libpq's)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        raise Refused(f"backups need PostgreSQL; DATABASE_URL is {parts.scheme}://")
    return "postgresql" + url[len(parts.scheme) :]


def url_user(url: str) -> str:
    return unquote(urlsplit(url).username or "")


def connect(url: str, **kwargs):
    import psycopg

    return psycopg.connect(libpq_url(url), **kwargs)


def table_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        # Names come from the catalogue, quoted as identifiers.
        cursor.execute(f'SELECT count(*) FROM public."{table}"')  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor) -> list[str]:
    cursor.execute("SELECT app || '.' || name FROM django_migrations ORDER BY app, name")
    return [row[0] for row in cursor.fetchall()]


def append_only_problems(cursor) -> list[str]:
    """What is wrong with the audit tables' triggers: missing, or disabled."""
    problems = []
    for table, triggers in APPEND_ONLY_TRIGGERS.items():
        cursor.execute(
            "SELECT t.tgname, t.tgenabled FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relname = %s AND NOT t.tgisinternal",
            [table],
        )
        found = dict(cursor.fetchall())
        for trigger in triggers:
            if trigger not in found:
                problems.append(f"trigger {trigger} on {table} is missing")
            elif found[trigger] in ("D", b"D"):
                problems.append(f"trigger {trigger} on {table} is disabled")
    return problems


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def storage_names(storage, folder: str = "") -> list[str]:
    """Every file name in a storage, recursively (listdir works on folders and S3 alike)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += storage_names(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def copy_measured(source, target) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: source.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
        target.write(chunk)
    return size, digest.hexdigest()


# ---------------------------------------------------------------------------
# Backup
# ---------------------------------------------------------------------------


def backup(args) -> Path:
    started = time.monotonic()
    url = os.environ.get("FENGQIAO_BACKUP_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        raise Refused("DATABASE_URL is not set (give --env-file)")
    dest = Path(args.dest or os.environ.get("FENGQIAO_BACKUP_DIR") or DEFAULT_BACKUP_DIR)
    # Personal data: the backups are for the service's user and root only.
    os.umask(0o077)
    dest.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    name = f"fengqiao-{now:%Y%m%dT%H%M%SZ}"
    if (dest / name).exists():
        raise Refused(f"{dest / name} exists already (two backups in one second?)")
    # Built under another name and renamed when complete: a folder with the final name
    # is always a whole backup, whatever interrupted a run.
    work = dest / f".partial-{name}"
    work.mkdir()
    # What an interrupted run left (a day old: no run takes that long).
    for stale in dest.glob(".partial-fengqiao-*"):
        if stale != work and time.time() - stale.stat().st_mtime > 24 * 3600:
            shutil.rmtree(stale)

    from common.private_files import clean_name, private_storage

    # One snapshot for everything read from the database: pg_dump dumps the snapshot
    # this transaction exported, and the counts and migrations are read in it too, so
    # the manifest describes exactly the dump even while the portal keeps writing.
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cur.fetchone()
        subprocess.run(  # noqa: S603 - pg_dump from PATH, our own arguments
            [
                program("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={work / 'db.dump'}",
                f"--dbname={libpq_url(url)}",
            ],
            check=True,
        )
        counts = table_counts(cur)
        migrations = applied_migrations(cur)
        cur.execute("COMMIT")
    say(f"database: {sum(counts.values())} rows in {len(counts)} tables dumped")

    # Files after the database: every file a dumped row names was stored before the row
    # was committed, so it is here (files are never overwritten, and deleted only by
    # maintenance). A file stored after the snapshot is copied too, harmlessly unnamed.
    storage = private_storage()
    files = []
    for stored in storage_names(storage):
        if clean_name(stored) != stored:
            say(f"skipped a file whose name leaves the storage: {stored!r}")
            continue
        target = work / "files" / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = storage.open(stored, "rb")
        except FileNotFoundError:
            continue  # removed since listed: /readyz's probe file, say
        with source, open(target, "wb") as out:
            size, digest = copy_measured(source, out)
        files.append({"name": stored, "size": size, "sha256": digest})
    say(f"private storage: {len(files)} files, {sum(f['size'] for f in files)} bytes")

    dump = work / "db.dump"
    manifest = {
        "format": MANIFEST_FORMAT,
        "name": name,
        "created_at": now.isoformat(),
        "host": socket.gethostname(),
        "database": {
            "file": "db.dump",
            "size": dump.stat().st_size,
            "sha256": sha256_of(dump),
            "server_version": server_version,
            "migrations": migrations,
            "tables": counts,
        },
        "storage": {
            "backend": f"{type(storage).__module__}.{type(storage).__name__}",
            "files": files,
        },
    }
    (work / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    work.rename(dest / name)
    say(f"backup {dest / name} written in {time.monotonic() - started:.1f} s")

    keep_daily = args.keep_daily
    if keep_daily is None:
        keep_daily = int(os.environ.get("FENGQIAO_BACKUP_KEEP_DAILY", "14"))
    keep_monthly = args.keep_monthly
    if keep_monthly is None:
        keep_monthly = int(os.environ.get("FENGQIAO_BACKUP_KEEP_MONTHLY", "12"))
    for old in prune(dest, keep_daily, keep_monthly, keep=name):
        say(f"pruned {old}")
    return dest / name


def prune(dest: Path, keep_daily: int, keep_monthly: int, keep: str) -> list[Path]:
    """Keep the newest backup of each of the last ``keep_daily`` days that have one and of
    each of the last ``keep_monthly`` months; remove the other complete backups. Folders
    not named like a backup are never touched."""
    backups = sorted((p for p in dest.iterdir() if NAME.match(p.name)), reverse=True)
    kept_days, kept_months, kept = [], [], {keep}
    for path in backups:
        day = NAME.match(path.name).group(1)
        if day not in kept_days and len(kept_days) < keep_daily:
            kept_days.append(day)
            kept.add(path.name)
        if day[:6] not in kept_months and len(kept_months) < keep_monthly:
            kept_months.append(day[:6])
            kept.add(path.name)
    removed = [path for path in backups if path.name not in kept]
    for path in removed:
        shutil.rmtree(path)
    return removed


# ---------------------------------------------------------------------------
# Restore
# ---------------------------------------------------------------------------


def verify_backup(folder: Path) -> dict:
    """The manifest, once every file it lists is there with its size and checksum."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except FileNotFoundError:
        raise Refused(f"{folder} has no manifest.json: not a complete backup") from None
    if manifest.get("format") != MANIFEST_FORMAT:
        raise Refused(f"manifest format {manifest.get('format')!r} is not {MANIFEST_FORMAT}")
    bad = []
    database = manifest["database"]
    if sha256_of(folder / database["file"]) != database["sha256"]:
        bad.append(database["file"])
    from common.private_files import clean_name

    for entry in manifest["storage"]["files"]:
        if clean_name(entry["name"]) != entry["name"]:
            raise Refused(f"the manifest names a file outside the storage: {entry['name']!r}")
        path = folder / "files" / entry["name"]
        if not path.is_file() or path.stat().st_size != entry["size"]:
            bad.append(f"files/{entry['name']}")
        elif sha256_of(path) != entry["sha256"]:
            bad.append(f"files/{entry['name']}")
    if bad:
        listed = ", ".join(bad[:10]) + (" …" if len(bad) > 10 else "")
        raise Refused(f"{len(bad)} files of the backup are missing or damaged: {listed}")
    return manifest


def restore(args) -> int:
    started = time.monotonic()
    folder = Path(args.backup).resolve()
    url = (
        args.database_url
        or os.environ.get("FENGQIAO_RESTORE_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
    )
    if not url:
        raise Refused("no database to restore into (--database-url or DATABASE_URL)")
    manifest = verify_backup(folder)
    say(
        f"backup {manifest['name']}: checksums of the dump and {len(manifest['storage']['files'])} files verified"
    )

    from common.private_files import private_storage

    storage = private_storage()
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public'"
        )
        relations = cur.fetchone()[0]
        existing = storage_names(storage)
        # Both refusals before anything is changed.
        if relations and not args.force:
            raise Refused(
                f"the database is not empty ({relations} relations in schema public); "
                "restore into a new database, or --force to replace it"
            )
        if existing and not args.force:
            raise Refused(
                f"the private storage is not empty ({len(existing)} files); "
                "restore into an empty one, or --force to replace its files"
            )
        if relations:
            say(f"--force: dropping the {relations} relations of schema public")
            cur.execute("DROP SCHEMA public CASCADE")
            cur.execute("CREATE SCHEMA public")
        for stored in existing:
            storage.delete(stored)

    command = [
        program("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--dbname={libpq_url(url)}",
    ]
    # In parallel for large databases; else in one transaction, all or nothing.
    command += [f"--jobs={args.jobs}"] if args.jobs > 1 else ["--single-transaction"]
    subprocess.run([*command, str(folder / "db.dump")], check=True)  # noqa: S603
    say(f"database restored in {time.monotonic() - started:.1f} s")

    problems = []
    app_role = args.grant_to or os.environ.get("FENGQIAO_APP_DB_ROLE")
    if not app_role:
        app_user = url_user(os.environ.get("DATABASE_URL", ""))
        app_role = app_user if app_user and app_user != url_user(url) else None
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        if app_role:
            # README "Deploying" step 4: the application's role uses the tables, does
            # not own them.
            from psycopg import sql

            role = sql.Identifier(app_role)
            for statement in (
                "GRANT USAGE ON SCHEMA public TO {}",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}",
                "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}",
            ):
                cur.execute(sql.SQL(statement).format(role))
            say(f"granted the tables to {app_role}")
        counts = table_counts(cur)
        if counts != manifest["database"]["tables"]:
            differ = sorted(
                t
                for t in set(counts) | set(manifest["database"]["tables"])
                if counts.get(t) != manifest["database"]["tables"].get(t)
            )
            problems.append(f"row counts differ from the manifest in {', '.join(differ)}")
        if applied_migrations(cur) != manifest["database"]["migrations"]:
            problems.append("the applied migrations differ from the manifest")
        problems += append_only_problems(cur)

    from django.core.files import File

    for entry in manifest["storage"]["files"]:
        with open(folder / "files" / entry["name"], "rb") as handle:
            stored = storage.save(entry["name"], File(handle, name=entry["name"]))
        if stored != entry["name"]:
            problems.append(f"{entry['name']} was stored as {stored}")
            continue
        digest = hashlib.sha256()
        with storage.open(stored, "rb") as handle:
            for chunk in iter(lambda h=handle: h.read(CHUNK), b""):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            problems.append(f"{stored} reads back with another checksum")
    say(f"private storage: {len(manifest['storage']['files'])} files restored and read back")

    for problem in problems:
        say(f"PROBLEM: {problem}")
    if problems:
        return 1
    say(
        f"restore of {manifest['name']} complete and verified in "
        f"{time.monotonic() - started:.1f} s: {sum(counts.values())} rows in "
        f"{len(counts)} tables, audit triggers on"
    )
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/backup_lib.py")
    parser.add_argument("--env-file", help=f"default {DEFAULT_ENV_FILE}")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="back up the database and private storage")
    make.add_argument("--env-file", dest="env_file_", help=f"default {DEFAULT_ENV_FILE}")
    make.add_argument("--dest", help=f"FENGQIAO_BACKUP_DIR, default {DEFAULT_BACKUP_DIR}")
    make.add_argument("--keep-daily", type=int, help="FENGQIAO_BACKUP_KEEP_DAILY, default 14")
    make.add_argument("--keep-monthly", type=int, help="FENGQIAO_BACKUP_KEEP_MONTHLY, default 12")
    make.add_argument("--base", action="store_true", help="a base backup for PITR instead")
    make.add_argument("--keep-base", type=int, help="FENGQIAO_BACKUP_KEEP_BASE, default 2")
    back = commands.add_parser("restore", help="restore a backup into an empty database")
    back.add_argument("--env-file", dest="env_file_", help=f"default {DEFAULT_ENV_FILE}")
    back.add_argument(
        "backup",
        nargs="?",
        help="the backup folder (fengqiao-YYYYmmddTHHMMSSZ); with --until a base backup "
        "(default: the newest finished before that moment)",
    )
    back.add_argument("--until", help="point-in-time: a base backup plus WAL up to this time")
    back.add_argument("--data-dir", help="with --until: the new PostgreSQL data directory")
    back.add_argument("--owner", help="with --until, as root: its owner (default postgres)")
    back.add_argument("--database-url", help="FENGQIAO_RESTORE_DATABASE_URL; the owner role")
    back.add_argument("--grant-to", help="the application's role (default: DATABASE_URL's)")
    back.add_argument("--jobs", type=int, default=1, help="parallel pg_restore jobs")
    back.add_argument("--force", action="store_true", help="replace a non-empty database")
    for command in (make, back):
        command.add_argument("--wal-dir", help=f"FENGQIAO_WAL_ARCHIVE_DIR, default {WAL_DIR}")
    args = parser.parse_args(argv)
    try:
        load_env_file(args.env_file_ or args.env_file)
        # Point-in-time recovery (pitr_lib.py) is PostgreSQL's alone: no Django.
        import pitr_lib

        if args.command == "backup" and args.base:
            pitr_lib.base_backup(args)
            return 0
        if args.command == "restore" and args.until:
            return pitr_lib.restore_until(args)
        if args.command == "restore" and not args.backup:
            parser.error("restore needs the backup folder")
        setup_django()
        if args.command == "backup":
            backup(args)
            return 0
        return restore(args)
    except Refused as refusal:
        print(f"{args.command}: refused: {refusal}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        print(f"failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    # Run as the module pitr_lib imports, so both see one Refused.
    import backup_lib

    sys.exit(backup_lib.main())
