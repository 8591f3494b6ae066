"""What a locked-out log-in gets back (django-axes's ``AXES_LOCKOUT_CALLABLE``): a page
in the user's language on the portal, the API's JSON error on the API; 429 either way."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKED_OUT_CODE = "locked_out"


def cool_off_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message() -> str:
    return _(
        "登录失败次数过多,该账号在本机所在网络已被暂时锁定。请 %(minutes)d 分钟后再试,"
        "或联系系统管理员解锁。"
    ) % {"minutes": cool_off_minutes()}


def lockout_response(request, original_response=None, credentials=None):
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"errors": [{"field": None, "code": LOCKED_OUT_CODE, "message": lockout_message()}]},
            status=status,
        )
        response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
        return response
    return render(
        request,
        "registration/locked_out.html",
        {"message": lockout_message(), "minutes": cool_off_minutes()},
        status=status,
    )
