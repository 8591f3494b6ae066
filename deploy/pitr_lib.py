"""Point-in-time recovery: base backups (``deploy/backup --base``) and a restore that
replays the archived WAL up to a moment (``deploy/restore --until``). README "Backups".

The nightly dump (backup_lib.py) loses what was written since the night before. With
WAL archiving on (deploy/archive-wal as PostgreSQL's archive_command), every change is
copied to FENGQIAO_WAL_ARCHIVE_DIR/wal/ as soon as its segment is full (or after
archive_timeout), and a base backup plus the WAL since gives the database back as it was
at any moment after that base backup.

A base backup folder, FENGQIAO_BACKUP_DIR/base/fengqiao-base-YYYYmmddTHHMMSSZ/, holds
  base.tar.gz      the data directory (pg_basebackup --format=tar)
  pg_wal.tar.gz    the WAL written while it was taken, so it is consistent by itself
  backup_manifest  PostgreSQL's manifest: every data file's size and SHA-256
  base.json        when it began and finished, the first WAL segment it needs, and the
                   SHA-256 of the three files above

Neither command needs Django: they run as whichever user holds the folders.
"""

import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

from backup_lib import (
    DEFAULT_BACKUP_DIR,
    WAL_DIR,
    Refused,
    libpq_url,
    program,
    say,
    sha256_of,
)

BASE_NAME = re.compile(r"^fengqiao-base-\d{8}T\d{6}Z$")
SEGMENT = re.compile(r"^[0-9A-F]{24}$")
# What deploy/archive-wal stores: segments, partial segments, backup history files.
ARCHIVED_SEGMENT = re.compile(r"^([0-9A-F]{24})(\.partial|\.[0-9A-F]{8}\.backup)?$")
BASE_FILES = ("base.tar.gz", "pg_wal.tar.gz", "backup_manifest")
BASE_FORMAT = 1


def base_folder() -> Path:
    return Path(os.environ.get("FENGQIAO_BACKUP_DIR") or DEFAULT_BACKUP_DIR) / "base"


def wal_folder(given: str | None) -> Path:
    return Path(given or os.environ.get("FENGQIAO_WAL_ARCHIVE_DIR") or WAL_DIR)


def server_program(name: str, version: str | None = None) -> str:
    """A PostgreSQL server-side program (Debian keeps them out of PATH), of the server's
    major version when given."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if version:
        candidates = [c for c in candidates if c.parts[-3] == version] or candidates
    found = shutil.which(name) if not candidates else str(candidates[0])
    if not found:
        raise Refused(f"{name} is not installed (apt install postgresql)")
    return found


# ---------------------------------------------------------------------------
# Base backup
# ---------------------------------------------------------------------------


def base_backup(args) -> Path:
    started = time.monotonic()
    url = os.environ.get("FENGQIAO_BASEBACKUP_DATABASE_URL")
    if not url:
        raise Refused(
            "FENGQIAO_BASEBACKUP_DATABASE_URL is not set: a role with REPLICATION "
            '(README "Backups", point-in-time recovery)'
        )
    dest = Path(args.dest) / "base" if args.dest else base_folder()
    os.umask(0o077)
    dest.mkdir(parents=True, exist_ok=True)
    began = datetime.datetime.now(datetime.UTC)
    name = f"fengqiao-base-{began:%Y%m%dT%H%M%SZ}"
    if (dest / name).exists():
        raise Refused(f"{dest / name} exists already (two base backups in one second?)")
    work = dest / f".partial-{name}"
    subprocess.run(  # noqa: S603 - pg_basebackup from PATH, our own arguments
        [
            program("pg_basebackup"),
            f"--dbname={libpq_url(url)}",
            f"--pgdata={work}",
            "--format=tar",
            "--gzip",
            "--wal-method=stream",
            "--checkpoint=fast",
            f"--label={name}",
            "--manifest-checksums=SHA256",
            "--no-password",
        ],
        check=True,
    )
    finished = datetime.datetime.now(datetime.UTC)
    with tarfile.open(work / "pg_wal.tar.gz") as wal:
        segments = sorted(n for n in wal.getnames() if SEGMENT.match(Path(n).name))
    if not segments:
        raise Refused(f"{work}/pg_wal.tar.gz holds no WAL segment")
    description = {
        "format": BASE_FORMAT,
        "name": name,
        "began_at": began.isoformat(),
        "finished_at": finished.isoformat(),
        "start_wal": Path(segments[0]).name,
        "files": {
            file: {"size": (work / file).stat().st_size, "sha256": sha256_of(work / file)}
            for file in BASE_FILES
        },
    }
    (work / "base.json").write_text(json.dumps(description, indent=1))
    work.rename(dest / name)
    say(f"base backup {dest / name} written in {time.monotonic() - started:.1f} s")

    keep = args.keep_base
    if keep is None:
        keep = int(os.environ.get("FENGQIAO_BACKUP_KEEP_BASE", "2"))
    for old in prune_bases(dest, keep, wal_folder(args.wal_dir) / "wal"):
        say(f"pruned {old}")
    return dest / name


def prune_bases(dest: Path, keep: int, wal_dir: Path) -> list[Path]:
    """Keep the ``keep`` newest base backups (at least one), and the archived WAL from the
    oldest of them on; remove older base backups and WAL no kept base backup needs.
    Timeline history files are kept: they are small and recovery reads them."""
    bases = sorted((p for p in dest.iterdir() if BASE_NAME.match(p.name)), reverse=True)
    kept, removed = bases[: max(keep, 1)], bases[max(keep, 1) :]
    for path in removed:
        shutil.rmtree(path)
    if not kept or not wal_dir.is_dir():
        return removed
    oldest = json.loads((kept[-1] / "base.json").read_text())["start_wal"]
    if not os.access(wal_dir, os.W_OK):
        say(f"{wal_dir} is not writable here: WAL before {oldest} is left for its owner")
        return removed
    for path in sorted(wal_dir.iterdir()):
        match = ARCHIVED_SEGMENT.match(path.name)
        # The timeline is the first 8 digits: a segment is older by its last 16.
        if match and match.group(1)[8:] < oldest[8:]:
            path.unlink()
            removed.append(path)
    return removed


# ---------------------------------------------------------------------------
# Restore to a moment
# ---------------------------------------------------------------------------


def target_time(text: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"--until {text!r} is not a time like 2026-12-02T14:30:00+08:00") from None
    if moment.tzinfo is None:
        raise Refused(f"--until {text!r} has no time zone: write +08:00 (or Z) after it")
    return moment


def verified_base(folder: Path) -> dict:
    try:
        description = json.loads((folder / "base.json").read_text())
    except FileNotFoundError:
        raise Refused(f"{folder} has no base.json: not a complete base backup") from None
    if description.get("format") != BASE_FORMAT:
        raise Refused(f"base.json format {description.get('format')!r} is not {BASE_FORMAT}")
    bad = [
        file
        for file, expected in description["files"].items()
        if not (folder / file).is_file() or sha256_of(folder / file) != expected["sha256"]
    ]
    if bad:
        raise Refused(f"files of the base backup are missing or damaged: {', '.join(bad)}")
    return description


def base_for(moment: datetime.datetime, given: str | None) -> Path:
    """The given base backup, or the newest one finished before ``moment``."""
    if given:
        folders = [Path(given).resolve()]
    else:
        folders = sorted(
            (p for p in base_folder().glob("fengqiao-base-*") if BASE_NAME.match(p.name)),
            reverse=True,
        )
    for folder in folders:
        description = json.loads((folder / "base.json").read_text())
        if datetime.datetime.fromisoformat(description["finished_at"]) <= moment:
            return folder
    raise Refused(
        f"no base backup finished before {moment.isoformat()} "
        f"(looked at {', '.join(str(f) for f in folders) or base_folder()})"
    )


def conf_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def restore_until(args) -> int:
    started = time.monotonic()
    moment = target_time(args.until)
    if not args.data_dir:
        raise Refused("--until needs --data-dir: the new data directory to restore into")
    data = Path(args.data_dir).resolve()
    if data.exists() and any(data.iterdir()):
        raise Refused(f"{data} is not empty: restore into a new data directory")
    wal_dir = wal_folder(args.wal_dir) / "wal"
    if not wal_dir.is_dir():
        raise Refused(f"no WAL archive at {wal_dir} (--wal-dir, FENGQIAO_WAL_ARCHIVE_DIR)")
    if any(c in str(wal_dir) for c in "%\n"):
        raise Refused(f"{wal_dir}: a WAL archive path with % or a line break cannot be used")
    folder = base_for(moment, args.backup)
    description = verified_base(folder)
    say(f"base backup {description['name']}: checksums verified")

    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    data.chmod(0o700)
    tar = program("tar")
    subprocess.run([tar, "-xzf", str(folder / "base.tar.gz"), "-C", str(data)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603 - tar from PATH, our own files
        [tar, "-xzf", str(folder / "pg_wal.tar.gz"), "-C", str(data / "pg_wal")], check=True
    )
    version = (data / "PG_VERSION").read_text().strip()
    subprocess.run(  # noqa: S603 - PostgreSQL's own checker
        [
            server_program("pg_verifybackup", version),
            "--quiet",
            f"--manifest-path={folder / 'backup_manifest'}",
            str(data),
        ],
        check=True,
    )
    say(f"data directory {data}: every file checked against the backup's manifest")

    # Recovery: fetch each segment from the archive, stop at the first commit after the
    # moment, then open for writing on a new timeline.
    with open(data / "postgresql.auto.conf", "a") as conf:
        conf.write(
            f"\n# deploy/restore --until {moment.isoformat()} from {description['name']}\n"
            f"restore_command = {conf_string(f'cp {shlex.quote(str(wal_dir))}/%f %p')}\n"
            f"recovery_target_time = {conf_string(moment.isoformat())}\n"
            "recovery_target_action = 'promote'\n"
        )
    (data / "recovery.signal").touch()
    if os.geteuid() == 0:
        owner = args.owner or "postgres"
        for path in [data, *data.rglob("*")]:
            shutil.chown(path, owner, owner)
        say(f"data directory given to {owner}")
    say(
        f"prepared in {time.monotonic() - started:.1f} s. Start PostgreSQL on {data}: it "
        f"replays the archived WAL up to {moment.isoformat()} and then opens; if the "
        "archive does not reach that moment it stops with 'recovery ended before "
        "configured recovery target was reached'."
    )
    return 0
