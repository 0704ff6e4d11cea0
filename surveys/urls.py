from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("surveys/", views.office_surveys, name="office"),
    path("s/<slug:slug>/", views.survey_start, name="start"),
    path("s/<slug:slug>/thanks/", views.survey_thanks, name="thanks"),
    path("s/<slug:slug>/qr/", views.qr_index, name="qr-index"),
    path("s/<slug:slug>/anomalies/", views.anomalies, name="anomalies"),
    path("s/<slug:slug>/a/<slug:agency_code>/", views.survey_respond, name="agency"),
    path("s/<slug:slug>/a/<slug:agency_code>/qr.svg", views.qr_svg, name="qr-agency-svg"),
    path("s/<slug:slug>/a/<slug:agency_code>/qr.png", views.qr_png, name="qr-agency-png"),
    path("s/<slug:slug>/a/<slug:agency_code>/sheet/", views.qr_sheet, name="qr-sheet"),
    path("s/<slug:slug>/a/<slug:agency_code>/w/<slug:window_code>/", views.survey_respond, name="window"),
    path("s/<slug:slug>/a/<slug:agency_code>/w/<slug:window_code>/qr.svg", views.qr_svg, name="qr-window-svg"),
    path("s/<slug:slug>/a/<slug:agency_code>/w/<slug:window_code>/qr.png", views.qr_png, name="qr-window-png"),
    path("s/<slug:slug>/invitations/", views.invitations, name="invitations"),
    path("track/", views.track, name="track"),
    path("ballot/<str:token>/", views.ballot, name="ballot"),
]
