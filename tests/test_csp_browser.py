"""The Content-Security-Policy in a real browser (Debian's Chromium): nothing on the pages is blocked, the
nonce'd inline scripts and static/js/app.js run, and Swagger UI still renders."""
import datetime

import pytest
from django.utils import timezone

from surveys.models import Survey
from tests.conftest import CHROMIUM
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile || location.pathname}`));
"""


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = chromium.new_context(locale="zh-CN")
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        yield page
        context.close()
        chromium.close()


def assert_nothing_blocked(page) -> None:
    violations = page.evaluate("window.__csp")
    assert not violations and not page.errors, (page.url, violations, page.errors)


def test_pages_run_under_the_policy_with_nothing_blocked(live_server, page, cycle, agency, other_agency):
    now = timezone.now()
    Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评",
                          opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30))
    UserFactory(username="office", role="admin", is_staff=True, is_superuser=True)

    # The survey's inline (nonce'd) filter script runs: typing hides the other agency.
    page.goto(f"{live_server.url}/s/minping/")
    page.locator("#agency-filter").fill(agency.name)
    assert page.locator(f"[data-agency='{other_agency.name}']").is_hidden()
    assert page.locator(f"[data-agency='{agency.name}']").is_visible()
    assert_nothing_blocked(page)

    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill("office")
    page.locator("#id_password").fill("pass-Word-123")  # the factory's
    page.locator("main form button").click()
    page.wait_for_url(f"{live_server.url}/")
    for path in ["/dashboard/", "/dashboard/opinions/", "/dashboard/findings/", "/dashboard/rectifications/",
                 "/surveys/", "/admin/", "/admin/agencies/agency/", "/admin/agencies/agency/add/",
                 f"/admin/agencies/agency/{agency.pk}/change/", "/admin/agencies/user/add/"]:
        page.goto(f"{live_server.url}{path}")
        assert_nothing_blocked(page)

    # static/js/app.js replaces the inline onchange: picking English in the language menu submits its form.
    page.goto(f"{live_server.url}/dashboard/")
    with page.expect_navigation():
        page.locator("select[name=language]").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_nothing_blocked(page)

    # Swagger UI renders the schema with its script served from the site.
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".swagger-ui .info").wait_for()
    assert page.locator(".opblock").count() > 10
    assert_nothing_blocked(page)
