"""Who may open what: every route the project resolves × every role, the expected answer declared per cell.

The objects in the paths belong to the liaison's agency (and the inspector's visit), so the `liaison`
column is the own-object case and `other_liaison` the other-agency case. A route that resolves but is
missing from ROUTES fails `test_every_route_is_in_the_matrix`: adding a route means adding its line here.

Cells: an HTTP status, or LOGIN (a redirect to a login page: pages ask anonymous visitors to sign in).
Each cell runs in its own savepoint, rolled back afterwards, so one role's POST never changes what the
next role sees. `CE_MATRIX_DUMP=1 pytest tests/test_permissions_matrix.py -s` prints the observed rows.
"""
# ruff: noqa: E501 — the matrix is a table, one route per line with its columns aligned, which wraps badly.
import datetime
import fnmatch
import io
import os
import time
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from PIL import Image

from inspections import services as inspections
from rectification import services as rectification
from rectification.models import NoticeEvidence
from scoring import services as scoring
from surveys import services as surveys
from tests.factories import WindowFactory
from tests.scoring.factories import IndicatorFactory, snapshot_with

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = ["anonymous", "admin", "leader", "inspector", "assessor", "liaison", "other_liaison"]

# Service-written records (and the audit log): their admin add and delete pages are refused even to a superuser.
READ_ONLY_ADMIN = ["auditlog_logentry", "inspections_visit", "inspections_finding", "inspections_evidence", "rectification_rectificationnotice",
                   "rectification_notification", "rectification_commendationlist", "scoring_scoreentry",
                   "scoring_assessment", "scoring_rankingsnapshot", "scoring_scorecard", "scoring_publicrelease", "surveys_opinion"]

# key (URL name, or the pattern for an unnamed route; globs allowed), method, path, then one cell per ROLES.
# For each route and method, the lines of the first key that matches decide (several paths may share a key).
#   key                             method  path                                               anon   admin  leader insp   assr   liai   other
ROUTES = [
    ("home",                        "GET",  "/",                                               200,   200,   200,   200,   200,   200,   200),
    ("healthz",                     "GET",  "/healthz/",                                       200,   200,   200,   200,   200,   200,   200),
    ("login",                       "GET",  "/login/",                                         200,   200,   200,   200,   200,   200,   200),
    ("logout",                      "POST", "/logout/",                                        302,   302,   302,   302,   302,   302,   302),
    ("set_language",                "POST", "/i18n/setlang/",                                  302,   302,   302,   302,   302,   302,   302),
    ("api-token",                   "POST", "/api/v1/auth/token/",                             400,   400,   400,   400,   400,   400,   400),
    ("api/v1/",                     "GET",  "/api/v1/nowhere/",                                404,   404,   404,   404,   404,   404,   404),
    ("api-schema",                  "GET",  "/api/v1/schema/",                                 200,   200,   200,   200,   200,   200,   200),
    ("api-docs",                    "GET",  "/api/v1/docs/",                                   200,   200,   200,   200,   200,   200,   200),
    ("user-list",                   "GET",  "/api/v1/users/",                                  403,   200,   403,   403,   403,   403,   403),
    ("user-list",                   "POST", "/api/v1/users/",                                  403,   400,   403,   403,   403,   403,   403),
    ("user-detail",                 "GET",  "/api/v1/users/{liaison}/",                        403,   200,   403,   403,   403,   403,   403),
    ("agency-group-list",           "GET",  "/api/v1/agency-groups/",                          403,   200,   403,   403,   403,   403,   403),
    ("agency-group-list",           "POST", "/api/v1/agency-groups/",                          403,   400,   403,   403,   403,   403,   403),
    ("agency-group-detail",         "GET",  "/api/v1/agency-groups/{group}/",                  403,   200,   403,   403,   403,   403,   403),
    ("agency-list",                 "GET",  "/api/v1/agencies/",                               403,   200,   200,   200,   200,   200,   200),
    ("agency-list",                 "POST", "/api/v1/agencies/",                               403,   400,   403,   403,   403,   403,   403),
    ("agency-detail",               "GET",  "/api/v1/agencies/{agency}/",                      403,   200,   200,   200,   200,   200,   200),
    ("agency-detail",               "PATCH","/api/v1/agencies/{agency}/",                      403,   200,   403,   403,   403,   403,   403),
    ("agency-windows",              "GET",  "/api/v1/agencies/{agency}/windows/",              403,   200,   403,   403,   403,   403,   403),
    ("agency-windows",              "POST", "/api/v1/agencies/{agency}/windows/",              403,   400,   403,   403,   403,   403,   403),
    ("cycle-list",                  "GET",  "/api/v1/cycles/",                                 403,   200,   403,   403,   403,   403,   403),
    ("cycle-list",                  "POST", "/api/v1/cycles/",                                 403,   400,   403,   403,   403,   403,   403),
    ("cycle-detail",                "GET",  "/api/v1/cycles/{cycle}/",                         403,   200,   403,   403,   403,   403,   403),
    ("cycle-detail",                "PATCH","/api/v1/cycles/{cycle}/",                         403,   200,   403,   403,   403,   403,   403),
    ("survey-list",                 "GET",  "/api/v1/surveys/",                                403,   200,   403,   403,   403,   403,   403),
    ("survey-list",                 "POST", "/api/v1/surveys/",                                403,   400,   403,   403,   403,   403,   403),
    ("survey-detail",               "GET",  "/api/v1/surveys/{survey}/",                       403,   200,   403,   403,   403,   403,   403),
    ("survey-invitations",          "POST", "/api/v1/surveys/{appraisal}/invitations/",        403,   400,   403,   403,   403,   403,   403),
    ("survey-responses",            "POST", "/api/v1/surveys/{survey}/responses/",             400,   400,   400,   400,   400,   400,   400),
    ("ballots",                     "POST", "/api/v1/ballots/",                                400,   400,   400,   400,   400,   400,   400),
    ("track",                       "GET",  "/api/v1/track/{receipt}/",                        200,   200,   200,   200,   200,   200,   200),
    ("cycle-entries",               "GET",  "/api/v1/cycles/{cycle}/entries/",                 403,   200,   200,   403,   403,   200,   200),
    ("cycle-entries",               "POST", "/api/v1/cycles/{cycle}/entries/",                 403,   400,   403,   403,   403,   403,   403),
    ("entry-reverse",               "POST", "/api/v1/entries/{entry}/reverse/",                403,   400,   403,   403,   403,   403,   403),
    ("cycle-indicators",            "GET",  "/api/v1/cycles/{cycle}/indicators/",              403,   200,   403,   403,   200,   403,   403),
    ("cycle-indicators",            "POST", "/api/v1/cycles/{cycle}/indicators/",              403,   400,   403,   403,   403,   403,   403),
    ("cycle-assessments",           "PUT",  "/api/v1/cycles/{cycle}/assessments/",             403,   400,   403,   403,   400,   403,   403),
    ("cycle-recompute",             "POST", "/api/v1/cycles/{cycle}/recompute/",               403,   202,   403,   403,   403,   403,   403),
    ("cycle-rankings",              "GET",  "/api/v1/cycles/{cycle}/rankings/",                403,   200,   200,   403,   403,   403,   403),
    ("rectification-stats",         "GET",  "/api/v1/cycles/{cycle}/rectification-stats/",     403,   200,   200,   403,   403,   403,   403),
    ("rectification-list",          "GET",  "/api/v1/rectifications/",                         403,   200,   200,   403,   403,   200,   200),
    ("rectification-list",          "POST", "/api/v1/rectifications/",                         403,   400,   403,   403,   403,   403,   403),
    ("rectification-detail",        "GET",  "/api/v1/rectifications/{notice}/",                403,   200,   200,   403,   403,   200,   404),
    ("rectification-respond",       "POST", "/api/v1/rectifications/{notice}/respond/",        403,   403,   403,   403,   403,   400,   404),
    ("rectification-verify",        "POST", "/api/v1/rectifications/{notice}/verify/",         403,   400,   403,   403,   403,   403,   404),
    ("opinion-list",                "GET",  "/api/v1/opinions/",                               403,   200,   403,   403,   403,   403,   403),
    ("opinion-triage",              "POST", "/api/v1/opinions/{opinion}/triage/",              403,   400,   403,   403,   403,   403,   403),
    ("opinion-categories",          "GET",  "/api/v1/opinions/categories/",                    403,   200,   403,   403,   403,   403,   403),
    ("visit-list",                  "GET",  "/api/v1/visits/",                                 403,   200,   403,   200,   403,   403,   403),
    ("visit-list",                  "POST", "/api/v1/visits/",                                 403,   400,   403,   400,   403,   403,   403),
    ("visit-detail",                "GET",  "/api/v1/visits/{visit}/",                         403,   200,   403,   200,   403,   403,   403),
    ("visit-evidence",              "POST", "/api/v1/visits/{visit}/evidence/",                403,   403,   403,   415,   403,   403,   403),
    ("finding-list",                "GET",  "/api/v1/findings/",                               403,   200,   200,   200,   403,   200,   200),
    ("finding-detail",              "GET",  "/api/v1/findings/{confirmed}/",                   403,   200,   200,   200,   403,   200,   404),
    ("finding-detail",              "GET",  "/api/v1/findings/{finding}/",                     403,   200,   200,   200,   403,   404,   404),
    ("finding-confirm",             "POST", "/api/v1/findings/{finding}/confirm/",             403,   200,   403,   403,   403,   403,   403),
    ("finding-dismiss",             "POST", "/api/v1/findings/{finding}/dismiss/",             403,   400,   403,   403,   403,   403,   403),
    ("finding-appeal",              "POST", "/api/v1/findings/{confirmed}/appeal/",            403,   403,   403,   403,   403,   400,   404),
    ("finding-adjudicate",          "POST", "/api/v1/findings/{confirmed}/adjudicate/",        403,   400,   403,   403,   403,   403,   403),
    ("surveys:office",              "GET",  "/surveys/",                                       LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:start",               "GET",  "/s/{survey}/",                                    200,   200,   200,   200,   200,   200,   200),
    ("surveys:thanks",              "GET",  "/s/{survey}/thanks/",                             302,   302,   302,   302,   302,   302,   302),
    ("surveys:agency",              "GET",  "/s/{survey}/a/{agency}/",                         200,   200,   200,   200,   200,   200,   200),
    ("surveys:agency",              "POST", "/s/{survey}/a/{agency}/",                         200,   200,   200,   200,   200,   200,   200),
    ("surveys:window",              "GET",  "/s/{survey}/a/{agency}/w/{window}/",              200,   200,   200,   200,   200,   200,   200),
    ("surveys:qr-index",            "GET",  "/s/{survey}/qr/",                                 LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:qr-agency-svg",       "GET",  "/s/{survey}/a/{agency}/qr.svg",                   LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:qr-agency-png",       "GET",  "/s/{survey}/a/{agency}/qr.png",                   LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:qr-sheet",            "GET",  "/s/{survey}/a/{agency}/sheet/",                   LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:qr-window-svg",       "GET",  "/s/{survey}/a/{agency}/w/{window}/qr.svg",        LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:qr-window-png",       "GET",  "/s/{survey}/a/{agency}/w/{window}/qr.png",        LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:anomalies",           "GET",  "/s/{survey}/anomalies/",                          LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:invitations",         "GET",  "/s/{appraisal}/invitations/",                     LOGIN, 200,   403,   403,   403,   403,   403),
    ("surveys:track",               "GET",  "/track/",                                         200,   200,   200,   200,   200,   200,   200),
    ("surveys:ballot",              "GET",  "/ballot/{token}/",                                200,   200,   200,   200,   200,   200,   200),
    ("rectification:track-feedback","POST", "/track/{receipt}/feedback/",                      404,   404,   404,   404,   404,   404,   404),
    ("assess",                      "GET",  "/assess/",                                        LOGIN, 200,   403,   403,   200,   403,   403),
    ("assess-cell",                 "POST", "/assess/cell/",                                   LOGIN, 404,   403,   403,   404,   403,   403),
    ("dashboard",                   "GET",  "/dashboard/",                                     LOGIN, 200,   200,   403,   403,   403,   403),
    ("dashboard-charts",            "GET",  "/dashboard/charts/",                              LOGIN, 200,   200,   403,   403,   403,   403),
    ("dashboard-charts-ranking",    "GET",  "/dashboard/charts/ranking.json",                  LOGIN, 200,   200,   403,   403,   403,   403),
    ("dashboard-charts-heatmap",    "GET",  "/dashboard/charts/heatmap.json",                  LOGIN, 200,   200,   403,   403,   403,   403),
    ("dashboard-charts-trends",     "GET",  "/dashboard/charts/trends.json",                   LOGIN, 200,   200,   403,   403,   403,   403),
    ("dashboard-charts-funnel",     "GET",  "/dashboard/charts/funnel.json",                   LOGIN, 200,   200,   403,   403,   403,   403),
    ("dashboard-charts-responses",  "GET",  "/dashboard/charts/responses.json",                LOGIN, 200,   200,   403,   403,   403,   403),
    ("dashboard-recompute",         "POST", "/dashboard/recompute/",                           LOGIN, 302,   403,   403,   403,   403,   403),
    ("dashboard-export",            "GET",  "/dashboard/{snapshot}/rankings.csv",              LOGIN, 200,   200,   403,   403,   403,   403),
    ("dashboard-scorecard",         "GET",  "/dashboard/{snapshot}/{agency}/",                 LOGIN, 200,   200,   403,   403,   403,   403),
    ("report-export",               "GET",  "/dashboard/exports/rankings.xlsx",                LOGIN, 200,   200,   403,   403,   403,   403),
    ("report-export",               "GET",  "/dashboard/exports/opinions.csv",                 LOGIN, 200,   200,   403,   403,   403,   403),
    ("report-export",               "GET",  "/dashboard/exports/notices.xlsx?period=bad",      LOGIN, 400,   400,   403,   403,   403,   403),
    ("bulletin",                    "GET",  "/dashboard/bulletin/{snapshot}/",                 LOGIN, 200,   200,   403,   403,   403,   403),
    ("bulletin-docx",               "GET",  "/dashboard/bulletin/{snapshot}.docx",             LOGIN, 200,   200,   403,   403,   403,   403),
    ("agency-dossier",              "GET",  "/agency/dossier/{agency}.xlsx",                   LOGIN, 200,   200,   403,   403,   403,   403),
    ("agency-dossier",              "GET",  "/agency/dossier/{agency}.csv",                    LOGIN, 200,   200,   403,   403,   403,   403),
    ("drill-responses",             "GET",  "/dashboard/{snapshot}/{agency}/responses/",       LOGIN, 200,   200,   403,   403,   200,   404),
    ("drill-indicator",             "GET",  "/dashboard/{snapshot}/{agency}/indicators/{indicator}/", LOGIN, 200, 200, 403,   403,   200,   404),
    ("drill-entry",                 "GET",  "/dashboard/{snapshot}/{agency}/entries/{entry}/", LOGIN, 200,   200,   403,   403,   200,   404),
    ("agency-scorecard",            "GET",  "/agency/",                                        LOGIN, 403,   403,   403,   403,   200,   200),
    ("public-results",              "GET",  "/public/",                                        200,   200,   200,   200,   200,   200,   200),
    ("public-agency",               "GET",  "/public/a/{agency}/",                             200,   200,   200,   200,   200,   200,   200),
    ("public-widget",               "GET",  "/public/widget/",                                 200,   200,   200,   200,   200,   200,   200),
    ("public-feed",                 "GET",  "/public/feed.json",                               200,   200,   200,   200,   200,   200,   200),
    ("dashboard-release",           "POST", "/dashboard/snapshots/{snapshot}/release/",        LOGIN, 302,   403,   403,   403,   403,   403),
    ("rectification:agency-inbox",  "GET",  "/agency/notices/",                                LOGIN, 403,   403,   403,   403,   200,   200),
    ("rectification:notice",        "GET",  "/agency/notices/{notice}/",                       LOGIN, 200,   200,   403,   403,   200,   404),
    ("rectification:evidence",      "GET",  "/agency/notices/{notice}/evidence/{nevidence}/",  LOGIN, 200,   200,   403,   403,   200,   404),
    ("rectification:board",         "GET",  "/dashboard/rectifications/",                      LOGIN, 200,   200,   403,   403,   403,   403),
    ("rectification:board-notice",  "GET",  "/dashboard/rectifications/{notice}/",             LOGIN, 200,   200,   403,   403,   200,   404),
    ("rectification:triage-queue",  "GET",  "/dashboard/opinions/",                            LOGIN, 200,   403,   403,   403,   403,   403),
    ("rectification:triage-queue",  "POST", "/dashboard/opinions/",                            LOGIN, 400,   403,   403,   403,   403,   403),
    ("rectification:triage",        "POST", "/dashboard/opinions/{opinion}/triage/",           LOGIN, 302,   403,   403,   403,   403,   403),
    ("rectification:notifications", "GET",  "/notifications/",                                 LOGIN, 200,   200,   200,   200,   200,   200),
    ("rectification:notification-open", "GET", "/notifications/{notification}/open/",          LOGIN, 404,   404,   404,   404,   302,   404),
    ("inspections:visits",          "GET",  "/inspect/",                                       LOGIN, 403,   403,   200,   403,   403,   403),
    ("inspections:visit-new",       "GET",  "/inspect/new/",                                   LOGIN, 403,   403,   200,   403,   403,   403),
    ("inspections:visit",           "GET",  "/inspect/{visit}/",                               LOGIN, 200,   200,   200,   404,   404,   404),
    ("inspections:windows",         "GET",  "/inspect/windows/?agency={agency}",               LOGIN, 200,   200,   200,   200,   200,   200),
    ("inspections:evidence",        "GET",  "/inspect/evidence/{vevidence}/",                  LOGIN, 200,   200,   200,   404,   404,   404),
    ("inspections:review",          "GET",  "/dashboard/findings/",                            LOGIN, 200,   403,   403,   403,   403,   403),
    ("inspections:review-confirm",  "POST", "/dashboard/findings/{finding}/confirm/",          LOGIN, 302,   403,   403,   403,   403,   403),
    ("inspections:review-dismiss",  "POST", "/dashboard/findings/{finding}/dismiss/",          LOGIN, 302,   403,   403,   403,   403,   403),
    ("inspections:finding",         "GET",  "/dashboard/findings/{confirmed}/",                LOGIN, 200,   200,   403,   403,   200,   404),
    ("inspections:finding",         "GET",  "/dashboard/findings/{finding}/",                  LOGIN, 200,   200,   403,   403,   404,   404),
    ("inspections:appeals",         "GET",  "/dashboard/findings/appeals/",                    LOGIN, 200,   403,   403,   403,   403,   403),
    ("inspections:adjudicate",      "POST", "/dashboard/findings/{confirmed}/adjudicate/",     LOGIN, 302,   403,   403,   403,   403,   403),
    ("dashboard-cycle-status",      "POST", "/dashboard/cycle-status/",                        LOGIN, 302,   403,   403,   403,   403,   403),
    ("dashboard-publication-retry", "POST", "/dashboard/publications/0/retry/",                LOGIN, 404,   403,   403,   403,   403,   403),
    ("dashboard-ledger",            "GET",  "/dashboard/ledger/",                              LOGIN, 200,   403,   403,   403,   403,   403),
    ("dashboard-ledger-reverse",    "POST", "/dashboard/ledger/{entry}/reverse/",              LOGIN, 302,   403,   403,   403,   403,   403),
    ("inspections:agency-findings", "GET",  "/agency/findings/",                               LOGIN, 403,   403,   403,   403,   200,   200),
    ("inspections:agency-appeal",   "POST", "/agency/findings/{confirmed}/appeal/",            LOGIN, 403,   403,   403,   403,   302,   404),
    # The admin site: staff only (the demo's administrators are superusers); everyone else is sent to its login.
    ("admin:index",                 "GET",  "/admin/",                                         LOGIN, 200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:login",                 "GET",  "/admin/login/",                                   200,   302,   200,   200,   200,   200,   200),
    ("admin:logout",                "POST", "/admin/logout/",                                  302,   302,   302,   302,   302,   302,   302),
    ("admin:password_change",       "GET",  "/admin/password_change/",                         LOGIN, 200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:password_change_done",  "GET",  "/admin/password_change/done/",                    LOGIN, 200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:autocomplete",          "GET",  "/admin/autocomplete/",                            LOGIN, 403,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:jsi18n",                "GET",  "/admin/jsi18n/",                                  LOGIN, 200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:view_on_site",          "GET",  "/admin/r/{user_ct}/{liaison}/",                   LOGIN, 404,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:app_list",              "GET",  "/admin/{app}/",                                   LOGIN, 200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin/*/<path:object_id>/",   "GET",  "/admin/{app}/{model}/0/",                         LOGIN, 302,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:*_changelist",          "GET",  "/admin/{app}/{model}/",                           LOGIN, 200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    *[(f"admin:{model}_add",        "GET",  "/admin/{app}/{model}/add/",                       LOGIN, 403,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)
      for model in [*READ_ONLY_ADMIN, "surveys_invitation", "agencies_loginlockout"]],  # invitations: their page; lockouts: axes
    *[(f"admin:{model}_delete",     "GET",  "/admin/{app}/{model}/0/delete/",                  LOGIN, 403,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)
      for model in READ_ONLY_ADMIN],
    ("admin:*_add",                 "GET",  "/admin/{app}/{model}/add/",                       LOGIN, 200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:*_change",              "GET",  "/admin/{app}/{model}/0/change/",                  LOGIN, 302,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:*_history",             "GET",  "/admin/{app}/{model}/0/history/",                 LOGIN, 302,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:*_delete",              "GET",  "/admin/{app}/{model}/0/delete/",                  LOGIN, 302,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin/(?P<url>.*)$",          "GET",  "/admin/nowhere/",                                 LOGIN, 404,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("admin:*_password_change",     "GET",  "/admin/{app}/{model}/{liaison}/password/",        LOGIN, 200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
]


# --- the routes the project resolves ----------------------------------------------------------------

def resolved_routes():
    """(key, admin model or None) of every URL pattern: the namespaced name, or the pattern when unnamed."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                route = prefix + str(pattern.pattern)
                yield (f"{namespace}{pattern.name}" if pattern.name else route), route

    return list(walk(get_resolver().url_patterns))


def lines_for(key: str) -> list[tuple]:
    """The matrix lines deciding `key`: per method, the lines of the first key (or glob) that matches it."""
    deciding, lines = {}, []
    for line in ROUTES:
        if fnmatch.fnmatchcase(key, line[0]) and deciding.setdefault(line[1], line[0]) == line[0]:
            lines.append(line)
    return lines


def admin_model_of(route: str) -> tuple[str, str] | None:
    parts = route.split("/")
    if route.startswith("admin/") and len(parts) > 3 and parts[1] and parts[2] and not parts[1].startswith("("):
        return parts[1], parts[2]
    return None


def cells():
    """(method, path, {role: expected}) for every resolved route and method, its path filled in for that route."""
    seen = set()
    for key, route in resolved_routes():
        for line in lines_for(key):
            model = admin_model_of(route)
            path = line[2]
            if model:
                path = path.replace("{app}", model[0]).replace("{model}", model[1])
            elif "{app}" in path:
                path = path.replace("{app}", "agencies")
            if (line[1], path) not in seen:
                seen.add((line[1], path))
                yield line[1], path, dict(zip(ROLES, line[3:], strict=True))


def test_every_route_is_in_the_matrix():
    missing = [key for key, _ in resolved_routes() if not lines_for(key)]
    assert not missing, f"routes without a line in ROUTES: {missing}"


def test_every_line_of_the_matrix_is_a_route():
    keys = [key for key, _ in resolved_routes()]
    stale = sorted({line[0] for line in ROUTES if not any(fnmatch.fnmatchcase(k, line[0]) for k in keys)})
    assert not stale, f"lines of ROUTES that match no route: {stale}"


# --- the world the cells are asked about -----------------------------------------------------------

def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world(tmp_path, settings, agency, other_agency, cycle, admin, leader, inspector, assessor, liaison,
          other_liaison):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"
    admin.is_staff = admin.is_superuser = True
    admin.save()
    liaison.email = "liaison@example.gov.cn"
    liaison.save()
    now = timezone.now()
    window = WindowFactory(agency=agency, code="w01", name="户政窗口")
    survey = surveys.survey_create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                   opens_at=now - datetime.timedelta(days=30), closes_at=now + datetime.timedelta(days=30))
    appraisal = surveys.survey_create(slug="app", cycle=cycle, kind="appraisal", title="年度评议",
                                      opens_at=now - datetime.timedelta(days=5), closes_at=now + datetime.timedelta(days=5))
    (token,) = surveys.invitations_issue(survey=appraisal, category="deputy", count=1)
    opinion = surveys.opinion_create(survey=survey, agency=agency, text="窗口排队太久", contact="13812345678")
    visit = inspections.visit_create(
        inspector=inspector, agency=agency, mode="covert", summary="暗访",
        visited_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 30)),
        findings=[{"category": "attitude", "severity": "major", "description": "推诿"},
                  {"category": "laziness", "severity": "minor", "description": "脱岗"}])
    finding, confirmed = visit.findings.order_by("pk")
    vevidence = inspections.evidence_add(visit=visit, upload=png(), finding=finding)
    inspections.visit_submit(visit=visit)
    inspections.finding_confirm(finding=confirmed, actor=admin)  # what a liaison sees (and may appeal)
    notice = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口态度差",
                                        source_key="manual:matrix", actor=admin)
    rectification.notice_respond(notice=notice, actor=liaison, measures="已整改", files=[png()])
    entry = scoring.score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="1", reason="表扬")
    indicator = IndicatorFactory(cycle=cycle, assessor_unit=assessor.assessor_unit)
    snapshot = snapshot_with(cycle, [agency, other_agency])
    from django.contrib.contenttypes.models import ContentType

    return {
        "agency": agency.code, "window": window.code, "cycle": cycle.code, "survey": survey.slug,
        "appraisal": appraisal.slug, "token": token, "receipt": opinion.receipt, "opinion": opinion.pk,
        "visit": visit.pk, "finding": finding.pk, "confirmed": confirmed.pk, "vevidence": vevidence.pk, "notice": notice.pk,
        "nevidence": NoticeEvidence.objects.get(notice=notice).pk, "entry": entry.pk, "snapshot": snapshot.pk,
        "group": agency.group.code, "liaison": liaison.pk, "indicator": indicator.pk,
        "notification": liaison.notifications.filter(notice=notice).order_by("pk").first().pk,
        "user_ct": ContentType.objects.get_for_model(liaison).pk,
        "users": {"anonymous": None, "admin": admin, "leader": leader, "inspector": inspector,
                  "assessor": assessor, "liaison": liaison, "other_liaison": other_liaison},
    }


class _Rollback(Exception):
    pass


def observe(session: str | None, method: str, path: str):
    """The cell's answer, from a fresh client with the role's session, inside a savepoint that is rolled back
    (so a POST, or a logout, changes nothing for the next cell)."""
    client = Client()
    if session:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    try:
        with transaction.atomic():
            if method == "GET":
                response = client.get(path)
            else:
                response = getattr(client, method.lower())(path, data="{}", content_type="application/json")
            raise _Rollback(response)
    except _Rollback as done:
        response = done.args[0]
    if response.status_code == 302 and "login/" in response.get("Location", ""):
        return LOGIN
    return response.status_code


def session_of(user) -> str | None:
    if user is None:
        return None
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_who_may_open_what(world):
    """Every cell of the matrix, in one world (cells are isolated by savepoints); all mismatches at once."""
    sessions = {role: session_of(world["users"][role]) for role in ROLES}
    wrong, dump = [], os.environ.get("CE_MATRIX_DUMP")
    for method, template, expected in cells():
        path = template.format(**world)
        started = time.monotonic()
        observed = {role: observe(sessions[role], method, path) for role in ROLES}
        if dump:
            print("MATRIX", method, template, *observed.values(), f"{time.monotonic() - started:.2f}s")
        if observed != expected:
            wrong.append(f"{method} {path}: " + ", ".join(f"{role} {expected[role]}→{observed[role]}"
                                                          for role in ROLES if observed[role] != expected[role]))
    assert not wrong, "cells that differ from the matrix (expected→observed):\n" + "\n".join(wrong)
