"""What may this user see? Every page, API view and task asks here.

Administrators and leaders see everything (leaders read only); a liaison sees its own
agency's objects; an inspector sees the objects it owns; an account without a role sees
nothing. Another agency's object is a 404, not a 403, so its existence does not leak.
"""
from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .choices import Role


def role_of(user) -> str | None:
    """The user's role; None for the anonymous and for an account that has been given no role."""
    if not getattr(user, "is_authenticated", False):
        return None
    return user.effective_role or None


def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def has_role(user, *roles: str) -> bool:
    return role_of(user) in roles


def require_role(user, *roles: str, message: str = "") -> None:
    """Pages, API views and services: a signed-in user of another role gets 403 (PermissionDenied)."""
    if not has_role(user, *roles):
        raise PermissionDenied(message)


def role_required(*roles: str):
    """Pages: a decorator — an anonymous visitor is sent to log in, a user of another role gets 403."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_liaison_of(user, agency_id: int | None) -> bool:
    """A liaison (联络员) bound to this agency."""
    return role_of(user) == Role.AGENCY and agency_id is not None and user.agency_id == agency_id


def require_liaison_of(user, agency_id: int | None, message: str = "") -> None:
    """Only the agency's own liaison may act for it (respond to a notice, appeal a finding): else 403."""
    if not is_liaison_of(user, agency_id):
        raise PermissionDenied(message)


def scope(queryset: QuerySet, user, *, agency_field: str | None = "agency",
          owner_field: str | None = None) -> QuerySet:
    """Narrow `queryset` to what `user` may see.

    agency_field: the path to the object's agency (a liaison sees its own agency's rows);
    owner_field: the path to the user who owns the row (an inspector sees its own rows).
    """
    role = role_of(user)
    if role in (Role.ADMIN, Role.LEADER):
        return queryset
    if role == Role.AGENCY and agency_field:
        return queryset.filter(**{agency_field: user.agency_id})
    if role == Role.INSPECTOR and owner_field:
        return queryset.filter(**{owner_field: user})
    return queryset.none()


def get_visible(queryset: QuerySet, user, *, agency_field: str | None = "agency",
                owner_field: str | None = None, **lookup):
    """One object the user may see, else Http404."""
    try:
        return scope(queryset, user, agency_field=agency_field, owner_field=owner_field).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
