"""Every file the portal hands out is ``Cache-Control: no-store``: the download views set
it, and common.middleware.PrivateDownloadsMiddleware sets it on any file response a view
forgot. The inventory test finds every place in the code that builds a file response, so
a new download cannot appear without being checked."""

import ast
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from common.middleware import PrivateDownloadsMiddleware

APPS = ("accounts", "audit", "cases", "config", "grids", "mediators", "notifications", "reports")
FILE_RESPONSE_MARKERS = {"FileResponse", "StreamingHttpResponse", "content_disposition_header"}

# Every function that builds a download, and the test that proves it goes out no-store.
DOWNLOADS_CHECKED = {
    "reports.export_views._download_now": "test_ledger_exports_made_at_once_are_not_stored",
    "reports.export_views._file_response": "test_ledger_exports_made_at_once_are_not_stored",
    "reports.import_views.ledger_import_template": "test_the_import_template_is_not_stored",
    # The archive's download and attachments: tests/reports/test_export_archive.py and
    # tests/cases/test_attachments.py assert Cache-Control: no-store on the response.
    "reports.export_views.export_download": "tests/reports/test_export_archive.py",
    "cases.attachment_views.attachment_download": "tests/cases/test_attachments.py",
    # A printed document (full ID numbers and phones): tests/cases/test_documents_pages.py.
    "cases.document_views.document_pdf": "tests/cases/test_documents_pages.py",
    # The dossier: tests/cases/test_dossier.py asserts Cache-Control: private, no-store.
    "cases.dossier_views.dossier_pdf": "tests/cases/test_dossier.py",
}


def _builds_a_file_response(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id in FILE_RESPONSE_MARKERS:
            return True
        if isinstance(node, ast.Constant) and node.value == "Content-Disposition":
            return True
        if isinstance(node, ast.keyword) and node.arg == "as_attachment":
            return True
    return False


def functions_building_downloads() -> set[str]:
    found = set()
    for app in APPS:
        for path in sorted(Path(settings.BASE_DIR, app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "middleware.py":
                continue
            module = ".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    if _builds_a_file_response(node):
                        found.add(f"{module}.{node.name}")
    return found


def test_every_download_in_the_code_is_checked():
    found = functions_building_downloads()

    unchecked = found - DOWNLOADS_CHECKED.keys()
    assert unchecked == set(), "add a no-store check for these downloads"
    # The inventory is not blind: it finds the downloads known to exist.
    assert "reports.import_views.ledger_import_template" in found


def test_the_import_template_is_not_stored(client, world):
    client.force_login(world.clerk_a)

    response = client.get(reverse("reports:ledger_import_template"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ledger_exports_made_at_once_are_not_stored(client, world, fmt):
    client.force_login(world.secretary_a)

    response = client.get(
        reverse("reports:ledger_export"),
        {"area": world.village_a.code, "month": "2026-10", "format": fmt, "download": "1"},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"


def _through_middleware(path: str, response) -> HttpResponse:
    middleware = PrivateDownloadsMiddleware(lambda request: response)
    return middleware(RequestFactory().get(path))


def test_the_middleware_marks_any_file_response_a_view_left_cacheable():
    unnamed_file = FileResponse(io.BytesIO(b"%PDF-1.4"), content_type="application/pdf")
    streamed = StreamingHttpResponse(iter([b"a,b\n"]), content_type="text/csv")
    attachment = HttpResponse(b"x", headers={"Content-Disposition": 'attachment; filename="x"'})
    attachment["Cache-Control"] = "max-age=3600, public"

    for response in (unnamed_file, streamed, attachment):
        assert (
            _through_middleware("/cases/attachments/1/download/", response)["Cache-Control"]
            == "no-store"
        )


def test_the_middleware_leaves_pages_static_assets_and_stricter_headers_alone():
    page = HttpResponse(b"<html></html>")
    assert not _through_middleware("/cases/", page).has_header("Cache-Control")

    static_asset = FileResponse(io.BytesIO(b"body{}"), filename="portal.css")
    static_path = f"/{settings.STATIC_URL.strip('/')}/css/portal.css"
    assert not _through_middleware(static_path, static_asset).has_header("Cache-Control")

    stricter = FileResponse(io.BytesIO(b"x"), filename="a.pdf")
    stricter["Cache-Control"] = "private, no-store"
    assert _through_middleware("/reports/x/", stricter)["Cache-Control"] == "private, no-store"


def test_the_middleware_is_installed():
    assert "common.middleware.PrivateDownloadsMiddleware" in settings.MIDDLEWARE
