"""The entries each role finds in the navigation bar and on the home page."""
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.access import role_of

ROLE_ENTRIES = {
    "admin": [(_("排名与结果"), "/dashboard/"), (_("意见分办"), "/dashboard/opinions/"),
              (_("察访审核"), "/dashboard/findings/"), (_("计分台账"), "/dashboard/ledger/"),
              (_("整改督办"), "/dashboard/rectifications/"),
              (_("调查与评议"), "/surveys/"), (_("系统配置"), "/admin/"), (_("接口文档"), "/api/v1/docs/")],
    "leader": [(_("排名与结果"), "/dashboard/"), (_("整改督办"), "/dashboard/rectifications/")],
    "inspector": [(_("明察暗访"), "/inspect/")],
    "assessor": [(_("组织考评"), "/assess/")],
    "agency": [(_("本单位评议"), "/agency/"), (_("整改通知"), "/agency/notices/"),
               (_("察访问题"), "/agency/findings/")],
}

# The navigation bar's own, shorter words (the home page keeps the full ones): in English the office's
# eight entries must fit one line at 1366 px. In Chinese the short and the full words are the same.
SHORT_LABELS = {
    "/dashboard/": pgettext_lazy("navbar", "排名与结果"),
    "/dashboard/opinions/": pgettext_lazy("navbar", "意见分办"),
    "/dashboard/findings/": pgettext_lazy("navbar", "察访审核"),
    "/dashboard/ledger/": pgettext_lazy("navbar", "计分台账"),
    "/dashboard/rectifications/": pgettext_lazy("navbar", "整改督办"),
    "/surveys/": pgettext_lazy("navbar", "调查与评议"),
    "/admin/": pgettext_lazy("navbar", "系统配置"),
    "/api/v1/docs/": pgettext_lazy("navbar", "接口文档"),
}


def entries_for(user) -> list[tuple[str, str]]:
    return ROLE_ENTRIES.get(role_of(user) or "", [])


def unread_count(request) -> int:
    """The signed-in user's unread messages: one COUNT, made only when a page shows it, once per request."""
    if not hasattr(request, "_ce_unread"):
        from rectification.services.notifications import notifications_unread  # apps load before services

        request._ce_unread = notifications_unread(request.user).count() if request.user.is_authenticated else 0
    return request._ce_unread


def navigation(request):
    """Context processor: `nav_entries` (label, href, active) for the home page and `nav_bar` (short label,
    label, href, active) for the base template; the active entry is the longest one that the current path
    starts with."""
    entries = entries_for(request.user)
    current = max((href for _, href in entries if request.path.startswith(href)), key=len, default=None)
    return {"nav_entries": [(label, href, href == current) for label, href in entries],
            "nav_bar": [(SHORT_LABELS.get(href, label), label, href, href == current) for label, href in entries],
            "nav_unread": lambda: unread_count(request),  # called by the template: no query unless shown
            "nav_inbox_active": request.path.startswith("/notifications/")}
