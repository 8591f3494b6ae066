"""Large exports: the archive report, its Celery task and progress, who may download it,
and what happens when the task is delivered twice or the write fails."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from reports import archive, exporters
from reports.ledger import in_background
from reports.models import GeneratedReport, ReportStatus
from reports.tasks import export_ledger_report
from tests.factories import register_case
from tests.reports.helpers import at, travel


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"
    # Every ledger of more than one row goes to the archive.
    settings.FENGQIAO_EXPORT_SYNC_MAX_ROWS = 1
    return settings.FENGQIAO_PRIVATE_DIR


@pytest.fixture
def cases(world):
    with travel(at(2026, 10, 5)):
        village = [register_case(world.secretary_a, world.village_a) for _ in range(2)]
        grid = register_case(world.secretary_a, world.grid_a)
        town_b = register_case(world.secretary_b, world.village_b)
    return {"village_a": [*village, grid], "town_b": town_b}


def ask(client, user, django_capture_on_commit_callbacks, **data):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("reports:ledger_export"),
            {"area": user.area.code, "month": "2026-10", "format": "xlsx", **data},
        )
    return response, callbacks


def test_a_large_export_is_queued_on_commit_and_made_by_the_task(
    private_dir, client, world, cases, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(export_ledger_report, "delay", lambda *args: sent.append(args))
    response, callbacks = ask(client, world.supervisor_a, django_capture_on_commit_callbacks)

    report = GeneratedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export_detail", args=[report.pk])
    assert report.status == ReportStatus.QUEUED
    assert (report.area, report.requested_by) == (world.town_a, world.supervisor_a)
    assert (report.period_start, report.period_end) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
    )
    assert report.file_name == "月度台账_枫桥镇_2026-10.xlsx"
    assert len(callbacks) == 1 and sent == [(report.pk,)]  # queued once, on commit

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-progress-url="{reverse("reports:export_progress", args=[report.pk])}"' in html
    assert "reports/exports.js" in html
    assert "<script>" not in html and 'style="' not in html

    progress = client.get(reverse("reports:export_progress", args=[report.pk])).json()
    assert (progress["status"], progress["finished"], progress["download_url"]) == (
        "queued",
        False,
        None,
    )

    export_ledger_report.apply(args=[report.pk])

    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    assert report.rows_total == report.rows_done == 3
    assert report.started_at and report.finished_at
    path = Path(private_dir) / report.file_path
    assert path.is_file() and report.size == path.stat().st_size
    assert not list(path.parent.glob(".*.part"))

    progress = client.get(reverse("reports:export_progress", args=[report.pk]))
    assert progress["Cache-Control"] == "no-store"
    data = progress.json()
    assert (data["status"], data["percent"], data["rows_done"], data["finished"]) == (
        "done",
        100,
        3,
        True,
    )
    assert data["download_url"] == reverse("reports:export_download", args=[report.pk])

    download = client.get(data["download_url"])
    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store"
    assert "attachment;" in download["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    numbers = {row[1] for row in workbook["台账"].iter_rows(min_row=3, values_only=True)}
    assert numbers == {case.number for case in cases["village_a"]}


def done_report(world, cases, fmt="csv") -> GeneratedReport:
    report = GeneratedReport.objects.create(
        requested_by=world.supervisor_a,
        area=world.town_a,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        format=fmt,
        file_name=f"月度台账_枫桥镇_2026-10.{fmt}",
    )
    assert archive.run_report(report.pk) is True
    report.refresh_from_db()
    return report


def test_the_archive_lists_and_serves_reports_within_reach_only(client, world, cases):
    report = done_report(world, cases)
    assert report.status == ReportStatus.DONE and report.rows_total == 3

    # The district supervisor reaches town A: listed and downloadable, later, by another user.
    client.force_login(world.supervisor_district)
    listing = client.get(reverse("reports:export_list"))
    assert listing.status_code == 200
    assert list(listing.context["page"].object_list) == [report]
    download = client.get(reverse("reports:export_download", args=[report.pk]))
    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store"
    body = b"".join(download.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert cases["village_a"][0].number.encode() in body
    assert cases["town_b"].number.encode() not in body

    # Town B's secretary does not: not listed, and 404 everywhere, as if it did not exist.
    client.force_login(world.secretary_b)
    assert list(client.get(reverse("reports:export_list")).context["page"].object_list) == []
    for name in ("export_detail", "export_progress", "export_download"):
        assert client.get(reverse(f"reports:{name}", args=[report.pk])).status_code == 404
    # A village secretary of town A does not reach a town-wide report either.
    client.force_login(world.secretary_a)
    assert client.get(reverse("reports:export_download", args=[report.pk])).status_code == 404


def test_a_report_not_finished_has_no_download(client, world, cases):
    report = GeneratedReport.objects.create(
        requested_by=world.supervisor_a,
        area=world.town_a,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        format="xlsx",
    )
    client.force_login(world.supervisor_a)
    assert client.get(reverse("reports:export_download", args=[report.pk])).status_code == 404


def test_a_duplicate_delivery_does_nothing(world, cases, private_dir):
    report = done_report(world, cases)
    finished_at, path = report.finished_at, report.file_path

    assert export_ledger_report.apply(args=[report.pk]).get() is False

    report.refresh_from_db()
    assert (report.status, report.finished_at, report.file_path) == ("done", finished_at, path)
    assert len(list(Path(private_dir).rglob("ledger-*"))) == 1


def test_a_report_claimed_by_a_live_worker_is_left_alone_a_dead_one_is_taken_over(
    world, cases, settings
):
    report = GeneratedReport.objects.create(
        requested_by=world.supervisor_a,
        area=world.town_a,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        format="csv",
        status=ReportStatus.RUNNING,
        started_at=timezone.now(),
    )
    assert archive.run_report(report.pk) is False
    GeneratedReport.objects.filter(pk=report.pk).update(
        started_at=timezone.now()
        - datetime.timedelta(seconds=settings.FENGQIAO_EXPORT_STALE_SECONDS + 1)
    )
    assert archive.run_report(report.pk) is True
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.rows_done == 3


def test_a_failing_write_marks_the_report_failed(client, world, cases, monkeypatch, private_dir):
    def broken(target, area, period, *, progress=None, **kwargs):
        target.write(b"half a file")
        progress(2000)
        raise OSError("No space left on device")

    monkeypatch.setattr(exporters, "write_csv", broken)
    report = GeneratedReport.objects.create(
        requested_by=world.supervisor_a,
        area=world.town_a,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        format="csv",
    )
    export_ledger_report.apply(args=[report.pk])

    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.finished_at is not None
    assert "生成报表时出错" in report.error
    assert "No space" not in report.error  # the log has the details, not the user
    assert report.file_path == ""
    assert not [p for p in Path(private_dir).rglob("*") if p.is_file()]

    client.force_login(world.supervisor_a)
    data = client.get(reverse("reports:export_progress", args=[report.pk])).json()
    assert (data["status"], data["finished"], data["download_url"]) == ("failed", True, None)
    assert "生成报表时出错" in data["error"]
    page = client.get(reverse("reports:export_detail", args=[report.pk])).content.decode()
    assert "生成报表时出错" in page
    assert client.get(reverse("reports:export_download", args=[report.pk])).status_code == 404


def test_progress_is_recorded_once_per_chunk(world, cases, monkeypatch):
    seen = []
    real_write_csv = exporters.write_csv

    def spying(target, area, period, *, progress=None, **kwargs):
        def record(rows_done):
            progress(rows_done)
            seen.append(GeneratedReport.objects.get().rows_done)

        return real_write_csv(target, area, period, progress=record, chunk_size=2)

    monkeypatch.setattr(exporters, "write_csv", spying)
    done_report(world, cases)
    assert seen == [2, 3]


def test_reading_ahead_hands_over_errors_and_stops_when_the_reader_does():
    def numbers():
        yield 1
        yield 2
        raise ValueError("broken read")

    reader = in_background(numbers)
    assert next(reader) == 1 and next(reader) == 2
    with pytest.raises(ValueError, match="broken read"):
        next(reader)

    produced = []

    def endless():
        n = 0
        while True:
            n += 1
            produced.append(n)
            yield n

    reader = in_background(endless, depth=2)
    assert next(reader) == 1
    reader.close()  # joins the thread: it must have stopped
    assert len(produced) <= 4
