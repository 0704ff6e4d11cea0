from django.urls import path

from conduct_eval.api import Router

from . import views

router = Router()
router.register("users", views.UserViewSet, basename="user")
router.register("agency-groups", views.AgencyGroupViewSet, basename="agency-group")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("cycles", views.CycleViewSet, basename="cycle")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("agencies/<slug:agency_code>/windows/", views.WindowViewSet.as_view({"get": "list", "post": "create"}),
         name="agency-windows"),
    *router.urls,
]
