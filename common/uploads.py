"""Uploads are refused while they stream in, not after.

Django reads a multipart body whole before any view can look at a file's size, so a
150 MB "photo" was received in full (and written to a temporary file) before the
attachment rules refused it. ``SizeLimitUploadHandler`` runs first among the upload
handlers and stops reading as soon as one file passes the largest size the portal
accepts anywhere; ``RefusedUploadMiddleware`` then answers 413 with a plain message
instead of running the view on a half-read request. The per-purpose limits (an
attachment, a ledger to import) are still checked with their own messages by their
services: this is the net under them, set just above the largest of them.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

REFUSED_ATTRIBUTE = "upload_refused_over"


def upload_limit() -> int:
    """The most bytes one uploaded file may have, whatever it is for."""
    return max(settings.FENGQIAO_ATTACHMENT_MAX_BYTES, settings.FENGQIAO_IMPORT_MAX_BYTES)


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = upload_limit()
        if self.received > limit:
            setattr(self.request, REFUSED_ATTRIBUTE, limit)
            # connection_reset: do not read (exhaust) the rest of the body either.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


def refused_upload_message(limit: int) -> str:
    return _("上传的文件超过 %(limit)s 的上限,未保存任何内容。请压缩或拆分后重新上传。") % {
        "limit": filesizeformat(limit)
    }


class RefusedUploadMiddleware:
    """Answers 413 for a request whose upload was stopped at the limit. Placed after the
    CSRF middleware, which has usually parsed the body already; otherwise it is parsed
    here, before any view runs on what would be a truncated form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not request.content_type.startswith("multipart/"):
            return None
        request.FILES  # noqa: B018 -- parsing is what runs the upload handlers
        limit = getattr(request, REFUSED_ATTRIBUTE, None)
        if limit is None:
            return None
        message = refused_upload_message(limit)
        if request.path.startswith("/api/"):
            error = {"field": None, "code": "upload_too_large", "message": message}
            return JsonResponse({"errors": [error]}, status=413)
        return render(request, "upload_too_large.html", {"message": message}, status=413)
