from django.urls import path

from conduct_eval.api import Router

from . import views

router = Router()
router.register("rectifications", views.NoticeViewSet, basename="rectification")
router.register("opinions", views.OpinionViewSet, basename="opinion")

urlpatterns = [
    path("cycles/<slug:code>/rectification-stats/", views.RectificationStatsView.as_view(),
         name="rectification-stats"),
    *router.urls,
]
