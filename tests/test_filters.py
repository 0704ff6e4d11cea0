"""The office's list filters: an agency, a cycle or a group by its name (市公安局) or code (gaj) with type-ahead,
date pickers, one 全部 per dropdown, and a bad value shown as an error under its field instead of being ignored."""
import datetime
import re

import pytest
from django.utils import timezone

from rectification import services as rectification
from surveys.models import Survey
from surveys.services import opinion_create

BOARD, QUEUE, LEDGER, DASHBOARD = "/dashboard/rectifications/", "/dashboard/opinions/", "/dashboard/ledger/", \
    "/dashboard/"


@pytest.fixture
def office(client, admin):
    client.force_login(admin)
    return client


def html_of(response, status=200) -> str:
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def filter_form(html: str, form_id: str) -> str:
    match = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert match, form_id
    return match.group(0)


def assert_one_all_per_dropdown(form: str) -> None:
    assert "---------" not in form
    selects = re.findall(r"<select.*?</select>", form, re.S)
    assert selects
    for select in selects:
        empties = re.findall(r'<option value=""[^>]*>([^<]*)</option>', select)
        assert len(empties) <= 1, select
        assert select.count("全部") == len(empties), select  # the empty choice, and only it, says 全部
        assert all(label.startswith("全部") for label in empties), select


@pytest.fixture
def notices(agency, other_agency, cycle, admin):
    issued = [rectification.notice_issue(agency=a, cycle=cycle, source="manual", text=text, actor=admin,
                                         source_key=f"manual:{a.code}")
              for a, text in ((agency, "公安窗口态度差"), (other_agency, "市场监管办事慢"))]
    return issued


# --- the rectification board -----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["市公安局", "公安", "gaj"])
def test_the_board_finds_an_agency_by_name_part_or_code(office, notices, typed):
    html = html_of(office.get(BOARD, {"agency": typed}))
    assert "公安窗口态度差" in html and "市场监管办事慢" not in html
    form = filter_form(html, "board-filters")
    assert f'value="{typed}"' in form
    assert '<datalist id="id_agency-agencies">' in form and '<option value="市公安局">gaj</option>' in form


def test_the_board_finds_a_cycle_by_name(office, notices, cycle):
    html = html_of(office.get(BOARD, {"cycle": cycle.name}))
    assert "公安窗口态度差" in html
    assert '<datalist id="id_cycle-cycles">' in html
    assert "公安窗口态度差" not in html_of(office.get(BOARD, {"cycle": "不存在的周期"}), 400)


def test_the_board_has_date_pickers_and_one_all_per_dropdown(office, notices):
    form = filter_form(html_of(office.get(BOARD)), "board-filters")
    assert form.count('type="date"') == 2
    assert_one_all_per_dropdown(form)


def test_the_board_days_are_whole_days(office, notices):
    today = timezone.localdate().isoformat()
    assert "公安窗口态度差" in html_of(office.get(BOARD, {"issued_after": today, "issued_before": today}))
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert "公安窗口态度差" not in html_of(office.get(BOARD, {"issued_after": tomorrow}))


@pytest.mark.parametrize("query, field", [
    ({"issued_after": "2026-13-45"}, "下发日期起"), ({"issued_before": "1899-01-01"}, "下发日期止"),
    ({"agency": "市税务局"}, "机关"), ({"status": "lost"}, "状态"), ({"overdue": "maybe"}, "逾期"),
])
def test_a_bad_board_filter_is_an_error_under_its_field_and_no_list(office, notices, query, field):
    html = html_of(office.get(BOARD, query), 400)
    assert re.search(rf'data-filter-error>{field}：', html)
    assert "data-filter-invalid" in html
    assert filter_form(html, "board-filters").count("is-invalid") == 1  # the control in error is outlined
    assert "公安窗口态度差" not in html.split('id="board-filters"')[1]


def test_the_rectifications_api_keeps_its_code_filter(api, notices):
    assert [n["agency"] for n in api.get("/api/v1/rectifications/?agency=gaj").json()["results"]] == ["gaj"]
    assert api.get("/api/v1/rectifications/?agency=nobody").json()["count"] == 0
    assert api.get("/api/v1/rectifications/?status=lost").status_code == 400


# --- the triage queue --------------------------------------------------------------------------------------------

@pytest.fixture
def opinions(cycle, agency, other_agency):
    survey = Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                   opens_at=timezone.make_aware(datetime.datetime(2026, 1, 1)),
                                   closes_at=timezone.make_aware(datetime.datetime(2027, 1, 1)))
    at = timezone.make_aware(datetime.datetime(2026, 3, 5, 23, 30))
    return [opinion_create(survey=survey, agency=a, text=text, contact="", at=at)
            for a, text in ((agency, "公安窗口排队久"), (other_agency, "市场监管投诉无人接"))]


@pytest.mark.parametrize("typed", ["市公安局", "公安"])
def test_the_queue_finds_an_agency_by_name(office, opinions, typed):
    html = html_of(office.get(QUEUE, {"agency": typed}))
    assert "公安窗口排队久" in html and "市场监管投诉无人接" not in html


def test_the_queue_has_date_pickers_that_take_whole_days(office, opinions):
    form = filter_form(html_of(office.get(QUEUE)), "triage-filters")
    assert form.count('type="date"') == 2
    assert_one_all_per_dropdown(form)
    late_that_day = html_of(office.get(QUEUE, {"created_after": "2026-03-05", "created_before": "2026-03-05"}))
    assert "公安窗口排队久" in late_that_day
    assert "公安窗口排队久" not in html_of(office.get(QUEUE, {"created_before": "2026-03-04"}))


@pytest.mark.parametrize("query, field", [({"created_after": "2026-02-30"}, "提交日期起"),
                                          ({"category": "nothing"}, "问题类别"), ({"agency": "市税务局"}, "机关")])
def test_a_bad_queue_filter_is_an_error_under_its_field(office, opinions, query, field):
    html = html_of(office.get(QUEUE, query), 400)
    assert re.search(rf'data-filter-error>{field}：', html) and "data-filter-invalid" in html
    assert "公安窗口排队久" not in html


def test_the_opinions_api_keeps_its_iso_moments(api, opinions):
    found = api.get("/api/v1/opinions/", {"created_after": "2026-03-05T23:00:00+08:00", "status": "new"})
    assert found.status_code == 200 and found.json()["count"] == 2


# --- the ledger ------------------------------------------------------------------------------------------------

@pytest.fixture
def entries(cycle, agency, other_agency, admin):
    from scoring.services import score_entry_book

    return [score_entry_book(cycle=cycle, agency=a, kind="bonus", points=1, reason=reason, actor=admin)
            for a, reason in ((agency, "公安品牌创建"), (other_agency, "市场监管表彰"))]


@pytest.mark.parametrize("typed", ["市公安局", "公安", "GAJ"])
def test_the_ledger_finds_an_agency_by_name(office, entries, cycle, typed):
    html = html_of(office.get(LEDGER, {"cycle": cycle.code, "agency": typed}))
    assert "公安品牌创建" in html and "市场监管表彰" not in html
    form = filter_form(html, "ledger-filters")
    assert f'value="{typed}"' in form and '<datalist id="f-agency-agencies">' in form
    assert "---------" not in html


def test_the_ledger_takes_a_cycle_by_name(office, entries, cycle):
    assert "公安品牌创建" in html_of(office.get(LEDGER, {"cycle": cycle.name}))


@pytest.mark.parametrize("query, field", [({"agency": "市税务局"}, "机关"), ({"cycle": "1999"}, "周期")])
def test_a_bad_ledger_filter_is_an_error_and_no_list(office, entries, query, field):
    html = html_of(office.get(LEDGER, query), 400)
    assert filter_form(html, "ledger-filters").count("is-invalid") == 1
    assert re.search(rf'data-filter-error>{field}：', html) and "data-filter-invalid" in html
    assert "公安品牌创建" not in html


def test_a_bad_ledger_filter_books_nothing(office, cycle, agency):
    from scoring.models import ScoreEntry

    office.post(f"{LEDGER}?cycle=nothing", {"agency": "gaj", "kind": "bonus", "points": "1", "reason": "品牌"})
    assert not ScoreEntry.objects.exists()


# --- the dashboard ---------------------------------------------------------------------------------------------

@pytest.fixture
def ranked(cycle, agency, other_agency):
    from tests.factories import AgencyFactory, AgencyGroupFactory
    from tests.scoring.factories import snapshot_with

    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    snapshot_with(cycle, [agency, other_agency, AgencyFactory(code="fgw", name="市发展改革委", group=economy)])


@pytest.mark.parametrize("typed", ["综合经济部门", "经济", "economy"])
def test_the_dashboard_takes_a_group_by_name(office, ranked, typed):
    html = html_of(office.get(DASHBOARD, {"group": typed}))
    assert re.search(r'href="/dashboard/\d+/fgw/"', html) and not re.search(r'href="/dashboard/\d+/gaj/"', html)
    form = filter_form(html, "dashboard-filters")
    assert 'value="economy" selected' in form
    assert_one_all_per_dropdown(form)


def test_the_dashboard_takes_a_cycle_by_name(office, ranked, cycle):
    assert "市公安局" in html_of(office.get(DASHBOARD, {"cycle": cycle.name}))


@pytest.mark.parametrize("query, field", [({"group": "不存在的分组"}, "分组"), ({"period": "2026-13"}, "期间"),
                                          ({"cycle": "1999"}, "周期")])
def test_a_bad_dashboard_filter_is_an_error_and_no_rows(office, ranked, query, field):
    html = html_of(office.get(DASHBOARD, query), 400)
    assert filter_form(html, "dashboard-filters").count("is-invalid") == 1
    assert re.search(rf'data-filter-error>{field}：', html) and "data-filter-invalid" in html
    assert not re.search(r'href="/dashboard/\d+/gaj/"', html)  # no row to read as the filtered ranking


def test_a_cycle_or_a_group_is_found_by_name_code_or_an_unambiguous_part(cycle, group):
    from agencies.selectors import cycles_named, groups_named
    from tests.factories import AgencyGroupFactory

    assert cycles_named(cycle.name) == cycles_named("2026") == cycles_named("年度") == [cycle]
    assert cycles_named("2031") == []
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    assert groups_named("窗口") == groups_named("WINDOW") == [group]
    assert set(groups_named("部门")) == {group, economy}  # ambiguous: the field asks to pick one
