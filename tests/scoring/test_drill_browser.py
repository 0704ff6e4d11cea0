"""The drill-down in real Chromium (Debian's), as the office uses it at a desk (1366 px) and on a phone (360 px):
from a scorecard total to the photo behind an inspection deduction, and to a response behind a dimension mean.
No page of the drill scrolls sideways on the phone, and no request leaves localhost."""
import time

import pytest
from playwright.sync_api import expect

from tests import drill_world
from tests.rectification.test_triage_browser import chromium  # noqa: F401 — the shared Chromium fixture
from tests.test_navbar_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def loaded(image) -> None:
    """The image has arrived and decoded (polled here: the pages' CSP refuses Playwright's eval-based waits)."""
    for _ in range(50):
        if image.evaluate("img => img.complete && img.naturalWidth") > 0:
            return
        time.sleep(0.1)
    raise AssertionError("the photo did not load")


def to_the_finding_photo(page, world, check):
    """From a scorecard: 明察暗访 → the world's inspection ledger entry → its finding and visit; the photo's
    thumbnail, loaded. `check(page)` runs on each page opened."""
    page.locator('[data-component="inspection"] a[data-drill="component"]').click()
    page.locator(f'[data-entry="{world.inspection_entry.pk}"] a[data-drill="entry"]').click()
    page.wait_for_load_state()
    check(page)
    assert "察访确认" in page.locator("[data-reason]").inner_text()
    page.locator("a[data-source]").click()
    page.wait_for_load_state()
    check(page)
    thumb = page.locator(f'#photos img[src="/inspect/evidence/{world.evidence.pk}/?size=thumb"]')
    thumb.scroll_into_view_if_needed()
    loaded(thumb)
    assert "工作人员玩手机" in page.locator("#finding").inner_text()
    return thumb


def fits(page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


@pytest.mark.parametrize("width", [1366, 360])
def test_from_a_total_to_the_photo_and_to_a_response(live_server, chromium, tmp_path, settings, width,  # noqa: F811
                                                     cycle, agency, admin, liaison, inspector, assessor):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = drill_world.build(cycle=cycle, agency=agency, admin=admin, liaison=liaison, inspector=inspector,
                              assessor=assessor)
    page = chromium(width)
    check = fits if width == 360 else (lambda page: None)
    sign_in(page, live_server.url, "admin")
    scorecard = f"{live_server.url}/dashboard/{world.snapshot.pk}/{agency.code}/"
    page.goto(scorecard)
    check(page)
    assert "总分构成" in page.locator("main").inner_text()

    # total → 明察暗访 → the ledger entry → its finding, visit and photo
    thumb = to_the_finding_photo(page, world, check)
    assert "属实（维持认定）" in page.locator("#appeal").inner_text()
    with page.expect_popup() as opened:
        thumb.click()
    photo = opened.value
    photo.wait_for_load_state()
    assert photo.evaluate("document.images.length && document.images[0].naturalWidth") > 0

    # total → 网上民评 → 服务态度's mean → the responses behind it, contacts masked; then the level filter (htmx)
    page.goto(scorecard)
    page.locator('[data-component="public_survey"] a[data-drill="component"]').click()
    page.locator('[data-dimension="service_attitude"] a[data-drill="mean"]').click()
    page.wait_for_load_state()
    check(page)
    assert "共 3 份答卷" in page.locator("#drill-total").inner_text()
    page.locator("#drill-level").select_option("2")
    expect(page.locator("#drill-total")).to_contain_text("共 1 份答卷")
    assert "level=2" in page.url
    card = page.locator(f'[data-response="{world.responses[0]}"]')
    assert drill_world.MASKED in card.inner_text() and drill_world.PHONE not in page.content()
    check(page)
    page.goto(f"{scorecard}indicators/{world.indicator.pk}/")
    check(page)
    page.goto(f"{scorecard}entries/{world.bonus.pk}/")
    check(page)
    assert not page.problems, page.problems
