from django.urls import path

from conduct_eval.api import Router

from . import views

router = Router()
router.register("surveys", views.SurveyViewSet, basename="survey")
urlpatterns = [
    path("surveys/<slug:slug>/responses/", views.ResponseCreateView.as_view(), name="survey-responses"),
    path("ballots/", views.BallotCreateView.as_view(), name="ballots"),
    path("track/<slug:receipt>/", views.TrackView.as_view(), name="track"),
    *router.urls,
]
