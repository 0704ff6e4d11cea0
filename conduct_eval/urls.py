from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import api, health, views

# Each app owns its paths.
APPS = settings.DOMAIN_APPS

api_v1 = [
    *[path("", include(f"{app}.api.urls")) for app in APPS],
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),  # no inline script
    re_path(r"", api.not_found),  # last: an unknown path under the API is a JSON 404
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", health.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    *[path("", include(f"{app}.urls")) for app in APPS[1:]],
]

# Error pages: Chinese pages in the site's layout; JSON in the API's error format under /api/.
handler403 = "conduct_eval.views.permission_denied"
handler404 = "conduct_eval.views.page_not_found"
handler500 = "conduct_eval.views.server_error"
