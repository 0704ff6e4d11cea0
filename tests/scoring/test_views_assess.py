"""The assessors' grid (/assess/): agencies × the indicators of the assessor's unit, htmx per cell."""
import pytest

from agencies.choices import CycleStatus
from scoring.models import Assessment

from .factories import IndicatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid(cycle, agency, other_agency, indicator):
    IndicatorFactory(cycle=cycle, code="clean", name="廉政建设", assessor_unit="市纪委监委")
    return indicator


def cell(client, cycle, **data):
    return client.post("/assess/cell/", {"cycle": cycle.code, "indicator": "lead", "agency": "gaj", "points": "17",
                                         **data}, HTTP_HX_REQUEST="true")


def test_assessor_sees_only_the_indicators_of_its_unit(client, cycle, grid, assessor, django_assert_max_num_queries):
    client.force_login(assessor)
    with django_assert_max_num_queries(8):
        page = client.get("/assess/").content.decode()
    assert "班子建设" in page and "廉政建设" not in page
    assert "市公安局" in page and "市市场监督管理局" in page
    assert 'hx-post="/assess/cell/"' in page


def test_saving_a_cell_adds_a_revision_and_answers_the_cell(client, cycle, grid, assessor):
    client.force_login(assessor)
    response = cell(client, cycle)
    assert response.status_code == 200
    assert "已保存（第1版）" in response.content.decode() and response.content.decode().lstrip().startswith("<td")
    cell(client, cycle, points="18")
    assert list(Assessment.objects.values_list("revision", flat=True)) == [2, 1]
    assert 'value="18.00"' in client.get("/assess/").content.decode()


def test_out_of_range_is_shown_in_the_cell(client, cycle, grid, assessor):
    client.force_login(assessor)
    page = cell(client, cycle, points="25").content.decode()
    assert "table-danger" in page and "得分必须在 0 到 20" in page
    assert not Assessment.objects.exists()


def test_locked_cycle_is_shown_and_refused(client, cycle, grid, assessor):
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    client.force_login(assessor)
    assert "打分已锁定" in client.get("/assess/").content.decode()
    assert "已结束" in cell(client, cycle).content.decode()


def test_other_units_and_roles_are_refused(client, cycle, grid, other_assessor, liaison, leader):
    client.force_login(other_assessor)
    assert cell(client, cycle).status_code == 403
    for user in (liaison, leader):
        client.force_login(user)
        assert client.get("/assess/").status_code == 403
    client.logout()
    assert client.get("/assess/").status_code == 302


def test_admin_may_assess_every_indicator(client, cycle, grid, admin):
    client.force_login(admin)
    page = client.get("/assess/").content.decode()
    assert "班子建设" in page and "廉政建设" in page
    assert cell(client, cycle, indicator="clean").status_code == 200


def test_an_invalid_value_keeps_what_was_typed_and_marks_the_control(client, cycle, grid, assessor):
    client.force_login(assessor)
    page = cell(client, cycle, points="99").content.decode()
    assert 'value="99"' in page and "is-invalid" in page and 'aria-invalid="true"' in page
    assert "得分必须在 0 到 20" in page and 'role="alert"' in page
    assert "assess-progress" not in page  # nothing saved, nothing counted


def test_the_grid_counts_the_cells_entered(client, cycle, grid, assessor):
    client.force_login(assessor)
    assert "已录入 0 / 2" in client.get("/assess/").content.decode()  # one indicator × two agencies
    answer = cell(client, cycle).content.decode()
    assert 'id="assess-progress"' in answer and 'hx-swap-oob="true"' in answer and "已录入 1 / 2" in answer
    cell(client, cycle, points="18")  # a new revision of the same cell is still one cell
    assert "已录入 1 / 2" in client.get("/assess/").content.decode()


def test_the_browser_does_not_swallow_a_value_out_of_range(client, cycle, grid, assessor):
    """The cell's form is `novalidate`: htmx would otherwise refuse to send 99 over a maximum and show nothing."""
    client.force_login(assessor)
    page = client.get("/assess/").content.decode()
    assert page.count("novalidate") == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_99_over_a_maximum_of_30_shows_an_error_in_chromium(live_server, cycle, agency, assessor, monkeypatch):
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM
    from tests.test_navbar_browser import CHROMIUM_ARGS, sign_in

    IndicatorFactory(cycle=cycle, code="lead", name="班子建设", max_points=30, assessor_unit="市委组织部")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, "assessor")
        page.goto(f"{live_server.url}/assess/?cycle={cycle.code}")
        field = page.locator("input[name=points]")
        field.fill("99")
        field.press("Tab")
        page.locator("td.table-danger [role=alert]").wait_for()
        assert "得分必须在 0 到 30" in page.locator("td.table-danger").inner_text()
        assert page.locator("input[name=points]").input_value() == "99"  # what was typed stays
        assert "已录入 0 / 1" in page.locator("#assess-progress").inner_text()
        field = page.locator("input[name=points]")
        field.fill("28")
        field.press("Tab")
        page.locator("td.table-success").wait_for()
        assert "已录入 1 / 1" in page.locator("#assess-progress").inner_text()
        browser.close()
    assert list(Assessment.objects.values_list("points", flat=True)) == [28]
