import logging

from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from agencies.selectors import cycle_current
from surveys.selectors import surveys_open_public

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html", {"surveys": surveys_open_public(), "cycle": cycle_current()})



# --- error pages (conduct_eval/urls.py handler403/404/500) --------------------------------
# Under /api/ the answer is JSON in the API's error format ({"detail": ..., "errors": {}}); elsewhere a
# Chinese page in the site's layout with a way home.

def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": {}}, status=status, json_dumps_params={"ensure_ascii": False})


def permission_denied(request, exception=None):
    if _is_api(request):
        return _api_error(_("您没有执行该操作的权限。"), 403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _api_error(_("未找到。"), 404)
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (an expired page, cookies off): the 403 page says so."""
    if _is_api(request):
        return _api_error(_("CSRF 校验失败，请刷新页面后重试。"), 403)
    return render(request, "403.html", {"csrf_failed": True}, status=403)


# The last resort: without the request's context (its processors query the database, which may be
# what failed), and with a bare page if even the layout cannot be rendered.
SERVER_ERROR_FALLBACK = ('<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>服务器错误</title>'
                         '<h1>服务器错误</h1><p>请稍后再试。</p><p><a href="/">返回首页</a></p></html>')


def server_error(request):
    if _is_api(request):
        return _api_error(_("服务器内部错误，请稍后再试。"), 500)
    try:
        body = loader.get_template("500.html").render({})
    except Exception:
        logger.exception("the 500 page itself could not be rendered")
        return HttpResponseServerError(SERVER_ERROR_FALLBACK)
    return HttpResponse(body, status=500)
