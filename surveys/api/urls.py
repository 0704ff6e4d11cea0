from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("surveys", views.SurveyViewSet, basename="survey")
urlpatterns = [
    path("surveys/<slug:slug>/responses/", views.ResponseCreateView.as_view(), name="survey-responses"),
    path("ballots/", views.BallotCreateView.as_view(), name="ballots"),
    path("track/<str:receipt>/", views.TrackView.as_view(), name="track"),
    *router.urls,
]
