"""The triage queue in real Chromium (Debian's): the administrator ticks 20 opinions and routes them in one go,
the preview shows what the citizen will read while the reply is typed, and at 360 px nothing scrolls sideways."""
from urllib.parse import urlparse

import pytest
from django.db import connections

from rectification.models import RectificationNotice
from surveys.models import Opinion
from tests.conftest import CHROMIUM
from tests.test_navbar_browser import CHROMIUM_ARGS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = ["户政窗口排队时间太长，工作人员态度冷淡", "办事大厅空调坏了一个月没人修", "网上预约系统经常打不开",
         "窗口人员推诿，让我跑了三趟", "停车场太小，车位不够"]


@pytest.fixture
def chromium(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        def open_page(width: int):
            context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.problems = []
            page.on("pageerror", lambda error: page.problems.append(str(error)))
            page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
            page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", "localhost")
                    and not r.url.startswith("data:") and page.problems.append(f"left localhost: {r.url}"))
            return page

        yield open_page
        browser.close()
    connections.close_all()


def test_the_admin_bulk_routes_20_ticked_opinions(live_server, chromium, admin, make_opinion, agency, cycle):
    opinions = [make_opinion(f"{TEXTS[i % len(TEXTS)]}（第{i}条）") for i in range(25)]
    page = chromium(1366)
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/dashboard/opinions/?sort=oldest")
    assert "共 25 条" in page.locator("#triage-total").inner_text()

    for opinion in opinions[:20]:
        page.locator(f"#opinion-{opinion.pk} input[name=ids]").check()
    assert page.locator("#bulk-form [data-selected-count]").inner_text() == "20"
    bulk = page.locator("#bulk-form")
    bulk.locator("select[name=action]").select_option("route")
    preview = bulk.locator("[data-preview-note]")
    assert preview.inner_text().startswith(f"已转交{agency.name}整改，整改期限 ")
    bulk.locator("[data-public-reply]").fill("已转交相关单位，请留意整改结果")
    assert preview.inner_text() == "已转交相关单位，请留意整改结果"  # exactly what /track/ will show
    bulk.locator("[data-internal-note]").fill("批量转交：同一时段集中反映")
    bulk.locator("#bulk-submit").click()
    page.wait_for_load_state()

    assert "转交单位整改：成功 20 条，未能处理 0 条。" in page.locator("main").inner_text()
    assert RectificationNotice.objects.filter(opinion__in=opinions[:20], agency=agency).count() == 20
    assert Opinion.objects.filter(status="new").count() == 5
    assert "共 5 条" in page.locator("#triage-total").inner_text()
    assert not page.problems, page.problems

    # What the citizen sees: the reply, never the internal note.
    page.goto(f"{live_server.url}/track/?receipt={opinions[0].receipt}")
    track = page.locator("main").inner_text()
    assert "已转交相关单位，请留意整改结果" in track and "批量转交" not in track


def test_a_rejection_preview_asks_for_the_reason(live_server, chromium, admin, make_opinion):
    make_opinion(TEXTS[0])
    page = chromium(1366)
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/dashboard/opinions/")
    bulk = page.locator("#bulk-form")
    bulk.locator("select[name=action]").select_option("reject")
    assert bulk.locator("[data-preview-status]").inner_text() == "不予采纳"
    assert "请填写不予采纳的理由" in bulk.locator("[data-preview-note]").inner_text()
    assert bulk.locator("input[name=agency]").is_hidden()  # route's fields step aside
    bulk.locator("select[name=action]").select_option("tag")
    assert bulk.locator("[data-track-preview]").is_hidden()  # tagging tells the citizen nothing
    assert not page.problems, page.problems


@pytest.mark.parametrize("view", ["list", "clusters"])
def test_the_queue_fits_a_360_px_phone(live_server, chromium, admin, make_opinion, view):
    for i in range(8):
        make_opinion(TEXTS[i % 2] + "。" + "非常非常长的一段没有标点的文字" * 3)
    page = chromium(360)
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/dashboard/opinions/?view={view}")
    page.screenshot(path=f"/tmp/triage-360-{view}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not page.problems, page.problems
