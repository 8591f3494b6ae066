"""The API's own log-in: a machine account trades its username and password for the
token it then sends as ``Authorization: Token <key>``, under the same lockout as the
log-in page."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny

from accounts.lockout import LOCKED_OUT_CODE, lockout_message
from accounts.middleware import PASSWORD_CHANGE_REQUIRED_CODE, password_change_required_message
from common.api_policies import TokenLoginRateThrottle


class TokenLoginSerializer(AuthTokenSerializer):
    """DRF's, under the portal's log-in lockout: the view hands it the Django request, so
    ``authenticate`` lets django-axes count a failure against the same username and
    address as the log-in page, and refuse (429, accounts.lockout) while they are locked."""

    # No account's name is longer; a longer one must not reach django-axes, whose log
    # column it overflows (a 500 on PostgreSQL).
    username = serializers.CharField(label=_("用户名"), max_length=150, write_only=True)

    def validate(self, attrs):
        http_request = self.context["request"]
        try:
            attrs = super().validate(attrs)
        except serializers.ValidationError:
            if getattr(http_request, "axes_locked_out", False):
                raise AccountLockedOut() from None
            raise
        if attrs["user"].must_change_password:
            # A temporary password someone else chose is no credential for a machine.
            raise exceptions.PermissionDenied(
                password_change_required_message(), code=PASSWORD_CHANGE_REQUIRED_CODE
            )
        return attrs


class AccountLockedOut(exceptions.APIException):
    status_code = 429
    default_code = LOCKED_OUT_CODE

    def __init__(self):
        super().__init__(lockout_message(), LOCKED_OUT_CODE)


class TokenView(ObtainAuthToken):
    """POST username and password, get the token a machine account sends as
    ``Authorization: Token <key>``."""

    serializer_class = TokenLoginSerializer
    throttle_classes = [TokenLoginRateThrottle]
    # The endpoint is how one logs in: a credential sent along is no business of it, and
    # must not change how it is limited.
    authentication_classes = []
    permission_classes = [AllowAny]

    def get_serializer_context(self):
        # django-axes marks the lockout on the request object it is given; the Django
        # request is the one its middleware looks at.
        return {**super().get_serializer_context(), "request": self.request._request}
