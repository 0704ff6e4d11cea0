"""The REST API's shared pieces: pagination, the error format, role permissions."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from agencies.access import has_role, is_admin
from agencies.choices import Role

from .errors import ConflictError


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _as_lists(detail) -> dict:
    if isinstance(detail, dict):
        return {str(k): (v if isinstance(v, list) else [v]) for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


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
