"""The evaluator and the citizen on a 360 px phone, in real Chromium: the scale is one row of five coloured
targets, and the ballot's progress count follows the taps."""
import pytest
from django.db import connections

from surveys import services
from surveys.models import Ballot
from tests.conftest import CHROMIUM

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture
def phone(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                       device_scale_factor=2, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        chromium.close()
    connections.close_all()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_scale_is_one_row_of_five_coloured_targets(live_server, public, agency, phone):
    phone.goto(f"{live_server.url}/s/{public.slug}/a/{agency.code}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    scale = phone.locator("[data-scale]").first
    boxes = [scale.locator(f".ce-level-{n}").bounding_box() for n in range(1, 6)]
    assert len({round(b["y"]) for b in boxes}) == 1  # one row
    assert all(b["height"] >= 44 and b["width"] >= 44 for b in boxes)
    colours = [scale.locator(f".ce-level-{n}").evaluate("e => getComputedStyle(e).borderTopColor")
               for n in range(1, 6)]
    assert len(set(colours)) == 5 and colours[0] == "rgb(198, 40, 40)"
    na = scale.locator(".ce-level-na").bounding_box()
    assert na["y"] > boxes[0]["y"] and na["height"] >= 44
    # Each choice is named by its words for screen readers (the big digit is decoration).
    assert scale.get_by_role("radio", name="非常满意", exact=True).count() == 1
    assert scale.get_by_role("radio", name="不适用", exact=True).count() == 1
    phone.get_by_text("非常满意", exact=True).first.tap()
    assert scale.locator("input[value='5']").is_checked()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_ballot_counts_as_the_evaluator_taps_and_submits_only_after_confirming(
        live_server, appraisal_open, agency, other_agency, phone):
    token = services.invitations_issue(survey=appraisal_open, category="citizen", count=1)[0]
    phone.goto(f"{live_server.url}/ballot/{token}/")
    progress = phone.locator("#ballot-progress")
    assert "已评 0 / 2 个机关" in progress.inner_text()
    phone.locator("fieldset").nth(0).get_by_text("满意", exact=True).tap()
    phone.locator("fieldset").nth(1).get_by_text("不满意", exact=True).tap()
    assert "已评 2 / 2 个机关" in progress.inner_text()
    phone.locator("fieldset").nth(1).get_by_text("不了解", exact=True).tap()
    assert "已评 1 / 2 个机关" in progress.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="下一步：核对后提交").tap()
    assert phone.locator("#confirm-title").inner_text() == "请核对您的评议"
    assert not Ballot.objects.exists()
    phone.get_by_role("button", name="确认提交（仅一次）").tap()
    assert "评议已提交" in phone.locator("#outcome").inner_text()
    try:
        assert Ballot.objects.count() == 1
    finally:
        connections.close_all()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_printed_qr_sheet_is_centred_one_code_per_page(live_server, public, agency, window, admin, phone):
    phone.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    phone.goto(f"{live_server.url}/login/")
    phone.locator("#id_username").fill("admin")
    phone.locator("#id_password").fill("pass-Word-123")
    phone.locator("main form button").click()
    phone.wait_for_load_state()
    phone.goto(f"{live_server.url}/s/{public.slug}/a/{agency.code}/sheet/")
    phone.emulate_media(media="print")
    assert not phone.locator(".ce-nav").is_visible() and not phone.get_by_role("button", name="打印").is_visible()
    width = phone.evaluate("document.documentElement.clientWidth")
    for sheet in phone.locator(".ce-sheet-page").all():
        code = sheet.locator(".ce-qr svg").bounding_box()
        assert abs(code["x"] + code["width"] / 2 - width / 2) < 4, (code, width)  # centred across the page
        box = sheet.bounding_box()
        assert box["height"] >= 0.85 * 1123  # a page of its own, the code in its middle
        assert abs(code["y"] + code["height"] / 2 - (box["y"] + box["height"] / 2)) < box["height"] / 4
