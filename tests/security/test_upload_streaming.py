"""An oversized upload is refused while it streams in (issue 12, finding 4): the portal
stops reading at the limit, answers 413 in the user's language and stores nothing."""

import io

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from cases.models import Attachment, AttachmentKind
from tests.factories import register_case

MB = 1024 * 1024


class CountingInput(io.BytesIO):
    """The request body as the server hands it over, remembering how much was read."""

    def __init__(self, body: bytes):
        super().__init__(body)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


@pytest.fixture
def limits(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"
    settings.FENGQIAO_ATTACHMENT_MAX_BYTES = 1 * MB
    settings.FENGQIAO_IMPORT_MAX_BYTES = 1 * MB
    return settings


def post_through_the_server(client, user, path: str, body: bytes, language="zh-hans"):
    """Drive Django's WSGI handler as gunicorn would, with a body stream we can watch."""
    client.force_login(user)
    stream = CountingInput(body)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": MULTIPART_CONTENT,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": client.cookies.output(header="", sep=";").strip(),
        "HTTP_ACCEPT_LANGUAGE": language,
        "REMOTE_ADDR": "127.0.0.1",
    }
    captured = {}

    def start_response(status, headers):
        captured["status"] = int(status.split()[0])

    # As Django's test client does: the server's end-of-request hook would close the
    # connection the test's transaction is running on.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(WSGIHandler()(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return captured["status"], content.decode(), stream


def photo_of(size: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8)


def test_a_photo_far_over_the_limit_is_refused_before_it_is_received_whole(client, world, limits):
    case = register_case(world.secretary_a)
    body = encode_multipart(
        BOUNDARY, {"kind": AttachmentKind.PHOTO, "file": io.BytesIO(photo_of(8 * MB))}
    )
    path = reverse("cases:attachment_upload", args=[case.pk])

    status, page, stream = post_through_the_server(client, world.secretary_a, path, body)

    assert status == 413
    assert "上传的文件超过 1.0\xa0MB 的上限,未保存任何内容" in page
    assert stream.bytes_read < 2 * MB < len(body)
    assert not Attachment.objects.exists()
    assert not (limits.FENGQIAO_PRIVATE_DIR / "attachments").exists()


def test_the_refusal_is_in_english_for_an_english_user(client, world, limits):
    case = register_case(world.secretary_a)
    body = encode_multipart(BOUNDARY, {"kind": "photo", "file": io.BytesIO(photo_of(3 * MB))})
    path = reverse("cases:attachment_upload", args=[case.pk])

    status, page, _stream = post_through_the_server(
        client, world.secretary_a, path, body, language="en"
    )

    assert status == 413
    assert "over the 1.0\xa0MB limit" in page


def test_a_photo_within_the_limit_streams_through_and_is_stored(client, world, limits):
    case = register_case(world.secretary_a)
    path = reverse("cases:attachment_upload", args=[case.pk])
    client.force_login(world.secretary_a)
    client.get(path)  # the form page sets the CSRF cookie the form posts back
    token = client.cookies["csrftoken"].value
    photo = io.BytesIO(photo_of(MB // 2))
    photo.name = "院墙.png"
    body = encode_multipart(
        BOUNDARY, {"csrfmiddlewaretoken": token, "kind": "photo", "file": photo}
    )

    status, _page, stream = post_through_the_server(client, world.secretary_a, path, body)

    assert status == 302
    assert stream.bytes_read == len(body)
    assert Attachment.objects.get().size == MB // 2
