"""Pages around the ranking table: the public results of a published cycle, and the dashboard's charts
(their numbers travel in json_script blocks and are drawn by the vendored Chart.js, offline)."""
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import CycleStatus
from scoring.services import score_entry_book, snapshot_compute
from surveys.models import Survey
from surveys.services import response_submit
from tests.factories import AgencyFactory, AgencyGroupFactory, CycleFactory

from .conftest import aware
from .factories import snapshot_with

pytestmark = pytest.mark.django_db


def json_block(page: str, block_id: str):
    match = re.search(rf'<script id="{block_id}" type="application/json">(.*?)</script>', page, re.S)
    assert match, f"no json_script {block_id}"
    return json.loads(match[1])


def publish(cycle):
    cycle.status = CycleStatus.PUBLISHED
    cycle.save()


@pytest.fixture
def city(group):
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    return [AgencyFactory(code=f"a{i:02d}", name=f"市第{i}局", group=group if i % 2 else economy) for i in range(30)]


# --- /public/ -------------------------------------------------------------------------

def test_nothing_published_is_a_friendly_message(client, cycle, agency):
    snapshot_with(cycle, [agency], final=True)  # the final result of a cycle not yet published stays inside
    page = client.get("/public/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "评议结果尚未公布" in text and "市公安局" not in text
    assert client.get(f"/public/?cycle={cycle.code}").status_code == 404


def test_a_published_cycle_shows_its_final_result_overall_and_by_group(client, cycle, city, admin):
    score_entry_book(cycle=cycle, agency=city[0], kind="deduction", points=2, reason="窗口人员张三态度差", actor=admin)
    snapshot_with(cycle, city[:2], period="2026-Q3")
    snapshot_with(cycle, city, final=True)
    snapshot_with(cycle, list(reversed(city)), period="2026-12")  # computed later, but not the final result
    publish(cycle)
    text = client.get("/public/").content.decode()
    assert "年度最终结果" in text and "2026年度" in text
    overall = text[text.index('id="overall"'):text.index('id="group-')]
    assert overall.index("市第0局") < overall.index("市第29局") < overall.index("</section>")
    assert 'href="#group-economy"' in text and 'href="#group-window"' in text
    economy = text[text.index('id="group-economy"'):]
    assert "综合经济部门" in economy and "市第1局" not in economy[:economy.index("</section>")]
    assert "表彰" in text and "谈话提醒" in text
    for private in ("窗口人员张三态度差", "admin", "d" * 12, "/dashboard/"):
        assert private not in text, private


def test_a_published_cycle_without_its_final_result_waits(client, cycle, agency):
    snapshot_with(cycle, [agency])
    publish(cycle)
    text = client.get("/public/").content.decode()
    assert "评议结果尚未公布" in text and "市公安局" not in text


def test_only_published_cycles_can_be_named(client, cycle, agency, group):
    snapshot_with(cycle, [agency], final=True)
    publish(cycle)
    older = CycleFactory(code="2025", name="2025年度", starts_on="2025-01-01", ends_on="2025-12-31",
                         status=CycleStatus.CLOSED)
    snapshot_with(older, [agency], final=True)
    assert client.get("/public/?cycle=2025").status_code == 404
    assert client.get("/public/?cycle=2026").status_code == 200
    publish(older)
    text = client.get("/public/?cycle=2025").content.decode()
    assert "2025年度" in text and 'value="2025" selected' in text


def test_public_results_cost_does_not_grow_with_agencies(client, cycle, city, django_assert_max_num_queries):
    other = CycleFactory(code="2025", name="2025年度", starts_on="2025-01-01", ends_on="2025-12-31",
                         status=CycleStatus.PUBLISHED)
    snapshot_with(other, city[:3], final=True)
    snapshot_with(cycle, city, final=True)
    publish(cycle)
    counts = []
    for url in ("/public/?cycle=2025", "/public/?cycle=2026"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(6):  # and one to look for a provisional ranking the office released
        client.get("/public/")


def test_public_results_fit_a_phone(client, cycle, agency):
    snapshot_with(cycle, [agency], final=True)
    publish(cycle)
    text = client.get("/public/").content.decode()
    assert 'name="viewport" content="width=device-width' in text
    assert "table-responsive" in text and "d-none d-lg-table-cell" in text  # component columns fold away


# --- charts ---------------------------------------------------------------------------

def test_dashboard_charts_are_vendored_and_the_old_0_to_100_bar_chart_is_gone(client, cycle, city, leader):
    """The ranking is drawn by the chart panel on a fitted axis (tests/scoring/test_charts.py), from this site only."""
    snapshot_with(cycle, city)
    client.force_login(leader)
    page = client.get("/dashboard/").content.decode()
    assert 'id="ce-totals-chart"' not in page and "ce-totals-data" not in page
    assert "/static/vendor/echarts-6.1.0/echarts.min.js" in page
    assert not re.search(r'<script[^>]+src="(https?:)?//', page)  # offline: nothing from a CDN


@pytest.fixture
def surveyed(cycle, agency):
    survey = Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                   opens_at=aware(2026, 1, 1), closes_at=aware(2027, 1, 1))
    response_submit(survey=survey, agency=agency, ratings={"service_attitude": 5, "efficiency": 3},
                    fingerprint="d1", at=aware(2026, 2, 10))
    response_submit(survey=survey, agency=agency, ratings={"service_attitude": 4}, fingerprint="d2",
                    at=aware(2026, 5, 10))
    return survey


def test_drill_down_radar_shows_the_eight_dimension_means(client, cycle, agency, surveyed, admin):
    snapshot = snapshot_compute(cycle=cycle, period="2026-Q2")
    client.force_login(admin)
    page = client.get(f"/dashboard/{snapshot.pk}/{agency.code}/").content.decode()
    radar = json_block(page, "ce-radar-data")
    assert radar["labels"] == ["服务态度", "依法行政", "业务素质", "政策执行", "工作流程", "办事效率", "收费情况",
                               "廉洁自律"]
    assert radar["means"] == [87.5, None, None, None, None, 50.0, None, None]
    assert radar["n"][:2] == [2, 0]
    parts = snapshot.scorecards.get(agency=agency).card["components"]["public_survey"]["parts"]
    assert float(parts["service_attitude"]["mean"]) == radar["means"][0]


def test_trend_follows_the_period_snapshots_in_time_order_with_one_query(client, cycle, agency, surveyed, admin):
    client.force_login(admin)
    first = snapshot_compute(cycle=cycle, period="2026-03")
    snapshot_compute(cycle=cycle, period="2026-Q1")  # ends with 2026-03: one point, the newer counts
    with CaptureQueriesContext(connection) as few:
        client.get(f"/dashboard/{first.pk}/{agency.code}/")
    score_entry_book(cycle=cycle, agency=agency, kind="deduction", points="1.5", reason="曝光")
    snapshot_compute(cycle=cycle, period="cycle")
    snapshot_compute(cycle=cycle, period="2026-02")
    latest = snapshot_compute(cycle=cycle, period="2026-05")
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/dashboard/{latest.pk}/{agency.code}/").content.decode()
    assert len(many) == len(few)
    trend = json_block(page, "ce-trend-data")
    assert trend["labels"] == ["2026年2月", "2026年第1季度", "2026年5月", "全年累计"]
    totals = {s.period: float(s.scorecards.get().total) for s in cycle.snapshots.all()}
    assert trend["totals"] == [totals[p] for p in ("2026-02", "2026-Q1", "2026-05", "cycle")]
    assert trend["totals"][-1] == trend["totals"][-2] - 1.5  # booked mid-June: in the whole cycle, not in May
    assert trend["current"] == 2 and trend["ranks"] == [1, 1, 1, 1]


def test_the_liaison_sees_its_own_radar_and_a_single_period_has_no_trend(client, cycle, agency, surveyed, liaison):
    snapshot_compute(cycle=cycle, period="cycle")
    client.force_login(liaison)
    page = client.get("/agency/").content.decode()
    assert json_block(page, "ce-radar-data")["means"][0] == 87.5
    assert "ce-trend-data" not in page and "暂无走势" in page


def test_no_window_no_radar(client, cycle, group, admin):
    office = AgencyFactory(code="fgw", name="市发展改革委", group=group, has_service_window=False)
    snapshot = snapshot_compute(cycle=cycle, period="cycle")
    client.force_login(admin)
    page = client.get(f"/dashboard/{snapshot.pk}/{office.code}/").content.decode()
    assert "ce-radar-data" not in page and "不参加网上民评" in page
    assert "chart.umd.js" not in page  # nothing to draw, nothing loaded
