"""The office's filters in real Chromium (Debian's), at 360 px and 1366 px: typing 市公安局 or 公安 into the
agency box finds its items, the box suggests names, the dates are the browser's date pickers, and a filter
error fits the phone's width."""
import pytest
from django.utils import timezone

from rectification import services as rectification
from scoring.services import score_entry_book
from tests.rectification.test_triage_browser import chromium  # noqa: F401  (the fixture)
from tests.test_navbar_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [360, 1366])
def test_a_name_typed_into_a_filter_finds_the_agency(live_server, chromium, admin, agency, other_agency,  # noqa: F811
                                                     cycle, width):
    for a, text in ((agency, "公安窗口态度差"), (other_agency, "市场监管办事慢")):
        rectification.notice_issue(agency=a, cycle=cycle, source="manual", text=text, actor=admin,
                                   source_key=f"manual:{a.code}")
        score_entry_book(cycle=cycle, agency=a, kind="bonus", points=1, reason=f"{text}的整改表彰", actor=admin)
    page = chromium(width)
    sign_in(page, live_server.url, "admin")

    page.goto(f"{live_server.url}/dashboard/rectifications/")
    box = page.locator("#board-filters input[name=agency]")
    assert box.get_attribute("list") == "id_agency-agencies"
    assert "市公安局" in page.locator("#id_agency-agencies option").evaluate_all("os => os.map(o => o.value)")
    assert page.locator("#board-filters input[name=issued_after]").get_attribute("type") == "date"
    page.locator("#board-filters input[name=issued_after]").fill(timezone.localdate().isoformat())
    box.fill("市公安局")
    box.press("Enter")
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "公安窗口态度差" in main and "市场监管办事慢" not in main
    assert fits(page)
    assert not page.problems, page.problems

    page.goto(f"{live_server.url}/dashboard/ledger/")
    box = page.locator("#ledger-filters input[name=agency]")
    box.fill("公安")
    box.press("Enter")
    page.wait_for_load_state()
    ledger = page.locator("#ledger").inner_text()
    assert "公安窗口态度差的整改表彰" in ledger and "市场监管办事慢" not in ledger
    assert fits(page)
    assert not page.problems, page.problems

    page.goto(f"{live_server.url}/dashboard/rectifications/?agency=市税务局&issued_before=2026-02-30")
    errors = page.locator("[data-filter-error]").all_inner_texts()
    assert any("市税务局" in e for e in errors) and any(e.startswith("下发日期止") for e in errors)
    assert page.locator("[data-filter-invalid]").is_visible()
    assert "公安窗口态度差" not in page.locator("main").inner_text()
    assert fits(page)
