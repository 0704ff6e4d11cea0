"""Results in public as they happen: the office releases a period ranking to /public/ (labelled provisional),
each agency has a public page with its trend and rectification rate, and partner websites embed a widget
or read a cached feed. Nothing personal is ever shown."""
import json

import pytest
from django.core.cache import cache

from agencies.choices import CycleStatus
from rectification import services as rectification
from scoring import services
from scoring.models import PublicRelease
from scoring.services import score_entry_book
from tests.factories import AgencyFactory, AgencyGroupFactory

from .factories import snapshot_with

pytestmark = pytest.mark.django_db

PARTNER = "https://www.partner.example.gov.cn"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def city(group):
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    return [AgencyFactory(code=f"a{i:02d}", name=f"市第{i}局", group=group if i % 2 else economy) for i in range(6)]


@pytest.fixture
def open_cycle(cycle):
    cycle.status = CycleStatus.OPEN
    cycle.save()
    return cycle


def release(client, snapshot, **data):
    return client.post(f"/dashboard/snapshots/{snapshot.pk}/release/", data)


def test_the_office_releases_a_period_ranking_and_the_public_sees_it_labelled(client, open_cycle, city, admin):
    week = snapshot_with(open_cycle, city, period="2026-W23")
    assert 'id="provisional"' not in client.get("/public/").content.decode()  # nothing released: nothing shown
    client.force_login(admin)
    dashboard = client.get(f"/dashboard/?cycle={open_cycle.code}&period=2026-W23").content.decode()
    assert f'action="/dashboard/snapshots/{week.pk}/release/"' in dashboard and "向社会公开本期排名" in dashboard
    assert release(client, week).status_code == 302
    client.logout()
    text = client.get("/public/").content.decode()
    assert "阶段性排名" in text and "阶段性结果，非最终结果" in text and "2026年第23周" in text
    section = text[text.index('id="provisional"'):text.index("</section>", text.index('id="p-overall"'))]
    assert section.index("市第0局") < section.index("市第5局")
    assert "评议结果尚未公布" not in text  # the provisional ranking is what there is to see
    assert PublicRelease.objects.get().released_by == admin


def test_withdrawing_takes_it_off_and_releasing_again_puts_it_back(client, open_cycle, city, admin):
    week = snapshot_with(open_cycle, city, period="2026-W23")
    client.force_login(admin)
    release(client, week)
    assert release(client, week, withdraw="1").status_code == 302
    assert 'id="provisional"' not in client.get("/public/").content.decode()
    assert PublicRelease.objects.get().withdrawn_by == admin  # the record that it was shown stays
    release(client, week)
    assert 'id="provisional"' in client.get("/public/").content.decode()
    assert PublicRelease.objects.count() == 1


def test_a_final_result_or_a_published_cycle_is_not_released_by_hand(open_cycle, city, admin):
    from conduct_eval.errors import ConflictError

    final = snapshot_with(open_cycle, city, final=True)
    with pytest.raises(ConflictError):
        services.snapshot_release(snapshot=final, actor=admin)
    week = snapshot_with(open_cycle, city, period="2026-W23")
    services.snapshot_release(snapshot=week, actor=admin)
    open_cycle.status = CycleStatus.PUBLISHED
    open_cycle.save()
    with pytest.raises(ConflictError):
        services.snapshot_release(snapshot=week, actor=admin)


def test_a_published_cycle_shows_its_final_result_not_an_old_provisional_one(client, open_cycle, city, admin):
    week = snapshot_with(open_cycle, list(reversed(city)), period="2026-W23")
    services.snapshot_release(snapshot=week, actor=admin)
    snapshot_with(open_cycle, city, final=True)
    open_cycle.status = CycleStatus.PUBLISHED
    open_cycle.save()
    text = client.get("/public/").content.decode()
    assert "阶段性排名" not in text and "年度最终结果" in text


def test_only_the_office_releases(client, open_cycle, city, leader, liaison):
    week = snapshot_with(open_cycle, city, period="2026-W23")
    for user in (leader, liaison):
        client.force_login(user)
        assert release(client, week).status_code == 403
    assert not PublicRelease.objects.exists()


def test_an_agencys_public_page_shows_public_results_only_and_its_rectification_rate(client, open_cycle, city,
                                                                                  admin, liaison):
    agency = city[0]
    hidden = snapshot_with(open_cycle, list(reversed(city)), period="2026-W22")  # never released
    w23 = snapshot_with(open_cycle, city, period="2026-W23")
    w24 = snapshot_with(open_cycle, city[1:] + city[:1], period="2026-W24")
    for snapshot in (w23, w24):
        services.snapshot_release(snapshot=snapshot, actor=admin)
    score_entry_book(cycle=open_cycle, agency=agency, kind="deduction", points=2, reason="窗口人员张三态度差",
                     actor=admin)
    notice = rectification.notice_issue(agency=agency, cycle=open_cycle, source="manual", text="窗口人员李四推诿",
                                        source_key="manual:public", actor=admin)
    page = client.get(f"/public/a/{agency.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026年第23周" in text and "2026年第24周" in text and "2026年第22周" not in text
    trend = json.loads(text.split('<script id="ce-trend-data" type="application/json">')[1].split("</script>")[0])
    assert trend["totals"] == [85.0, 60.0] and trend["ranks"] == [1, 6]
    assert "整改率" in text and "按期整改率" in text
    for private in ("窗口人员张三态度差", "窗口人员李四推诿", liaison.username, admin.username, "/dashboard/"):
        assert private not in text, private
    assert hidden.pk and notice.pk
    assert client.get("/public/a/nowhere/").status_code == 404


def test_the_widget_cannot_be_framed_unless_the_office_names_the_partner(client, settings, open_cycle, city, admin):
    services.snapshot_release(snapshot=snapshot_with(open_cycle, city, period="2026-W23"), actor=admin)
    closed = client.get("/public/widget/")
    assert closed.status_code == 200 and "市第0局" in closed.content.decode()
    assert "frame-ancestors 'none'" in closed["Content-Security-Policy"] and closed["X-Frame-Options"] == "DENY"
    settings.PUBLIC_WIDGET_ORIGINS = (PARTNER,)
    framed = client.get("/public/widget/")
    assert f"frame-ancestors {PARTNER}" in framed["Content-Security-Policy"]
    assert "X-Frame-Options" not in framed
    text = framed.content.decode()
    assert "阶段性结果，非最终结果" in text and 'target="_blank"' in text


def test_the_feed_is_json_cached_and_refreshed_when_the_office_releases(client, settings, open_cycle, city, admin,
                                                                        django_assert_num_queries):
    settings.PUBLIC_WIDGET_ORIGINS = (PARTNER,)
    empty = client.get("/public/feed.json").json()
    assert empty["snapshot"] is None and empty["rows"] == []
    week = snapshot_with(open_cycle, city, period="2026-W23")
    client.force_login(admin)
    release(client, week)  # forgets the cached feed
    client.logout()
    feed = client.get("/public/feed.json", HTTP_ORIGIN=PARTNER)
    body = feed.json()
    assert body["snapshot"] == week.pk and body["final"] is False and body["period_label"] == "2026年第23周"
    assert [row["agency"] for row in body["rows"]][:2] == ["a00", "a01"] and body["rows"][0]["total"] == "85.00"
    assert set(body["rows"][0]) == {"agency", "agency_name", "group", "group_name", "total", "rank_overall",
                                    "rank_in_group", "outcome"}
    assert feed["Access-Control-Allow-Origin"] == PARTNER and "max-age=300" in feed["Cache-Control"]
    with django_assert_num_queries(0):
        assert client.get("/public/feed.json").json() == body  # from the cache
    assert "Access-Control-Allow-Origin" not in client.get("/public/feed.json", HTTP_ORIGIN="https://evil.example")


def test_an_agencys_public_page_costs_the_same_however_many_results_are_public(client, open_cycle, city, admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for week in ("2026-W20", "2026-W21", "2026-W22", "2026-W23"):
        services.snapshot_release(snapshot=snapshot_with(open_cycle, city, period=week), actor=admin)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/public/a/{city[0].code}/").status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2] == counts[3], counts
