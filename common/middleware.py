"""Response policies that hold for the whole portal, whatever view answered."""

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse


class PrivateDownloadsMiddleware:
    """Every file the portal hands out (a ledger export, an import template, an uploaded
    scan or photo) goes out with ``Cache-Control: no-store``.

    Such a file holds names, ID numbers and phone numbers; a township office shares one
    computer and often one caching proxy, so neither the browser nor anything between may
    keep a copy. The download views set the header themselves; this is the net under them,
    so a new one cannot forget it. A file is a streamed or file response, or any response
    with a ``Content-Disposition`` header; static assets (served by Django only in
    development) stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        if self._is_private_file(request, response) and "no-store" not in response.get(
            "Cache-Control", ""
        ):
            response["Cache-Control"] = "no-store"
        return response

    def _is_private_file(self, request, response) -> bool:
        if request.path.startswith(self.static_prefix):
            return False
        return isinstance(response, (FileResponse, StreamingHttpResponse)) or response.has_header(
            "Content-Disposition"
        )
