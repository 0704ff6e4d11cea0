from django.urls import path

from . import views

urlpatterns = [
    path("cycles/<slug:cycle_code>/entries/", views.ScoreEntryList.as_view(), name="cycle-entries"),
    path("entries/<int:pk>/reverse/", views.ScoreEntryReverse.as_view(), name="entry-reverse"),
    path("cycles/<slug:cycle_code>/indicators/", views.IndicatorList.as_view(), name="cycle-indicators"),
    path("cycles/<slug:cycle_code>/assessments/", views.AssessmentPut.as_view(), name="cycle-assessments"),
    path("cycles/<slug:cycle_code>/recompute/", views.Recompute.as_view(), name="cycle-recompute"),
    path("cycles/<slug:cycle_code>/rankings/", views.Rankings.as_view(), name="cycle-rankings"),
]
