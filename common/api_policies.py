"""Pagination and rate limits of the API, named in settings.REST_FRAMEWORK.

Kept apart from ``common.api`` because DRF imports these while it defines its views;
they must not import the views in turn.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from common.client_address import client_address


class LedgerCursorPagination(CursorPagination):
    """Cursor pages: stable while pushing systems add cases, and cheap at any depth."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model  # for decode_cursor
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot read with 404, as if the list were missing, and
        # filters by whatever position a hand-made cursor carries (a 500 when it is not a
        # number). Both are a bad query parameter: 400 naming the field, like any other.
        invalid = ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise invalid from exc
        if cursor is not None and cursor.position is not None:
            field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
            try:
                field.to_python(cursor.position)
            except DjangoValidationError as exc:
                raise invalid from exc
        return cursor


class TokenClientRateThrottle(UserRateThrottle):
    """Limits machines holding a token; people in a browser are not throttled here."""

    scope = "token_client"

    def allow_request(self, request, view):
        if not isinstance(request.successful_authenticator, TokenAuthentication):
            return True
        return super().allow_request(request, view)


class TokenLoginRateThrottle(SimpleRateThrottle):
    """Guessing passwords through the token endpoint is slowed per client address,
    whoever calls. DRF's anonymous throttle steps aside for an authenticated request, so
    a token holder could spray passwords unthrottled; this one never does."""

    scope = "token_login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request):
        # The same reading of the address as the log-in page's lockout: the forwarded
        # header only from our own proxies.
        return client_address(request) or ""
