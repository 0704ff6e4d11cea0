"""The entries each role finds in the navigation bar and on the home page."""
from django.utils.translation import gettext_lazy as _

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


def entries_for(user) -> list[tuple[str, str]]:
    return ROLE_ENTRIES.get(role_of(user) or "", [])


def navigation(request):
    """Context processor: `nav_entries` (label, href, active) for the base template; the active entry is
    the longest one that the current path starts with."""
    entries = entries_for(request.user)
    current = max((href for _, href in entries if request.path.startswith(href)), key=len, default=None)
    return {"nav_entries": [(label, href, href == current) for label, href in entries]}
