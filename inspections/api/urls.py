
from conduct_eval.api import Router

from . import views

router = Router()
router.register("visits", views.VisitViewSet, basename="visit")
router.register("findings", views.FindingViewSet, basename="finding")
urlpatterns = router.urls
