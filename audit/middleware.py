from auditlog.middleware import AuditlogMiddleware

from audit.registration import current_request
from common.client_address import client_address


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, with the request kept for ``name_the_actor`` and the
    client address read the way the log-in lockout reads it.

    auditlog itself would believe the first address of ``X-Forwarded-For``, which any
    client can write; ``client_address`` trusts the header only as far as our own proxies.
    """

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request)

    @staticmethod
    def _get_remote_port(request):
        return None

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return super().__call__(request)
        finally:
            current_request.reset(token)
