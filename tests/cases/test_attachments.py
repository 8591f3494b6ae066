"""Attachments (issue 6): scanned agreements and photos are checked by content, stored
under the private folder, served only to those who may see the case, and never deleted."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import attachments, services
from cases.models import Attachment, AttachmentKind, CaseEvent, EventKind, Grade
from tests.factories import register_case

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 64 + b"\xff\xd9"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"
    return settings.FENGQIAO_PRIVATE_DIR


@pytest.fixture
def case(world):
    return register_case(world.secretary_a)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, case, name: str, content: bytes, kind=AttachmentKind.PHOTO, **extra):
    return client.post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content), **extra},
    )


def add(case, by, name="协议.pdf", content=PDF_BYTES, kind=AttachmentKind.AGREEMENT_SCAN):
    return attachments.attachment_add(
        case=case, by=by, upload=SimpleUploadedFile(name, content), kind=kind
    )


# ---------------------------------------------------------------------------
# Accepted files
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("调解协议书 第1页.PDF", PDF_BYTES, "application/pdf"),
        ("现场.jpeg", JPEG_BYTES, "image/jpeg"),
        ("院墙.png", PNG_BYTES, "image/png"),
    ],
)
def test_a_pdf_jpeg_or_png_is_stored_under_the_private_root(
    client, world, case, private_root, name, content, content_type
):
    client.force_login(world.secretary_a)

    response = upload(client, case, name, content, description="东侧院墙")

    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    path = Path(private_root) / attachment.stored_name
    assert stored_files(private_root) == [path]
    assert path.parent == Path(private_root) / "attachments" / str(case.pk)
    # A generated name: nothing the user typed ends up in the path.
    assert name.rsplit(".", 1)[0] not in attachment.stored_name
    assert path.read_bytes() == content
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size == len(content)
    assert attachment.content_type == content_type
    assert attachment.original_name == name.rsplit(".", 1)[0] + "." + name.rsplit(".", 1)[1].lower()
    assert (attachment.kind, attachment.description) == (AttachmentKind.PHOTO, "东侧院墙")
    assert attachment.uploaded_by == world.secretary_a
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ATTACHMENT_ADDED).count() == 1


# ---------------------------------------------------------------------------
# Refused files: a message, nothing stored
# ---------------------------------------------------------------------------

REFUSED = [
    pytest.param(
        "照片.jpg",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,
        "“照片.jpg”的内容不是 JPEG 文件,与扩展名不符;只能上传 PDF、JPG 或 PNG 文件。",
        id="exe-renamed-jpg",
    ),
    pytest.param(
        "协议.pdf",
        b"<html><script>alert(1)</script></html>",
        "“协议.pdf”的内容不是 PDF 文件,与扩展名不符;只能上传 PDF、JPG 或 PNG 文件。",
        id="html-renamed-pdf",
    ),
    pytest.param(
        "现场.png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "“现场.png”的内容不是 PNG 文件,与扩展名不符;只能上传 PDF、JPG 或 PNG 文件。",
        id="svg-renamed-png",
    ),
    pytest.param(
        "现场.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        "“现场.svg”不是可以上传的文件:只能上传 PDF、JPG 或 PNG 文件。",
        id="svg",
    ),
    pytest.param(
        "说明.html",
        b"<html></html>",
        "“说明.html”不是可以上传的文件:只能上传 PDF、JPG 或 PNG 文件。",
        id="html",
    ),
    pytest.param(
        "现场.jpg",
        PNG_BYTES,
        "“现场.jpg”的内容是 PNG 文件,与扩展名不符,请改正扩展名后重新上传。",
        id="png-named-jpg",
    ),
    pytest.param("空.pdf", b"", "“空.pdf”是空文件,请重新选择。", id="empty"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_a_refused_file_gets_a_message_and_nothing_is_stored(
    client, world, case, private_root, name, content, message
):
    client.force_login(world.secretary_a)
    events_before = CaseEvent.objects.count()

    response = upload(client, case, name, content, kind=AttachmentKind.OTHER, description="补充")

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []
    assert CaseEvent.objects.count() == events_before
    # What the user chose is still on the form.
    form = response.context["form"]
    assert (form["kind"].value(), form["description"].value()) == ("other", "补充")


def test_a_file_over_the_limit_is_refused(client, world, case, private_root, settings):
    settings.FENGQIAO_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(world.secretary_a)

    response = upload(client, case, "大照片.png", PNG_BYTES + b"\x00" * 1024)

    # filesizeformat puts a no-break space between number and unit.
    message = "“大照片.png”太大(1.1\xa0KB),每个附件不能超过 1.0\xa0KB。"
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_a_failure_after_the_file_is_written_leaves_no_file(world, case, private_root, monkeypatch):
    def broken_record(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(attachments, "record_event", broken_record)

    with pytest.raises(RuntimeError):
        add(case, world.secretary_a)

    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_file_names_are_cleaned_for_display_and_download():
    assert attachments.clean_file_name("../../etc/协议.PDF") == "协议.pdf"
    assert attachments.clean_file_name("C:\\scan\\a<b>.pdf") == "ab.pdf"
    # A right-to-left override would show "gnp.exe" as "exe.png".
    assert attachments.clean_file_name("photo\u202egnp.exe.jpg") == "photognp.exe.jpg"
    assert attachments.clean_file_name(".pdf") == "附件.pdf"


# ---------------------------------------------------------------------------
# Who may upload and download
# ---------------------------------------------------------------------------


def test_download_gives_the_bytes_as_an_attachment_with_private_headers(client, world, case):
    attachment = add(case, world.secretary_a, name="调解协议书.pdf")
    client.force_login(world.supervisor_a)

    response = client.get(reverse("cases:attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E8%B0%83%E8%A7%A3" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert "sandbox" in response["Content-Security-Policy"]


def test_another_village_gets_404_for_download_upload_and_void(client, world, case, private_root):
    attachment = add(case, world.secretary_a)
    files_before = stored_files(private_root)
    client.force_login(world.secretary_b)

    download = client.get(reverse("cases:attachment_download", args=[attachment.pk]))
    upload_page = client.get(reverse("cases:attachment_upload", args=[case.pk]))
    upload_post = upload(client, case, "现场.png", PNG_BYTES)
    void = client.post(reverse("cases:attachment_void", args=[attachment.pk]), {"reason": "x"})

    assert [r.status_code for r in (download, upload_page, upload_post, void)] == [404] * 4
    assert Attachment.objects.count() == 1
    assert stored_files(private_root) == files_before
    assert not Attachment.objects.get().is_voided


def test_the_service_refuses_a_case_out_of_reach_and_a_role_that_does_not_record(world, case):
    with pytest.raises(PermissionDenied):
        add(case, world.secretary_b)
    with pytest.raises(PermissionDenied):
        add(case, world.supervisor_a)

    assert not Attachment.objects.exists()


def test_a_grid_member_attaches_only_while_the_case_sits_at_grid_level(world):
    on_the_spot = register_case(world.grid_member_a, grade=Grade.BLUE)
    village_level = register_case(world.grid_member_a, grade=Grade.YELLOW)

    add(on_the_spot, world.grid_member_a, name="现场.png", content=PNG_BYTES)
    with pytest.raises(PermissionDenied):
        add(village_level, world.grid_member_a, name="现场.png", content=PNG_BYTES)

    assert list(Attachment.objects.values_list("case", flat=True)) == [on_the_spot.pk]


def test_a_supervisor_sees_the_list_but_gets_no_upload_form(client, world, case):
    add(case, world.secretary_a, name="协议.pdf")
    client.force_login(world.supervisor_a)

    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    upload_page = client.get(reverse("cases:attachment_upload", args=[case.pk]))

    assert "协议.pdf" in page
    assert reverse("cases:attachment_upload", args=[case.pk]) not in page
    assert upload_page.status_code == 403


def test_the_case_page_lists_attachments_and_offers_the_upload_form(client, world, case):
    attachment = add(case, world.secretary_a, name="协议.pdf")
    client.force_login(world.secretary_a)

    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    assert reverse("cases:attachment_download", args=[attachment.pk]) in page
    assert "调解协议书扫描件" in page
    assert 'enctype="multipart/form-data"' in page
    assert reverse("cases:attachment_upload", args=[case.pk]) in page
    assert reverse("cases:attachment_void", args=[attachment.pk]) in page


def test_a_voided_case_takes_no_attachments(world, case):
    services.case_void(case=case, by=world.secretary_a, reason="重复登记")

    with pytest.raises(ValidationError) as refused:
        add(case, world.secretary_a)

    assert refused.value.messages == ["案件已作废,不能再上传或作废附件。"]
    assert not Attachment.objects.exists()


# ---------------------------------------------------------------------------
# Voiding: hidden, kept
# ---------------------------------------------------------------------------


def test_voiding_hides_the_attachment_and_keeps_the_row_and_the_file(
    client, world, case, private_root
):
    attachment = add(case, world.secretary_a, name="拍错了.pdf")
    path = Path(private_root) / attachment.stored_name
    client.force_login(world.secretary_a)

    response = client.post(
        reverse("cases:attachment_void", args=[attachment.pk]), {"reason": "拍错了案件"}
    )

    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.is_voided
    assert (attachment.void_reason, attachment.voided_by) == ("拍错了案件", world.secretary_a)
    assert path.read_bytes() == PDF_BYTES
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:attachment_download", args=[attachment.pk]) not in page
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ATTACHMENT_VOIDED).count() == 1


def test_voiding_needs_a_reason(client, world, case):
    attachment = add(case, world.secretary_a)
    client.force_login(world.secretary_a)

    response = client.post(reverse("cases:attachment_void", args=[attachment.pk]), {"reason": " "})

    assert response.status_code == 200
    assert not Attachment.objects.get(pk=attachment.pk).is_voided


# ---------------------------------------------------------------------------
# Nothing reaches the files but the download page
# ---------------------------------------------------------------------------


def test_guessed_urls_do_not_serve_stored_files(client, world, case):
    attachment = add(case, world.secretary_a)
    client.force_login(world.secretary_a)

    for prefix in ("/media/", "/static/", "/var/private/", "/private/", "/"):
        assert client.get(prefix + attachment.stored_name).status_code == 404, prefix


def test_the_default_private_root_is_outside_every_served_folder():
    default = (Path(django_settings.BASE_DIR) / "var" / "private").resolve()
    served = [Path(django_settings.STATIC_ROOT), *map(Path, django_settings.STATICFILES_DIRS)]

    assert not any(default.is_relative_to(folder.resolve()) for folder in served)
    assert not getattr(django_settings, "MEDIA_ROOT", "")


def test_a_row_pointing_outside_the_private_root_is_not_served(client, world, case):
    attachment = add(case, world.secretary_a)
    Attachment.objects.filter(pk=attachment.pk).update(stored_name="../../../../etc/passwd")
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:attachment_download", args=[attachment.pk]))

    assert response.status_code == 404
