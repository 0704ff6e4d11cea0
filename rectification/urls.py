from django.urls import path

from . import views

app_name = "rectification"

urlpatterns = [
    path("agency/notices/", views.agency_inbox, name="agency-inbox"),
    path("agency/notices/<int:pk>/", views.notice_detail, name="notice"),
    path("agency/notices/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
    path("dashboard/rectifications/", views.rectification_board, name="board"),
    path("dashboard/rectifications/<int:pk>/", views.notice_detail, name="board-notice"),
    path("dashboard/opinions/", views.triage_queue, name="triage-queue"),
    path("dashboard/opinions/<int:pk>/triage/", views.triage, name="triage"),
    path("notifications/", views.notification_inbox, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("track/<slug:receipt>/feedback/", views.track_feedback, name="track-feedback"),
]
