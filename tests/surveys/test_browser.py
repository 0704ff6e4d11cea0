"""A citizen on a phone: QR link → survey with an opinion → receipt → /track/. Real Chromium."""

import pytest
from django.db import connections

from surveys.models import Response
from tests.conftest import CHROMIUM


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain sync calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                       device_scale_factor=2, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        chromium.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_rates_a_window_from_its_qr_code_and_tracks_the_opinion(live_server, public, agency, window, phone):
    phone.goto(f"{live_server.url}/s/{public.slug}/a/{agency.code}/w/{window.code}/?via=qr")
    assert "户政窗口" in phone.locator("h1").inner_text()
    # Nothing overflows the 360 px screen sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    submit = phone.get_by_role("button", name="提交评价")
    assert submit.bounding_box()["height"] >= 44
    for n, fieldset in enumerate(phone.locator("fieldset").all()):
        fieldset.get_by_text("不适用" if n == 6 else "满意", exact=True).tap()
    phone.locator("#id_opinion").fill("周一上午取号要排一个小时，希望增开窗口。")
    phone.locator("#id_contact").fill("13812341234")
    submit.tap()

    assert phone.locator("#outcome").inner_text() == "感谢您的评价"
    receipt = phone.locator("#receipt").inner_text().strip()
    assert len(receipt) == 10

    phone.goto(f"{live_server.url}/track/")
    phone.locator("#id_receipt").fill(receipt.lower())
    phone.get_by_role("button", name="查询").tap()
    assert "周一上午取号要排一个小时" in phone.locator("#track-text").inner_text()
    assert phone.locator("#track-status").inner_text() == "待处理"
    assert "13812341234" not in phone.content()

    try:
        response = Response.objects.get()
    finally:
        # With Playwright's loop in this thread the ORM may have opened a connection of its own; close it,
        # or PostgreSQL refuses to drop the test database at the end of the run.
        connections.close_all()
    assert (response.channel, response.window_id, response.r_service_attitude, response.r_fees) == (
        "qr", window.pk, 4, None)
