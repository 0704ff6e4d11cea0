"""The REST API's shared pieces: routes, parsers, pagination, the error format, role permissions, the schema's
error answers."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import exception_handler as drf_exception_handler

from agencies.access import has_role, is_admin
from agencies.choices import Role

from .errors import ConflictError
from .parsers import RequestTooLarge

# --- Routes: an id is digits and a code is a slug before any view runs ---------------------------------

class Router(SimpleRouter):
    """A viewset's detail routes take only what its lookup can be: an `int` converter for an id, `slug` for a code.

    Anything else (`x1`, `1e3`, `null,null`, a NUL) matches no route and is a 404, instead of reaching
    the database as a value it cannot compare (a 500); the schema's path parameters say integer or slug.
    """

    def __init__(self, **kwargs):
        super().__init__(use_regex_path=False, **kwargs)

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if not hasattr(viewset, "lookup_value_converter"):
            lookup_field = getattr(viewset, "lookup_field", "pk")
            viewset.lookup_value_converter = "int" if lookup_field in ("pk", "id") else "slug"
        return super().get_lookup_regex(viewset, lookup_prefix)


@csrf_exempt  # nothing to protect: it only ever answers 404 (else an unknown POST would be a CSRF 403 page)
def not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that no route takes: a 404 in the API's error format, never an HTML page.

    A GET of a known path without its trailing slash is still redirected, as APPEND_SLASH does elsewhere.
    """
    if request.method in ("GET", "HEAD") and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return JsonResponse({"detail": "未找到。", "errors": {}}, status=404)


# --- Dates: inside the years the product can mean ----------------------------------------------------------

EARLIEST_DATE = date(2000, 1, 1)
FUTURE_YEARS = 10  # a cycle or a survey is planned at most this far ahead


def latest_date() -> date:
    today = timezone.localdate()
    return today.replace(year=today.year + FUTURE_YEARS, day=min(today.day, 28))


def check_date_range(value: date | datetime, *, future: bool = True) -> None:
    """A 400 for a date before 2000 or more than FUTURE_YEARS ahead (`future=False`: a few minutes ahead)."""
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    if day < EARLIEST_DATE:
        raise serializers.ValidationError(f"日期不能早于 {EARLIEST_DATE:%Y-%m-%d}")
    if future and day > latest_date():
        raise serializers.ValidationError(f"日期不能晚于 {latest_date():%Y-%m-%d}")
    if not future and isinstance(value, datetime) and value > timezone.now() + timedelta(minutes=10):
        raise serializers.ValidationError("时间不能晚于现在")


class BoundedDateField(serializers.DateField):
    """A date from 2000 to FUTURE_YEARS ahead."""

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        check_date_range(value)
        return value


class BoundedDateTimeField(serializers.DateTimeField):
    """A moment from 2000 to FUTURE_YEARS ahead; `past=True`: not later than now (a few minutes of clock skew)."""

    def __init__(self, *, past: bool = False, **kwargs):
        self.past = past
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        check_date_range(value, future=not self.past)
        return value


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _messages(detail, path: str = "") -> list[str]:
    """A field's messages, flat: a nested item's or field's message is prefixed with where it is (`[0].category：…`)."""
    if isinstance(detail, dict):
        return [m for key, value in detail.items()
                for m in _messages(value, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")]
    if isinstance(detail, list):
        if not any(isinstance(item, dict | list) for item in detail):
            return [f"{path.lstrip('.')}：{item}" if path else str(item) for item in detail]
        return [m for index, item in enumerate(detail) for m in _messages(item, f"{path}[{index}]")]
    return [f"{path.lstrip('.')}：{detail}" if path else str(detail)]


def _as_lists(detail) -> dict:
    """`{field: [messages]}`: each top-level field keeps its name, whatever the nesting of its errors."""
    if isinstance(detail, dict):
        return {str(k): _messages(v) for k, v in detail.items()}
    return {"non_field_errors": _messages(detail)}


def exception_handler(exc, context):
    """Every error is `{"detail": ..., "errors": {field: [messages]}}`."""
    if isinstance(exc, ConflictError):
        return Response({"detail": str(exc), "errors": {}}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # Django's own bound on a form body
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # too many form fields or files, a malformed upload
        exc = exceptions.ParseError(str(exc) or "请求无法解析")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_lists(exc.detail)
        fields = ", ".join(k for k in errors if k != "non_field_errors")
        response.data = {"detail": f"输入有误：{fields}" if fields else "输入有误", "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"detail": detail, "errors": {}}
    return response


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API, as `exception_handler` shapes it."""

    detail = serializers.CharField(help_text="给人看的一句话说明")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="字段 → 错误信息列表；与字段无关的错误在 non_field_errors 下；不是输入错误时为空对象")


ERROR_ANSWERS = {
    400: "输入有误（bad input）：`errors` 列出每个字段的问题",
    403: "未登录，或当前角色无权执行此操作（not signed in, or not allowed）",
    404: "对象不存在，或不在当前用户的可见范围内（unknown, or another agency's）",
    409: "请求本身有效，但与当前状态冲突，例如评议码已使用、评议周期已结束（conflict）",
    429: "请求过于频繁，请稍后再试（rate limited）",
}


def error_answers(*codes: int) -> dict[int, OpenApiResponse]:
    """Error answers for `extend_schema(responses=...)`: those that the shape of an operation does not tell.

    400, 403 and 404 follow from the shape and are added by `schema_error_answers`; declare 409
    and 429 (and any of the others an operation gives for reasons of its own) here.
    """
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_ANSWERS[code]) for code in codes}


def _shape_errors(operation: dict) -> set[int]:
    params = operation.get("parameters", [])
    query = {p["name"] for p in params if p["in"] == "query"}
    codes = set()
    if "requestBody" in operation or query - {"page", "page_size"}:
        codes.add(400)  # a body or a filter can be wrong
    if {} not in operation.get("security", [{}]):
        codes.add(403)  # only signed-in users of some roles
    if any(p["in"] == "path" for p in params) or "page" in query:
        codes.add(404)  # an unknown (or invisible) object, or a page past the end
    return codes


def schema_error_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook: each operation lists the error answers its shape implies.

    Declared answers (`error_answers`) win; the `Error` component comes from `ErrorSerializer`.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "Error" not in schemas:
        raise RuntimeError("ErrorSerializer is declared nowhere, so the schema has no Error component")
    answer = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in result["paths"].values():
        for operation in operations.values():
            for code in sorted(_shape_errors(operation)):
                operation["responses"].setdefault(str(code), {"description": ERROR_ANSWERS[code], **answer})
            operation["responses"] = dict(sorted(operation["responses"].items()))
    return result


class EitherOf(PolymorphicProxySerializer):
    """An answer in one of `serializers`' shapes, with no field to tell which (the asker's role does)."""

    def __init__(self, component_name: str, serializers: list, **kwargs):
        super().__init__(component_name=component_name, serializers=serializers, resource_type_field_name=None,
                         **kwargs)


class EitherOfSchema(PolymorphicProxySerializerExtension):
    """`anyOf`, not `oneOf`: an answer with extra fields may fit both shapes at once."""

    target_class = EitherOf
    priority = 0  # ahead of drf-spectacular's own extension for the parent class

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        return {"anyOf": schema.pop("oneOf"), **schema}


class IsAdmin(permissions.BasePermission):
    """Office administrators (a superuser is one)."""

    def has_permission(self, request, view):
        return is_admin(request.user)


class ReadSignedInWriteAdmin(permissions.BasePermission):
    """Anyone signed in reads; only administrators write."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return is_admin(request.user)


class IsAdminOrLeader(permissions.BasePermission):
    """Dashboards: administrators and leaders (leaders only read)."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return has_role(request.user, Role.ADMIN, Role.LEADER)
        return is_admin(request.user)


def roles_allowed(*roles: str) -> type[permissions.BasePermission]:
    """A permission class admitting the given roles (a superuser counts as admin)."""

    class RolesAllowed(permissions.BasePermission):
        def has_permission(self, request, view):
            return has_role(request.user, *roles)

    RolesAllowed.__name__ = f"RolesAllowed_{'_'.join(roles)}"
    return RolesAllowed
