"""API tokens that expire, and are revoked when their owner's password changes or the account is disabled.

A token is `rest_framework.authtoken`'s row (one per user). It is good for TOKEN_TTL_DAYS after
it was issued; `POST /api/v1/auth/token/` hands out a fresh one once the old one has expired.
Changing the password or deactivating the account deletes the token (agencies/signals.py), so a
leaked token dies with the password it was issued under.
"""
from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_ttl() -> timedelta:
    return timedelta(days=settings.TOKEN_TTL_DAYS)


def token_expired(token: Token, *, at=None) -> bool:
    return token.created <= (at or timezone.now()) - token_ttl()


def token_for(user) -> Token:
    """The user's token, a new one if it has none or its one has expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


def tokens_revoke(user) -> int:
    """Delete the user's token; returns how many rows went."""
    return Token.objects.filter(user_id=user.pk).delete()[0]


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token …`, refused (401) once the token is older than TOKEN_TTL_DAYS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("令牌已过期，请重新登录获取")
        return user, token


def lockout_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): in the site's layout, 429."""
    response = render(request, "registration/locked_out.html",
                      {"failure_limit": settings.AXES_FAILURE_LIMIT, "lockout_minutes": lockout_minutes()},
                      status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first of AUTHENTICATION_BACKENDS.

    Every login door (the pages, the admin, the token view) passes its request. Without one
    (a shell, `manage.py`, the test client's `login()`) there is no client address to lock,
    so the password alone decides, instead of axes' error for a missing request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
