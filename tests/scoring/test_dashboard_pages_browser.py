"""Turning the dashboard table's pages in real Chromium: htmx swaps the table alone (the chart panel stays, the
address follows), and going back shows the first page again."""
import pytest

from tests.factories import AgencyFactory
from tests.test_navbar_browser import sign_in

from .factories import snapshot_with
from .test_charts_browser import chromium  # noqa: F401 (the fixture)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_next_page_swaps_the_table_alone(live_server, admin, cycle, group, chromium):  # noqa: F811
    agencies = [AgencyFactory(code=f"p{i:03d}", name=f"第{i:03d}号局", group=group) for i in range(70)]
    snapshot_with(cycle, agencies)
    page = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN").new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/dashboard/")
    table = page.locator("#dashboard-table")
    assert table.locator("tbody tr").count() == 50
    page.evaluate("window.ceNotReloaded = true")
    page.locator("#dashboard-pages a", has_text="2").first.click()
    page.wait_for_function("() => document.querySelector('#dashboard-table tbody').textContent.includes('第050号局')")
    assert table.locator("tbody tr").count() == 20
    assert page.evaluate("window.ceNotReloaded === true")  # no reload: the chart panel was not drawn again
    assert "page=2" in page.url and page.locator("#ce-charts").count() == 1
    page.go_back()
    page.wait_for_function("() => document.querySelector('#dashboard-table tbody').textContent.includes('第000号局')")
    assert not errors, errors
