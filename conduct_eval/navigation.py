"""The entries each role finds in the navigation bar and on the home page."""
from agencies.access import role_of

ROLE_ENTRIES = {
    "admin": [("排名与结果", "/dashboard/"), ("意见分办", "/dashboard/opinions/"), ("察访审核", "/dashboard/findings/"),
              ("整改督办", "/dashboard/rectifications/"), ("调查与评议", "/surveys/"), ("系统配置", "/admin/"),
              ("接口文档", "/api/v1/docs/")],
    "leader": [("排名与结果", "/dashboard/"), ("整改督办", "/dashboard/rectifications/")],
    "inspector": [("明察暗访", "/inspect/")],
    "assessor": [("组织考评", "/assess/")],
    "agency": [("本单位评议", "/agency/"), ("整改通知", "/agency/notices/"), ("察访问题", "/agency/findings/")],
}


def entries_for(user) -> list[tuple[str, str]]:
    return ROLE_ENTRIES.get(role_of(user) or "", [])


def navigation(request):
    """Context processor: `nav_entries` (label, href, active) for the base template; the active entry is
    the longest one that the current path starts with."""
    entries = entries_for(request.user)
    current = max((href for _, href in entries if request.path.startswith(href)), key=len, default=None)
    return {"nav_entries": [(label, href, href == current) for label, href in entries]}
