from django.urls import path

from . import drill, views

app_name = "inspections"
urlpatterns = [
    path("inspect/", views.visit_list, name="visits"),
    path("inspect/new/", views.visit_new, name="visit-new"),
    path("inspect/<int:pk>/", views.visit_detail, name="visit"),
    path("inspect/windows/", views.windows, name="windows"),
    path("inspect/evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("dashboard/findings/", views.review_queue, name="review"),
    path("dashboard/findings/<int:pk>/confirm/", views.review, {"verdict": "confirm"}, name="review-confirm"),
    path("dashboard/findings/<int:pk>/dismiss/", views.review, {"verdict": "dismiss"}, name="review-dismiss"),
    path("dashboard/findings/<int:pk>/", drill.finding, name="finding"),
    path("dashboard/findings/appeals/", views.appeal_queue, name="appeals"),
    path("dashboard/findings/<int:pk>/adjudicate/", views.adjudicate, name="adjudicate"),
    path("agency/findings/", views.agency_findings, name="agency-findings"),
    path("agency/findings/<int:pk>/appeal/", views.agency_appeal, name="agency-appeal"),
]
