"""Private files through the storage API (issue 12): the same attachments and exports on
this machine's folder and on an S3-compatible object store that every node shares (a
real S3 server, moto's, started here); never a public URL, downloads through the views."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Attachment
from common import private_files
from reports.models import GeneratedReport, ReportStatus
from reports.tasks import export_ledger_report
from tests.factories import register_case

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BUCKET = "fengqiao-private"
KEYS = {"FENGQIAO_S3_ACCESS_KEY": "testing", "FENGQIAO_S3_SECRET_KEY": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3-compatible server on a loopback port, for the whole run."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own venv's moto_server
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.1)
    try:
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def s3_client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


@pytest.fixture(params=["folder", "s3"])
def private_storage(request, settings, tmp_path):
    """The private storage, as each deployment configures it."""
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"
    if request.param == "folder":
        settings.STORAGES = {
            **settings.STORAGES,
            "private": {"BACKEND": "common.private_files.PrivateFolderStorage"},
        }
        return request.param, None
    endpoint = request.getfixturevalue("s3_server")
    client = s3_client(endpoint)
    bucket = f"{BUCKET}-{time.monotonic_ns()}"
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "default_acl": "private",
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    return request.param, (client, bucket)


def stored_objects(private_storage, settings) -> list[str]:
    kind, s3 = private_storage
    if kind == "folder":
        root = Path(settings.FENGQIAO_PRIVATE_DIR)
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    client, bucket = s3
    listing = client.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_an_attachment_is_stored_and_served_back_through_the_case_page(
    client, world, private_storage, settings
):
    case = register_case(world.secretary_a)
    client.force_login(world.secretary_a)

    upload = client.post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"kind": "other", "file": SimpleUploadedFile("调解协议书.pdf", PDF_BYTES)},
    )
    attachment = Attachment.objects.get()
    download = client.get(reverse("cases:attachment_download", args=[attachment.pk]))

    assert upload.status_code == 302
    assert stored_objects(private_storage, settings) == [attachment.stored_name]
    assert attachment.stored_name.startswith(f"attachments/{case.pk}/")
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Cache-Control"] == "no-store"


def test_another_village_gets_404_and_not_the_file(client, world, private_storage):
    case = register_case(world.secretary_a)
    private_files.save_private("attachments/x.pdf", SimpleUploadedFile("x.pdf", PDF_BYTES))
    attachment = Attachment.objects.create(
        case=case,
        kind="other",
        original_name="x.pdf",
        stored_name="attachments/x.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
        uploaded_by=world.secretary_a,
    )
    client.force_login(world.secretary_b)

    response = client.get(reverse("cases:attachment_download", args=[attachment.pk]))

    assert response.status_code == 404


def test_a_background_export_is_stored_by_the_worker_and_downloaded_through_the_archive(
    client, world, private_storage, settings
):
    register_case(world.secretary_a)
    report = GeneratedReport.objects.create(
        requested_by=world.supervisor_a,
        area=world.town_a,
        period_start=timezone.localdate().replace(day=1),
        period_end=timezone.localdate(),
        format="csv",
    )

    export_ledger_report.apply(args=[report.pk])
    report.refresh_from_db()
    client.force_login(world.supervisor_a)
    download = client.get(reverse("reports:export_download", args=[report.pk]))

    assert report.status == ReportStatus.DONE
    assert stored_objects(private_storage, settings) == [report.file_path]
    body = b"".join(download.streaming_content)
    assert len(body) == report.size > 0
    assert world.village_a.name.encode() in body


def test_a_name_outside_the_storage_opens_nothing(private_storage):
    assert private_files.open_private("../settings.py") is None
    assert private_files.open_private("/etc/passwd") is None
    assert private_files.open_private("attachments/none.pdf") is None


def test_objects_in_the_store_are_private(world, private_storage):
    kind, s3 = private_storage
    name, size, _sha = private_files.save_private(
        "attachments/acl.pdf", SimpleUploadedFile("acl.pdf", PDF_BYTES)
    )

    assert size == len(PDF_BYTES)
    if kind == "folder":
        with pytest.raises(ValueError, match="no URL"):
            private_files.private_storage().url(name)
    else:
        client, bucket = s3
        grants = client.get_object_acl(Bucket=bucket, Key=name)["Grants"]
        assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers grant
        url = private_files.private_storage().url(name)
        assert "X-Amz-Expires=" in url and "X-Amz-Signature=" in url


def test_readyz_reports_an_object_store_it_cannot_reach(client, db, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": f"http://127.0.0.1:{_free_port()}",
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
            },
        },
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["private_storage"]
