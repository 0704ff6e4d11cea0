from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from agencies.access import role_of
from agencies.selectors import cycle_current
from surveys.selectors import surveys_open_public

# The entries each role finds on the home page; pages arrive with their issues.
ROLE_ENTRIES = {
    "admin": [("办公室工作台", "/dashboard/"), ("系统配置", "/admin/"), ("接口文档", "/api/v1/docs/")],
    "leader": [("排名与结果", "/dashboard/")],
    "inspector": [("明察暗访", "/inspect/")],
    "assessor": [("组织考评", "/assess/")],
    "agency": [("本单位评议与整改", "/agency/")],
}


def home(request):
    role = role_of(request.user)
    return render(request, "home.html", {
        "surveys": surveys_open_public(),
        "cycle": cycle_current(),
        "entries": ROLE_ENTRIES.get(role or "", []),
    })


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
