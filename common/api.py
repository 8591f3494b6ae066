"""What every API endpoint shares: the error format, the schema generator and the JSON
404 for a path that names no endpoint (pagination and rate limits are in
``common.api_policies``). The endpoints themselves live in each app's ``api.py``.

Errors, whatever raised them (a serializer, a service's ``ValidationError``, a 404 of the
scoping), come out as::

    {"errors": [{"field": "parties.0.id_number", "code": "id_check_char",
                 "message": "身份证号码校验位不正确,请核对后重新输入。"}]}

with the message in the caller's language (``Accept-Language``) and ``field`` null when
the error concerns the request as a whole.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView, exception_handler

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def _flatten(detail, field: str | None = None) -> list[dict]:
    """Turn DRF's nested error detail into a flat list of field / code / message."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            name = None if key in NON_FIELD_KEYS else str(key)
            errors += _flatten(value, f"{field}.{name}" if field and name else (name or field))
        return errors
    if isinstance(detail, list):
        errors = []
        for index, value in enumerate(detail):
            if isinstance(value, dict):
                # One entry per item of a nested list (e.g. each party).
                errors += _flatten(value, f"{field}.{index}" if field else str(index))
            else:
                errors += _flatten(value, field)
        return errors
    return [
        {
            "field": field,
            "code": getattr(detail, "code", None) or "invalid",
            "message": str(detail),
        }
    ]


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if exc.args else None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": _flatten(exc.detail)}
    else:
        # Not about a field: 401, 403, 404, 405, 415, 429 ...
        response.data = {
            "errors": [{"field": None, "code": exc.get_codes(), "message": str(exc.detail)}]
        }
    return response


class Unprocessable(exceptions.APIException):
    """422: the request is well formed but cannot be carried out as sent."""

    status_code = 422
    default_code = "unprocessable"


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="出错的字段,如 parties.0.id_number;整体错误为 null"
    )
    code = serializers.CharField(help_text="机器可读的错误代码")
    message = serializers.CharField(help_text="按 Accept-Language 给出的说明")


class ErrorSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


class PortalAutoSchema(AutoSchema):
    """Document the error responses every endpoint can give, in the shared format."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self._get_response_for_code(ErrorSerializer, "400", direction=direction)
        codes = {"401": "未登录或令牌无效", "403": "无权进行此操作", "429": "请求过于频繁"}
        if self.method != "GET" or self._is_list_view():
            codes["400"] = "请求数据有误,逐项说明见 errors"
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            # DRF's answer to a body in a Content-Type none of the view's parsers reads.
            codes["415"] = "不支持请求的 Content-Type"
        if "{" in self.path:
            codes["404"] = "不存在,或不在您的管辖范围内"
        for code, description in codes.items():
            responses.setdefault(code, {**error, "description": description})
        return responses


class NoSuchEndpoint(APIView):
    """Any other path under /api/v1/ (say an id with a dot, which the router's patterns
    refuse): the API's JSON 404, not the portal's HTML page."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
