"""Pagination and rate limits of the API, named in settings.REST_FRAMEWORK.

Kept apart from ``config.api`` because DRF imports these while it defines its views;
they must not import the views in turn.
"""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class LedgerCursorPagination(CursorPagination):
    """Cursor pages: stable while pushing systems add cases, and cheap at any depth."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot read with 404, as if the list were missing; it is
        # a bad query parameter, so 400 naming the field, like any other.
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [exc.detail]}) from exc


class TokenClientRateThrottle(UserRateThrottle):
    """Limits machines holding a token; people in a browser are not throttled here."""

    scope = "token_client"

    def allow_request(self, request, view):
        if not isinstance(request.successful_authenticator, TokenAuthentication):
            return True
        return super().allow_request(request, view)


class TokenLoginRateThrottle(AnonRateThrottle):
    """Guessing passwords through the token endpoint is slowed per client address."""

    scope = "token_login"
