"""The address a request really came from, for the log-in lockout (django-axes).

Behind nginx (one hop, ``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``)
REMOTE_ADDR is nginx itself and the client is the last entry nginx appended to
``X-Forwarded-For``; anything to the left of it was written by the client and may be
made up. So the header is read from the right, exactly as far as
``FENGQIAO_TRUSTED_PROXY_COUNT`` proxies we run ourselves, and not at all when that is 0.

Written here rather than left to django-ipware 8: its ``proxy_count`` counts the proxies
listed *inside* the header and, in its default strict mode, answers with REMOTE_ADDR (the
proxy) as soon as a client sends a header of its own, which would put every such client
of every township in one lockout bucket.
"""

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    trusted = settings.FENGQIAO_TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return _valid(remote_addr)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted:
        # Not through all our proxies (someone reached the app port directly): the
        # header proves nothing, the connection does.
        return _valid(remote_addr)
    return _valid(hops[-trusted]) or _valid(remote_addr)
