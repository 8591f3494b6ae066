"""The address a request really came from, for the log-in lockout (django-axes), the
API's rate limits and the audit trail.

Behind nginx (one hop, ``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``)
REMOTE_ADDR is nginx itself and the client is the last entry nginx appended to
``X-Forwarded-For``; anything to the left of it was written by the client and may be
made up. So the header is read from the right, exactly as far as
``FENGQIAO_TRUSTED_PROXY_COUNT`` proxies we run ourselves, and not at all when that is 0.

And only when the connection comes from one of our proxies
(``FENGQIAO_TRUSTED_PROXY_ADDRESSES``): a client that reaches the application port
directly could otherwise choose its address with one forged entry, and never be locked
out. The application server listens where only nginx reaches it (deploy/), and this is
the net under that.

Written here rather than left to django-ipware 8: its ``proxy_count`` counts the proxies
listed *inside* the header and, in its default strict mode, answers with REMOTE_ADDR (the
proxy) as soon as a client sends a header of its own, which would put every such client
of every township in one lockout bucket.
"""

from functools import lru_cache
from ipaddress import ip_address, ip_network

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ip_address(address.strip()))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(addresses: tuple[str, ...]):
    return tuple(ip_network(a.strip(), strict=False) for a in addresses if a.strip())


def is_trusted_proxy(address: str | None) -> bool:
    if address is None:
        return False
    peer = ip_address(address)
    networks = _networks(tuple(settings.FENGQIAO_TRUSTED_PROXY_ADDRESSES))
    return any(peer in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    trusted = settings.FENGQIAO_TRUSTED_PROXY_COUNT
    if trusted <= 0 or not is_trusted_proxy(_valid(remote_addr)):
        # No proxy of ours in front, or this connection did not come through it.
        return _valid(remote_addr)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted:
        # Not through all our proxies (someone reached the app port directly): the
        # header proves nothing, the connection does.
        return _valid(remote_addr)
    return _valid(hops[-trusted]) or _valid(remote_addr)
