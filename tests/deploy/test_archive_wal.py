"""deploy/archive-wal, PostgreSQL's archive_command (issue 12, point-in-time recovery): a
segment lands whole under its own name, archiving it again is harmless, and a different
file of the same name is never overwritten. deploy/backup --base's retention keeps the
WAL its oldest kept base backup needs. No PostgreSQL needed (see test_pitr_drill.py)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"
SEGMENT = "000000010000000000000003"

sys.path.insert(0, str(DEPLOY))  # pitr_lib imports backup_lib as the scripts run it
spec = importlib.util.spec_from_file_location("pitr_lib", DEPLOY / "pitr_lib.py")
pitr_lib = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pitr_lib)
sys.path.remove(str(DEPLOY))


def archive(path: Path, name: str, archive_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [str(DEPLOY / "archive-wal"), str(path), name, str(archive_dir)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_segment_is_archived_whole_under_its_name_and_again_without_harm(tmp_path):
    segment = tmp_path / "pg_wal" / SEGMENT
    segment.parent.mkdir()
    segment.write_bytes(os.urandom(64 * 1024))

    first = archive(segment, SEGMENT, tmp_path / "archive")
    again = archive(segment, SEGMENT, tmp_path / "archive")

    assert (first.returncode, again.returncode) == (0, 0), (first.stderr, again.stderr)
    assert os.listdir(tmp_path / "archive" / "wal") == [SEGMENT]
    assert (tmp_path / "archive" / "wal" / SEGMENT).read_bytes() == segment.read_bytes()


def test_a_different_file_under_an_archived_name_is_refused_and_the_first_kept(tmp_path):
    first, other = tmp_path / "first", tmp_path / "other"
    first.write_bytes(b"the first cluster's segment")
    other.write_bytes(b"another cluster's segment of the same name")
    assert archive(first, SEGMENT, tmp_path / "archive").returncode == 0

    refused = archive(other, SEGMENT, tmp_path / "archive")

    assert refused.returncode == 1
    assert "exists with other content" in refused.stderr
    assert (tmp_path / "archive" / "wal" / SEGMENT).read_bytes() == first.read_bytes()
    assert os.listdir(tmp_path / "archive" / "wal") == [SEGMENT]


def test_a_name_postgresql_would_not_give_is_refused_before_anything_is_written(tmp_path):
    source = tmp_path / "source"
    source.write_bytes(b"x")

    for name in ("../escape", "00000001.history/..", "postgresql.conf", ""):
        refused = archive(source, name, tmp_path / "archive")
        assert refused.returncode == 2, name
    assert not (tmp_path / "archive").exists()
    for name in ("00000002.history", f"{SEGMENT}.00000028.backup", f"{SEGMENT}.partial"):
        assert archive(source, name, tmp_path / "archive").returncode == 0, name


def test_base_backup_retention_keeps_the_newest_and_the_wal_the_oldest_kept_one_needs(tmp_path):
    bases, wal = tmp_path / "base", tmp_path / "wal"
    for day, start in (("01", "05"), ("02", "0A"), ("03", "10")):
        folder = bases / f"fengqiao-base-202612{day}T023000Z"
        folder.mkdir(parents=True)
        (folder / "base.json").write_text(
            json.dumps({"start_wal": f"0000000100000000000000{start}"})
        )
    (bases / "notes").mkdir()
    wal.mkdir()
    names = [
        "000000010000000000000004",
        "000000010000000000000005.00000028.backup",
        "000000010000000000000009",
        "00000001000000000000000A",
        "00000002000000000000000B.partial",
        "00000002.history",
    ]
    for name in names:
        (wal / name).write_bytes(b"wal")

    removed = pitr_lib.prune_bases(bases, 2, wal)

    assert sorted(p.name for p in bases.iterdir()) == [
        "fengqiao-base-20261202T023000Z",
        "fengqiao-base-20261203T023000Z",
        "notes",
    ]
    assert sorted(p.name for p in wal.iterdir()) == sorted(names[3:])
    assert len(removed) == 4
