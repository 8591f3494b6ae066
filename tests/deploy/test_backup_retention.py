"""deploy/backup's retention (issue 12): the newest backup of each of the last N days and
the last backup of each of the last M months stay, the others go, and nothing that is
not a complete backup is touched."""

import datetime
import importlib.util
from pathlib import Path

from django.conf import settings

spec = importlib.util.spec_from_file_location(
    "backup_lib", Path(settings.BASE_DIR) / "deploy" / "backup_lib.py"
)
backup_lib = importlib.util.module_from_spec(spec)
spec.loader.exec_module(backup_lib)


def make_daily_backups(dest: Path, first: datetime.date, last: datetime.date) -> None:
    day = first
    while day <= last:
        (dest / f"fengqiao-{day:%Y%m%d}T020000Z").mkdir()
        day += datetime.timedelta(days=1)


def test_the_last_days_and_the_last_backup_of_each_month_are_kept(tmp_path):
    make_daily_backups(tmp_path, datetime.date(2026, 1, 1), datetime.date(2026, 12, 2))
    (tmp_path / "fengqiao-20261202T140000Z").mkdir()  # a second one that day

    removed = backup_lib.prune(tmp_path, 7, 3, keep="fengqiao-20261202T140000Z")

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fengqiao-20261031T020000Z",
        "fengqiao-20261126T020000Z",
        "fengqiao-20261127T020000Z",
        "fengqiao-20261128T020000Z",
        "fengqiao-20261129T020000Z",
        "fengqiao-20261130T020000Z",
        "fengqiao-20261201T020000Z",
        "fengqiao-20261202T140000Z",
    ]
    assert len(removed) == 337 - 8


def test_unfinished_backups_and_other_folders_are_left_alone(tmp_path):
    make_daily_backups(tmp_path, datetime.date(2026, 11, 1), datetime.date(2026, 11, 5))
    (tmp_path / ".partial-fengqiao-20261105T030000Z").mkdir()
    (tmp_path / "kept-by-hand").mkdir()

    backup_lib.prune(tmp_path, 1, 0, keep="fengqiao-20261105T020000Z")

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".partial-fengqiao-20261105T030000Z",
        "fengqiao-20261105T020000Z",
        "kept-by-hand",
    ]
