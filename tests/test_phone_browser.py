"""Every office page on a 360 px phone in real Chromium (Debian's): nothing scrolls sideways.

The pages come from the URL resolver: each route the project serves is either visited here (by the role that
uses it, in a world with something on every page: long agency names, opinions, notices at each step, a visit
with a photo, an appeal, a snapshot released to the public) or exempt with its reason (downloads, JSON, POST-only
actions, redirects). A new page missing from both lists fails `test_every_page_is_visited_or_exempt`.
A page that overflows is named with its widest elements (the outermost ones that reach past the screen)."""
import datetime
import fnmatch
import os

import pytest
from django.db import connections
from django.utils import timezone

from inspections import services as inspections
from rectification.services import notices as rectification
from scoring import services as scoring
from surveys import services as surveys
from tests import drill_world
from tests.conftest import CHROMIUM
from tests.factories import AgencyFactory
from tests.test_navbar_browser import CHROMIUM_ARGS, sign_in
from tests.test_permissions_matrix import resolved_routes

WIDTH, HEIGHT = 360, 740

# key (URL name, as in tests/test_permissions_matrix.py) → [(role, path)]; the path is filled from the world.
PAGES = {
    "home": [("admin", "/"), ("liaison", "/"), ("inspector", "/"), ("assessor", "/"), ("leader", "/")],
    "login": [("anonymous", "/login/")],
    "surveys:office": [("admin", "/surveys/")],
    "surveys:start": [("anonymous", "/s/{survey}/")],
    "surveys:agency": [("anonymous", "/s/{survey}/a/{agency}/")],
    "surveys:window": [("anonymous", "/s/{survey}/a/{agency}/w/{window}/")],
    "surveys:qr-index": [("admin", "/s/{survey}/qr/")],
    "surveys:qr-sheet": [("admin", "/s/{survey}/a/{agency}/sheet/")],
    "surveys:anomalies": [("admin", "/s/{survey}/anomalies/")],
    "surveys:invitations": [("admin", "/s/{appraisal}/invitations/")],
    "surveys:track": [("anonymous", "/track/?receipt={receipt}"), ("anonymous", "/track/?receipt={routed_receipt}")],
    "surveys:ballot": [("anonymous", "/ballot/{token}/")],
    "assess": [("assessor", "/assess/")],
    "dashboard": [("admin", "/dashboard/"), ("leader", "/dashboard/")],
    "dashboard-charts": [("admin", "/dashboard/charts/")],
    "dashboard-ledger": [("admin", "/dashboard/ledger/")],
    "bulletin": [("admin", "/dashboard/bulletin/{snapshot}/")],
    "dashboard-scorecard": [("admin", "/dashboard/{snapshot}/{agency}/"), ("leader", "/dashboard/{snapshot}/{long}/")],
    "drill-responses": [("admin", "/dashboard/{snapshot}/{agency}/responses/?dimension=service_attitude"),
                        ("liaison", "/dashboard/{snapshot}/{agency}/responses/")],
    "drill-indicator": [("admin", "/dashboard/{snapshot}/{agency}/indicators/{indicator}/")],
    "drill-entry": [("admin", "/dashboard/{snapshot}/{agency}/entries/{bonus}/"),
                    ("admin", "/dashboard/{snapshot}/{agency}/entries/{inspection_entry}/")],
    "agency-scorecard": [("liaison", "/agency/")],
    "public-results": [("anonymous", "/public/")],
    "public-agency": [("anonymous", "/public/a/{agency}/"), ("anonymous", "/public/a/{long}/")],
    "public-widget": [("anonymous", "/public/widget/")],
    "rectification:agency-inbox": [("liaison", "/agency/notices/")],
    "rectification:notice": [("liaison", "/agency/notices/{issued}/"),  # the response form
                             ("liaison", "/agency/notices/{responded}/"), ("admin", "/agency/notices/{verified}/")],
    "rectification:board": [("admin", "/dashboard/rectifications/"), ("leader", "/dashboard/rectifications/")],
    "rectification:board-notice": [("admin", "/dashboard/rectifications/{responded}/"),  # the verification form
                                   ("admin", "/dashboard/rectifications/{issued}/"),
                                   ("admin", "/dashboard/rectifications/{verified}/")],
    "rectification:triage-queue": [("admin", "/dashboard/opinions/"), ("admin", "/dashboard/opinions/?view=clusters")],
    "rectification:notifications": [("liaison", "/notifications/"), ("admin", "/notifications/")],
    "inspections:visits": [("inspector", "/inspect/")],
    "inspections:visit-new": [("inspector", "/inspect/new/")],
    "inspections:visit": [("inspector", "/inspect/{draft}/"), ("inspector", "/inspect/{visit}/"),
                          ("admin", "/inspect/{visit}/")],
    "inspections:review": [("admin", "/dashboard/findings/")],
    "inspections:finding": [("admin", "/dashboard/findings/{finding}/"), ("liaison", "/dashboard/findings/{finding}/")],
    "inspections:appeals": [("admin", "/dashboard/findings/appeals/")],
    "inspections:agency-findings": [("liaison", "/agency/findings/")],
}

# The error pages, reached by a role that may not open a page and by an address that does not exist.
ERROR_PAGES = [("liaison", "/dashboard/", 403), ("assessor", "/dashboard/opinions/", 403),
               ("liaison", "/nowhere/", 404), ("admin", "/dashboard/findings/999999/", 404),
               ("anonymous", "/nowhere/", 404)]

# Routes not visited, with the reason (keys or globs, as above).
EXEMPT = {
    "healthz": "plain-text health check",
    "logout": "POST only", "set_language": "POST only",
    "surveys:thanks": "redirects unless a response was just submitted; its page is the citizen test's",
    "surveys:qr-*-svg": "an image", "surveys:qr-*-png": "an image",
    "assess-cell": "POST only (an htmx cell of the assess grid, which is visited)",
    "dashboard-charts-*": "JSON for the dashboard's charts",
    "dashboard-recompute": "POST only", "dashboard-ledger-reverse": "POST only",
    "dashboard-cycle-status": "POST only", "dashboard-publication-retry": "POST only",
    "dashboard-release": "POST only",
    "dashboard-export": "a file download (CSV/XLSX)", "report-export": "a file download (CSV/XLSX)",
    "bulletin-docx": "a file download (DOCX)", "agency-dossier": "a file download (CSV/XLSX)",
    "public-feed": "JSON",
    "rectification:evidence": "an evidence file",
    "rectification:triage": "POST only", "rectification:track-feedback": "POST only",
    "rectification:notification-open": "a redirect to the notice (visited)",
    "inspections:windows": "an htmx fragment of <option>s for the visit form (visited)",
    "inspections:evidence": "a photo",
    "inspections:review-confirm": "POST only", "inspections:review-dismiss": "POST only",
    "inspections:adjudicate": "POST only", "inspections:agency-appeal": "POST only",
}
# Whole parts of the site that are not the office's own pages.
EXEMPT_PREFIXES = {
    "api/": "the JSON API (its Swagger UI is drf-spectacular's own page)",
    "admin/": "Django's admin site, with its own responsive stylesheet (its index is visited below)",
}
PAGES_OUTSIDE = {"admin:index": [("admin", "/admin/")]}

# Boxes that may scroll sideways inside the page, because a wide table is their content (lists become cards).
SCROLLERS = {
    ".ce-assess-scroll": "the assess grid: agencies × indicators, its header row and agency column sticky",
}

# The outermost elements that reach past the right edge of the screen (their parent does not), widest first,
# and the boxes that scroll sideways inside the page (a list squeezed into a table-responsive).
OVERFLOW = """allowed => {
  const limit = document.documentElement.clientWidth + 1, found = [], scrollers = [];
  const reaches = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > limit; };
  const describe = el => {
    const r = el.getBoundingClientRect();
    return {right: Math.round(r.right), width: Math.round(r.width), scroll: el.scrollWidth,
            name: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                  [...el.classList].slice(0, 4).map(c => "." + c).join(""),
            text: (el.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 40)};
  };
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
        && !(allowed && el.matches(allowed))) scrollers.push(describe(el));
    if (!reaches(el) || (el.parentElement && el.parentElement !== document.body && reaches(el.parentElement))) continue;
    found.push(describe(el));
  }
  found.sort((a, b) => b.right - a.right);
  return {scrollWidth: document.documentElement.scrollWidth, widest: found.slice(0, 3), scrollers};
}"""


def exempt(key: str, route: str) -> str | None:
    for prefix, reason in EXEMPT_PREFIXES.items():
        if route.startswith(prefix):
            return reason
    return next((reason for pattern, reason in EXEMPT.items() if fnmatch.fnmatchcase(key, pattern)), None)


def test_every_page_is_visited_or_exempt():
    routes = resolved_routes()
    keys = {key for key, _ in routes}
    unlisted = [key for key, route in routes if key not in PAGES and not exempt(key, route)]
    assert not unlisted, f"routes neither visited at 360 px nor exempt (add them to PAGES or EXEMPT): {unlisted}"
    stale = [key for key in [*PAGES, *EXEMPT, *PAGES_OUTSIDE] if not any(fnmatch.fnmatchcase(k, key) for k in keys)]
    assert not stale, f"entries that match no route: {stale}"
    both = [key for key in PAGES if exempt(key, dict(routes)[key])]
    assert not both, f"routes both visited and exempt: {both}"


# --- the world ---------------------------------------------------------------------------------------

LONG_NAMES = [("crj", "市公安局出入境管理支队"), ("gzw", "市国有资产监督管理委员会"),
              ("zrzyj", "市自然资源和规划局"), ("ybfw", "市医疗保障服务中心")]
TEXT = "户政窗口排队时间太长，工作人员态度冷淡，希望增加窗口" + "并且延长中午的办理时间方便上班族" * 3


def build_world(*, cycle, agency, admin, leader, liaison, inspector, assessor):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    liaison.email = "liaison@example.gov.cn"
    liaison.save()
    agency.leader_account = leader
    agency.save(update_fields=["leader_account"])
    longs = [AgencyFactory(code=code, name=name, group=agency.group) for code, name in LONG_NAMES]
    world = drill_world.build(cycle=cycle, agency=agency, admin=admin, liaison=liaison, inspector=inspector,
                              assessor=assessor)
    survey = world.snapshot.cycle.surveys.get(slug="pub")
    now = timezone.now()
    appraisal = surveys.survey_create(slug="app", cycle=cycle, kind="appraisal", title="年度评议",
                                      opens_at=now - datetime.timedelta(days=5),
                                      closes_at=now + datetime.timedelta(days=5))
    tokens = surveys.invitations_issue(survey=appraisal, category="deputy", count=3)
    opinions = [surveys.opinion_create(survey=survey, agency=[agency, *longs][i % 5], text=f"{TEXT}（{i}）",
                                       contact="13812345678", at=now - datetime.timedelta(hours=i)) for i in range(8)]
    from rectification.services.triage import opinion_triage

    opinion_triage(opinion=opinions[-1], action="route", agency=agency, note="已转交市公安局整改", actor=admin)
    issued = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text=TEXT, actor=admin,
                                        source_key="manual:phone-issued")
    responded = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口服务态度差，限期整改",
                                           actor=admin, source_key="manual:phone-responded")
    rectification.notice_respond(notice=responded, actor=liaison, measures="已开展作风教育并调整窗口排班" * 3,
                                 files=[drill_world.photo()])
    verified = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="办事效率低",
                                          actor=admin, source_key="manual:phone-verified")
    rectification.notice_respond(notice=verified, actor=liaison, measures="已整改", files=[drill_world.photo()])
    rectification.notice_verify(notice=verified, actor=admin, accepted=True, comment="整改到位")
    # A visit waiting for review, with a finding appealed and not yet ruled, and a draft of the inspector's.
    visit = inspections.visit_create(
        inspector=inspector, agency=longs[0], mode="covert", summary="暗访出入境窗口",
        visited_at=now - datetime.timedelta(days=4),
        findings=[{"category": "attitude", "severity": "major", "description": TEXT},
                  {"category": "laziness", "severity": "minor", "description": "脱岗"}])
    pending, appealed = visit.findings.order_by("pk")
    inspections.evidence_add(visit=visit, upload=drill_world.photo(), finding=pending)
    inspections.visit_submit(visit=visit)
    inspections.finding_confirm(finding=appealed, actor=admin, reason="照片为证")
    draft = inspections.visit_create(inspector=inspector, agency=agency, mode="open", summary="明查",
                                     visited_at=now - datetime.timedelta(days=1),
                                     findings=[{"category": "attitude", "severity": "minor", "description": TEXT}])
    snapshot = scoring.snapshot_compute(cycle=cycle, actor=admin)
    scoring.snapshot_release(snapshot=snapshot, actor=admin)
    return {
        "survey": survey.slug, "appraisal": appraisal.slug, "agency": agency.code, "long": longs[0].code,
        "window": "hz", "receipt": opinions[0].receipt, "routed_receipt": opinions[-1].receipt, "token": tokens[0],
        "snapshot": snapshot.pk, "indicator": world.indicator.pk, "bonus": world.bonus.pk,
        "inspection_entry": world.inspection_entry.pk, "issued": issued.pk, "responded": responded.pk,
        "verified": verified.pk, "visit": world.finding.visit_id, "draft": draft.pk, "finding": world.finding.pk,
    }


@pytest.fixture
def phone(monkeypatch):
    """`phone(username or None)` → a 360 × 740 page signed in as that user (one context per user)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        pages = {}

        def open_as(base: str, username: str | None):
            if username not in pages:
                context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
                page = context.new_page()
                page.set_default_timeout(15_000)
                page.problems = []
                page.on("pageerror", lambda error, page=page: page.problems.append(f"{page.url}: {error}"))
                if username:
                    sign_in(page, base, username)
                pages[username] = page
            return pages[username]

        open_as.pages = pages
        yield open_as
        browser.close()
    connections.close_all()


def described(elements) -> str:
    return "; ".join(f"{e['name']} (right {e['right']}, width {e['width']}, scrollWidth {e['scroll']}) “{e['text']}”"
                     for e in elements)


def overflow(page) -> str | None:
    """What makes the page wider than the screen, or a box of it scroll sideways; None when all fits."""
    seen = page.evaluate(OVERFLOW, ", ".join(SCROLLERS))
    if seen["scrollWidth"] > WIDTH + 1:
        return f"{page.url} is {seen['scrollWidth']} px wide; widest: {described(seen['widest'])}"
    if seen["scrollers"]:
        return f"{page.url} scrolls sideways inside: {described(seen['scrollers'][:3])}"
    return None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_office_page_scrolls_sideways_at_360_px(live_server, phone, tmp_path, settings, cycle, agency, admin,
                                                    leader, liaison, inspector, assessor):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(cycle=cycle, agency=agency, admin=admin, leader=leader, liaison=liaison,
                        inspector=inspector, assessor=assessor)
    users = {"anonymous": None, "admin": "admin", "leader": "leader", "liaison": "liaison",
             "inspector": "inspector", "assessor": "assessor"}
    visits = [(role, path, 200) for lines in [*PAGES.values(), *PAGES_OUTSIDE.values()] for role, path in lines]
    wide, wrong = [], []
    for role, template, status in [*visits, *ERROR_PAGES]:
        page = phone(live_server.url, users[role])
        path = template.format(**world)
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state()
        if status and response.status != status:
            wrong.append(f"{role} {path}: {response.status}, expected {status}")
        problem = overflow(page)
        if os.environ.get("CE_PHONE_DUMP"):
            name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            page.screenshot(path=f"{os.environ['CE_PHONE_DUMP']}/{role}-{name}.png", full_page=True)
            print("PHONE", role, path, response.status, page.evaluate("document.documentElement.scrollWidth"))
        if problem:
            wide.append(f"{role}: {problem}")
    assert not wrong, "pages that did not open as expected:\n" + "\n".join(wrong)
    assert not wide, "pages wider than the 360 px screen:\n" + "\n".join(wide)
    problems = [problem for page in phone.pages.values() for problem in page.problems]
    assert not problems, problems
