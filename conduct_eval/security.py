"""Per-view exceptions to the site-wide browser policy (settings.CONTENT_SECURITY_POLICY, X_FRAME_OPTIONS)."""
from __future__ import annotations

from csp.decorators import csp_replace
from django.views.decorators.clickjacking import xframe_options_exempt


def framable_by(*origins: str):
    """Let the given origins (e.g. "https://www.example.gov.cn") embed this view in a frame; every other
    page keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY`. For a public widget route."""
    if not origins or any(o in {"*", "'self'"} or not o.startswith("https://") for o in origins):
        raise ValueError("framable_by needs explicit https:// origins")

    def decorator(view):
        return xframe_options_exempt(csp_replace({"frame-ancestors": list(origins)})(view))

    return decorator


def safe_next(request, fallback: str) -> str:
    """The request's `next` (POST, else GET) when it points into this site, else `fallback` (a URL name or
    path for `redirect`). Anything from the request that becomes a redirect target goes through here."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback
