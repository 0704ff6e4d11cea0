"""The dashboard's chart panel in real Chromium (zh-CN) at 1366 and 360 px: every chart paints, the period
and group switches redraw it without a full reload, nothing scrolls sideways, no console error, and no
request leaves localhost."""
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.utils import timezone

from rectification.choices import NoticeStatus
from rectification.models import RectificationNotice
from surveys.choices import Channel, SurveyKind
from surveys.models import Response
from surveys.services import survey_create
from tests.conftest import CHROMIUM
from tests.factories import AgencyFactory, AgencyGroupFactory
from tests.test_navbar_browser import CHROMIUM_ARGS, sign_in

from .factories import snapshot_with

CHARTS = ["ranking", "heatmap", "trends", "funnel", "responses"]
LOCAL = {"localhost", "127.0.0.1", "::1"}

# Each chart's box holds one ECharts canvas with at least one pixel drawn, and has drawn the src it shows.
PAINTED = """(needle) => Array.from(document.querySelectorAll('#ce-charts [data-chart]')).map((box) => {
  const canvas = box.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) { return {chart: box.dataset.chart, painted: false}; }
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = false;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { painted = true; break; } }
  return {chart: box.dataset.chart, painted: painted, drawn: box.getAttribute('data-drawn') || ''};
})"""
ALL_DRAWN = """(needle) => {
  const boxes = document.querySelectorAll('#ce-charts [data-chart]');
  return boxes.length === 5 && Array.from(boxes).every((b) => (b.getAttribute('data-drawn') || '').includes(needle)
    && b.querySelector('canvas'));
}"""


@pytest.fixture
def city(cycle, group):
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    agencies = [AgencyFactory(code=f"a{i:02d}", name=f"市第{i}人民政府办公室" if i % 3 == 0 else f"市第{i}局",
                              group=group if i % 2 else economy) for i in range(24)]
    snapshot_with(cycle, agencies, period="2026-01")
    snapshot_with(cycle, list(reversed(agencies)), period="2026-02")
    snapshot_with(cycle, agencies, period="2026-03")
    snapshot_with(cycle, agencies, period="2026-Q1")
    snapshot_with(cycle, agencies)
    survey = survey_create(slug="2026-public", cycle=cycle, kind=SurveyKind.PUBLIC, title="民评",
                           opens_at=timezone.make_aware(datetime(2026, 1, 1)),
                           closes_at=timezone.make_aware(datetime(2027, 1, 1)))
    Response.objects.bulk_create([
        Response(survey=survey, agency=agencies[i % 24], channel=[Channel.WEB, Channel.QR, Channel.KIOSK][i % 3],
                 fingerprint=f"f{i}", submitted_at=timezone.make_aware(datetime(2026, 3, 1 + i % 28, 10)))
        for i in range(120)])
    for i, status in enumerate([NoticeStatus.ISSUED, NoticeStatus.RESPONDED, NoticeStatus.VERIFIED,
                                NoticeStatus.VERIFIED, NoticeStatus.ISSUED]):
        RectificationNotice.objects.create(agency=agencies[i], cycle=cycle, source="opinion", text="整改",
                                           deadline=timezone.localdate() + timedelta(days=3), status=status,
                                           overdue=i == 4, responded_at=timezone.now() if i in (1, 2, 3) else None)
    return agencies


@pytest.fixture
def chromium(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    connections.close_all()


def _all_painted(page, needle: str) -> None:
    page.wait_for_function(ALL_DRAWN, arg=needle, timeout=20_000)
    charts = page.evaluate(PAINTED, needle)
    assert [c["chart"] for c in charts] == CHARTS
    assert all(c["painted"] for c in charts), charts


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1366, 360])
def test_every_dashboard_chart_paints_and_redraws_on_the_switches(live_server, admin, city, chromium, width):
    context = chromium.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors, outside, failed = [], [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: outside.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https") and urlsplit(request.url).hostname not in LOCAL
            else None)
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))
    try:
        sign_in(page, live_server.url, "admin")
        page.goto(f"{live_server.url}/dashboard/")
        _all_painted(page, "period=cycle&group=")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.evaluate("window.ceLoaded = true")  # gone if the page reloads

        page.locator("#ce-charts-group").select_option("economy")
        _all_painted(page, "group=economy")
        ranking = page.evaluate("fetch(document.querySelector('[data-chart=ranking]').dataset.drawn)"
                                ".then(r => r.json())")
        assert [r["agency"] for r in ranking["rows"]] == [f"a{i:02d}" for i in range(0, 24, 2)]

        page.locator("#ce-charts-period").select_option("2026-03")
        _all_painted(page, "period=2026-03&group=economy")
        assert page.locator("#ce-charts-group").input_value() == "economy"  # the swapped panel keeps the group

        page.locator("[data-trend-kind]").select_option("quarter")
        page.wait_for_function("() => document.querySelector('[data-chart=trends]').getAttribute('data-drawn')"
                               " && document.querySelector('[data-chart=trends]').getAttribute('data-drawn')"
                               ".includes('kind=quarter')")
        assert page.evaluate("window.ceLoaded") is True  # no full reload on any switch
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=f"/tmp/dashboard-charts-{width}.png", full_page=True)
        page.wait_for_load_state("networkidle")  # nothing still on its way (the favicon) when the page closes
    finally:
        context.close()
    assert errors == [], errors
    assert outside == [], outside
    assert failed == [], failed
