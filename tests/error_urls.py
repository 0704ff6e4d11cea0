"""The site's URLs plus views that fail on purpose and a framable one, for the error-page and CSP tests."""
from django.http import HttpResponse
from django.urls import path

from conduct_eval.security import framable_by
from conduct_eval.urls import handler403, handler404, handler500  # noqa: F401
from conduct_eval.urls import urlpatterns as site


def boom(request):
    raise RuntimeError("a bug")


@framable_by("https://www.example.gov.cn")
def widget(request):
    return HttpResponse("<p>widget</p>")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), path("widget-test/", widget), *site]
