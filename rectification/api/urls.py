from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("rectifications", views.NoticeViewSet, basename="rectification")
router.register("opinions", views.OpinionViewSet, basename="opinion")

urlpatterns = [
    path("cycles/<slug:code>/rectification-stats/", views.RectificationStatsView.as_view(),
         name="rectification-stats"),
    *router.urls,
]
