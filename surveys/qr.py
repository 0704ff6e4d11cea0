"""QR codes of survey links (per agency and window) and of invitation tokens, drawn with segno.

Links are absolute: PUBLIC_BASE_URL when set (the address citizens reach from outside),
else the scheme and host of the request that prints them.
"""
from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import reverse


def absolute(request, path: str) -> str:
    base = settings.PUBLIC_BASE_URL or request.build_absolute_uri("/").rstrip("/")
    return base + path


def survey_path(survey, agency, window=None) -> str:
    if window is None:
        return reverse("surveys:agency", args=[survey.slug, agency.code]) + "?via=qr"
    return reverse("surveys:window", args=[survey.slug, agency.code, window.code]) + "?via=qr"


def ballot_path(token: str) -> str:
    return reverse("surveys:ballot", args=[token])


def svg(url: str, *, scale: int = 4) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return buffer.getvalue()


def svg_inline(url: str, *, scale: int = 4) -> str:
    """An <svg> element to put straight into a page (printable sheets, token lists)."""
    return segno.make(url, error="m").svg_inline(scale=scale, border=2)


def png(url: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
