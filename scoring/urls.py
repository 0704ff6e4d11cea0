from django.urls import path, re_path

from . import chart_views, views

urlpatterns = [
    path("assess/", views.assess, name="assess"),
    path("assess/cell/", views.assess_cell, name="assess-cell"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/charts/", chart_views.panel, name="dashboard-charts"),
    path("dashboard/charts/ranking.json", chart_views.ranking, name="dashboard-charts-ranking"),
    path("dashboard/charts/heatmap.json", chart_views.heatmap, name="dashboard-charts-heatmap"),
    path("dashboard/charts/trends.json", chart_views.trends, name="dashboard-charts-trends"),
    path("dashboard/charts/funnel.json", chart_views.funnel, name="dashboard-charts-funnel"),
    path("dashboard/charts/responses.json", chart_views.responses, name="dashboard-charts-responses"),
    path("dashboard/recompute/", views.dashboard_recompute, name="dashboard-recompute"),
    path("dashboard/ledger/", views.ledger, name="dashboard-ledger"),
    path("dashboard/ledger/<int:entry_id>/reverse/", views.ledger_reverse, name="dashboard-ledger-reverse"),
    path("dashboard/cycle-status/", views.dashboard_cycle_status, name="dashboard-cycle-status"),
    path("dashboard/publications/<int:publication_id>/retry/", views.dashboard_publication_retry,
         name="dashboard-publication-retry"),
    re_path(r"^dashboard/(?P<snapshot_id>[0-9]+)/rankings\.(?P<fmt>csv|xlsx)$", views.dashboard_export,
            name="dashboard-export"),
    path("dashboard/<int:snapshot_id>/<slug:agency_code>/", views.dashboard_scorecard, name="dashboard-scorecard"),
    path("agency/", views.agency_scorecard, name="agency-scorecard"),
    path("dashboard/snapshots/<int:snapshot_id>/release/", views.dashboard_release, name="dashboard-release"),
    path("public/", views.public_results, name="public-results"),
    path("public/a/<slug:agency_code>/", views.public_agency, name="public-agency"),
    path("public/widget/", views.public_widget, name="public-widget"),
    path("public/feed.json", views.public_feed, name="public-feed"),
]
