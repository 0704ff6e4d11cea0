from django.urls import path, re_path

from . import drill, views, views_reports

urlpatterns = [
    path("assess/", views.assess, name="assess"),
    path("assess/cell/", views.assess_cell, name="assess-cell"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/recompute/", views.dashboard_recompute, name="dashboard-recompute"),
    path("dashboard/ledger/", views.ledger, name="dashboard-ledger"),
    path("dashboard/ledger/<int:entry_id>/reverse/", views.ledger_reverse, name="dashboard-ledger-reverse"),
    path("dashboard/cycle-status/", views.dashboard_cycle_status, name="dashboard-cycle-status"),
    path("dashboard/publications/<int:publication_id>/retry/", views.dashboard_publication_retry,
         name="dashboard-publication-retry"),
    re_path(r"^dashboard/(?P<snapshot_id>[0-9]+)/rankings\.(?P<fmt>csv|xlsx)$", views.dashboard_export,
            name="dashboard-export"),
    re_path(r"^dashboard/exports/(?P<kind>rankings|responses|opinions|notices|ledger)\.(?P<fmt>csv|xlsx)$",
            views_reports.report_export, name="report-export"),
    path("dashboard/bulletin/<int:snapshot_id>/", views_reports.bulletin, name="bulletin"),
    path("dashboard/bulletin/<int:snapshot_id>.docx", views_reports.bulletin_docx, name="bulletin-docx"),
    re_path(r"^agency/dossier/(?P<agency_code>[-a-zA-Z0-9_]+)\.(?P<fmt>csv|xlsx)$", views_reports.agency_dossier,
            name="agency-dossier"),
    path("dashboard/<int:snapshot_id>/<slug:agency_code>/", views.dashboard_scorecard, name="dashboard-scorecard"),
    path("dashboard/<int:snapshot_id>/<slug:agency_code>/responses/", drill.responses, name="drill-responses"),
    path("dashboard/<int:snapshot_id>/<slug:agency_code>/indicators/<int:indicator_id>/", drill.indicator,
         name="drill-indicator"),
    path("dashboard/<int:snapshot_id>/<slug:agency_code>/entries/<int:entry_id>/", drill.entry, name="drill-entry"),
    path("agency/", views.agency_scorecard, name="agency-scorecard"),
    path("dashboard/snapshots/<int:snapshot_id>/release/", views.dashboard_release, name="dashboard-release"),
    path("public/", views.public_results, name="public-results"),
    path("public/a/<slug:agency_code>/", views.public_agency, name="public-agency"),
    path("public/widget/", views.public_widget, name="public-widget"),
    path("public/feed.json", views.public_feed, name="public-feed"),
]
