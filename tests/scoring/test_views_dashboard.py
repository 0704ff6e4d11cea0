"""The office's ranking dashboard, its drill-down, and the liaison's own scorecard."""
import pytest

from agencies.choices import CycleStatus
from scoring.services import assessment_put, score_entry_book
from tests.factories import AgencyFactory, AgencyGroupFactory

from .factories import snapshot_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(group):
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    return [AgencyFactory(code=f"a{i:02d}", name=f"市第{i}局", group=group if i % 2 else economy) for i in range(30)]


def test_dashboard_ranks_with_badges_and_a_bounded_number_of_queries(client, cycle, many, leader,
                                                                     django_assert_max_num_queries):
    snapshot_with(cycle, many)
    client.force_login(leader)
    # one of them: is this period shown in public? two more: the chart panel's agencies and its trend defaults
    with django_assert_max_num_queries(13):
        page = client.get("/dashboard/").content.decode()
    assert page.index("市第0局") < page.index("市第29局")
    assert "表彰" in page and "谈话提醒" in page and "样本不足" in page
    assert f"/dashboard/{cycle.snapshots.get().pk}/a00/" in page
    assert "重新计算" not in page  # leaders only read


def test_group_view_and_period_switch(client, cycle, many, agency, admin):
    snapshot_with(cycle, many[:4], period="2026-03")
    snapshot_with(cycle, many)
    client.force_login(admin)
    page = client.get("/dashboard/?group=economy").content.decode()
    assert "市第0局" in page and "市第1局" not in page
    page = client.get("/dashboard/?period=2026-03").content.decode()
    assert "市第3局" in page and "市第5局" not in page
    assert 'value="2026-03" selected' in page and "重新计算" in page


def test_drill_down_explains_every_point(client, cycle, agency, admin, indicator, django_assert_max_num_queries):
    score_entry_book(cycle=cycle, agency=agency, kind="inspection", points=3, reason="暗访发现脸难看")
    assessment_put(indicator=indicator, agency=agency, points=16)
    snapshot = snapshot_with(cycle, [agency])
    client.force_login(admin)
    with django_assert_max_num_queries(11):  # one of them: is this period shown in public?
        page = client.get(f"/dashboard/{snapshot.pk}/{agency.code}/").content.decode()
    for text in ("暗访发现脸难看", "班子建设", "16.00 / 20.00", "服务态度", "两代表一委员", "未计入", "暂无数据",
                 "基础分", "封顶 5 分"):
        assert text in page, text


def test_dashboard_is_for_admins_and_leaders(client, cycle, liaison, inspector):
    for user in (liaison, inspector):
        client.force_login(user)
        assert client.get("/dashboard/").status_code == 403
    client.logout()
    assert client.get("/dashboard/").status_code == 302


def test_empty_dashboard_says_so(client, cycle, admin):
    client.force_login(admin)
    assert "还没有排名快照" in client.get("/dashboard/").content.decode()


def test_finalize_button_only_for_a_closed_cycle(client, cycle, admin, agency):
    snapshot_with(cycle, [agency])
    client.force_login(admin)
    assert "生成年度最终结果" not in client.get("/dashboard/").content.decode()
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    assert "生成年度最终结果" in client.get("/dashboard/").content.decode()


def test_liaison_sees_its_own_scorecard_only(client, cycle, agency, other_agency, liaison):
    score_entry_book(cycle=cycle, agency=other_agency, kind="deduction", points=2, reason="别家的曝光")
    score_entry_book(cycle=cycle, agency=agency, kind="bonus", points=1, reason="本单位的品牌")
    snapshot_with(cycle, [other_agency, agency])
    client.force_login(liaison)
    page = client.get("/agency/").content.decode()
    assert "市公安局" in page and "本单位的品牌" in page
    assert "别家的曝光" not in page and "市市场监督管理局" not in page


def test_liaison_without_a_snapshot_and_others_refused(client, cycle, liaison, leader):
    client.force_login(liaison)
    assert "还没有排名结果" in client.get("/agency/").content.decode()
    client.force_login(leader)
    assert client.get("/agency/").status_code == 403


def test_an_old_snapshots_drill_down_lists_what_it_counted_and_apart_what_came_since(client, cycle, agency, admin,
                                                                                    indicator):
    from scoring.services import assessment_put, score_entry_book, snapshot_compute

    counted = score_entry_book(cycle=cycle, agency=agency, kind="deduction", points="1.50", reason="媒体曝光")
    assessment_put(indicator=indicator, agency=agency, points=12)
    snapshot = snapshot_compute(cycle=cycle, period="2026-Q2")  # the period's end lies ahead: until is not now
    later = score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="4.00", reason="后来的服务品牌")
    assessment_put(indicator=indicator, agency=agency, points=18)
    assert snapshot.scorecards.get().inputs["entry_ids"] == [counted.pk]
    client.force_login(admin)
    page = client.get(f"/dashboard/{snapshot.pk}/{agency.code}/").content.decode()
    ledger, since = page.split('id="entries-since"')
    assert "媒体曝光" in ledger and "后来的服务品牌" not in ledger[ledger.rindex("计分台账"):]
    assert "后来的服务品牌" in since and "快照后新增（不计入）" in since
    assessments = page[page.index("组织考评</h2>"):page.index('id="assessments-since"')]
    assert "12.00 / 20.00" in assessments and "18.00" not in assessments
    assert "18.00 / 20.00" in page[page.index('id="assessments-since"'):]
    assert later.pk not in snapshot.scorecards.get().inputs["entry_ids"]
