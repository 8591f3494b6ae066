"""The inspection's list of crossed-off cases with incomplete dossiers, and the annual
filing (归档): a ZIP of a dossier PDF per closed case of a committee's year plus an index
workbook, made by the export task with progress and kept like a large export."""

import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from mediators.models import Organisation
from reports import archive
from reports.models import GeneratedReport, ReportFormat, ReportStatus
from tests.cases.documents_pdf import read, text_of
from tests.cases.dossier_helpers import closed_case
from tests.web.helpers import html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"


def committee(world):
    return Organisation.objects.get(name=f"{world.village_a.name}人民调解委员会")


def test_the_inspection_lists_closed_cases_lacking_a_required_document_within_reach(world, client):
    lacking = closed_case(world, sessions=1, files=False, rights=False)
    complete = closed_case(world, sessions=1, files=False)
    url = reverse("reports:dossier_incomplete")
    month = timezone.localdate().strftime("%Y-%m")

    client.force_login(world.secretary_a)
    page = html(client.get(url, {"committee": committee(world).pk, "month": month}))
    assert lacking.number in page
    assert "未记录告知日期" in page
    assert complete.number not in page
    assert url in html(client.get(reverse("reports:index")))

    client.force_login(world.secretary_b)
    assert lacking.number not in html(client.get(url))
    assert client.get(url, {"committee": committee(world).pk}).status_code == 404


def test_the_annual_filing_holds_a_dossier_per_closed_case_and_the_index(
    world, client, django_capture_on_commit_callbacks
):
    cases = [closed_case(world, sessions=1, files=False) for _ in range(2)]
    year = timezone.localdate().year
    client.force_login(world.secretary_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("reports:dossier_filing"), {"committee": committee(world).pk, "year": year}
        )
    report = GeneratedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export_detail", args=[report.pk])
    assert report.format == ReportFormat.ZIP and len(callbacks) == 1

    assert archive.run_report(report.pk) is True
    # A duplicate delivery finds it claimed and does nothing.
    assert archive.run_report(report.pk) is False
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    assert (report.rows_done, report.rows_total) == (2, 2)

    download = client.get(reverse("reports:export_download", args=[report.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as zipped:
        names = set(zipped.namelist())
        assert names == {f"{case.number}.pdf" for case in cases} | {"卷宗目录.xlsx"}
        for case in cases:
            pdf = zipped.read(f"{case.number}.pdf")
            assert case.number in text_of(pdf)
            assert len(read(pdf).pages) >= 8
        sheet = openpyxl.load_workbook(io.BytesIO(zipped.read("卷宗目录.xlsx"))).active
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {row[1] for row in rows} == {case.number for case in cases}
    assert all(row[6].endswith(".pdf") and row[7] >= 8 for row in rows)

    client.force_login(world.secretary_b)
    assert client.get(reverse("reports:export_download", args=[report.pk])).status_code == 404
    response = client.post(
        reverse("reports:dossier_filing"), {"committee": committee(world).pk, "year": year}
    )
    assert response.status_code == 404


def test_a_supervisor_who_may_not_print_cannot_ask_for_a_filing(world, client):
    client.force_login(world.supervisor_a)
    assert client.get(reverse("reports:dossier_filing")).status_code == 403
