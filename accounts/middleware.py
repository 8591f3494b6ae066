"""Someone holding a temporary password (set by add_user or a clerk) replaces it first."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

PASSWORD_CHANGE_REQUIRED_CODE = "password_change_required"  # noqa: S105 (an error code)


def password_change_required_message() -> str:
    return _("您的密码是管理员设置的临时密码,请先修改密码。")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not self._always_open(request.path_info)
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {
                        "errors": [
                            {
                                "field": None,
                                "code": PASSWORD_CHANGE_REQUIRED_CODE,
                                "message": password_change_required_message(),
                            }
                        ]
                    },
                    status=403,
                )
            target = reverse("password_change")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _always_open(path: str) -> bool:
        # The change page itself, a way out, the language switch, and the page's assets.
        open_paths = (
            reverse("password_change"),
            reverse("logout"),
            reverse("set_language"),
            "/" + settings.STATIC_URL.lstrip("/"),
        )
        return path.startswith(open_paths)
