"""The dashboard's chart JSON (/dashboard/charts/…): shapes, a fitted axis, the switches checked, office roles only."""
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from agencies.choices import CycleStatus
from rectification.choices import NoticeStatus
from rectification.models import RectificationNotice
from scoring.models import Scorecard
from surveys.choices import Channel, SurveyKind
from surveys.models import Response
from surveys.services import survey_create
from tests.factories import AgencyFactory, AgencyGroupFactory

from .factories import card_of, snapshot_with

pytestmark = pytest.mark.django_db

ROUTES = ["ranking", "heatmap", "trends", "funnel", "responses"]


@pytest.fixture
def many(group):
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    return [AgencyFactory(code=f"a{i:02d}", name=f"市第{i}局", group=group if i % 2 else economy) for i in range(8)]


def _get(client, name, **params):
    return client.get(f"/dashboard/charts/{name}.json", params)


def test_ranking_is_a_dot_plot_with_intervals_on_a_fitted_axis(client, cycle, many, admin):
    snapshot_with(cycle, many)  # totals 85, 80, …, 50; intervals ±2
    client.force_login(admin)
    data = _get(client, "ranking").json()
    rows = data["rows"]
    assert [r["agency"] for r in rows] == [a.code for a in many]
    assert rows[0] == {"agency": "a00", "name": "市第0局", "total": 85.0, "low": 83.0, "high": 87.0, "rank": 1,
                       "outcome": "commended", "outcome_label": "表彰"}
    assert rows[-1]["outcome"] == "warned"
    # Not 0–100: the data's range (48–87) widened by 5% of it (at least a point), in whole points.
    assert data["axis"] == {"min": 46, "max": 89}
    assert data["axis"]["min"] <= min(r["low"] for r in rows) and data["axis"]["max"] >= max(r["high"] for r in rows)

    economy = _get(client, "ranking", group="economy").json()
    assert [r["agency"] for r in economy["rows"]] == ["a00", "a02", "a04", "a06"]
    assert economy["in_group"] is True and economy["axis"] == {"min": 51, "max": 89}


def test_heat_map_means_come_from_the_snapshots_stored_counts(client, cycle, many, admin):
    snapshot = snapshot_with(cycle, many[:1])
    Scorecard.objects.create(snapshot=snapshot, agency=many[1], group_code="window", total=70, rank_overall=2,
                             rank_in_group=1, card=card_of(many[1], total=70, rank=2, rank_in_group=1),
                             inputs={"public_counts": {"service_attitude": {"5": 1, "1": 1}, "integrity": {"4": 4}}})
    Scorecard.objects.create(snapshot=snapshot, agency=many[2], group_code="economy", total=60, rank_overall=3,
                             rank_in_group=1, card=card_of(many[2], total=60, rank=3, rank_in_group=1),
                             inputs={"public_counts": {}})  # no service window: nobody rated it, no row
    client.force_login(admin)
    data = _get(client, "heatmap").json()
    assert data["agencies"] == ["市第0局", "市第1局"] and len(data["dimensions"]) == 8
    assert data["dimensions"][0] == "服务态度"
    # a00: service attitude 7 × 100 + 5 × 50 over 12 = 79.17; a01: (100 + 0) / 2 and integrity 75.
    assert sorted(data["cells"]) == [[0, 0, 79.17, 12], [0, 1, 50.0, 2], [7, 1, 75.0, 4]]
    assert data["scale"]["min"] < 50 and data["scale"]["max"] > 79.17


def test_trends_follow_the_chosen_agencies_across_periods_of_one_kind(client, cycle, many, admin):
    snapshot_with(cycle, many, period="2026-01")
    snapshot_with(cycle, list(reversed(many)), period="2026-02")
    snapshot_with(cycle, many, period="2026-Q1")
    snapshot_with(cycle, many)
    client.force_login(admin)
    data = _get(client, "trends").json()  # by month, the top three and bottom three by default
    assert data["kind"] == "month" and data["periods"] == ["2026-01", "2026-02"]
    assert [s["agency"] for s in data["series"]] == ["a00", "a01", "a02", "a05", "a06", "a07"]
    first = data["series"][0]
    assert first["totals"] == [85.0, 50.0] and first["ranks"] == [1, 8]
    assert data["axis"]["min"] < 50 < 85 < data["axis"]["max"]
    chosen = _get(client, "trends", kind="quarter", agencies="a03,a04").json()
    assert chosen["periods"] == ["2026-Q1"] and [s["name"] for s in chosen["series"]] == ["市第3局", "市第4局"]
    assert chosen["labels"][0] != "2026-Q1"  # a label in words, not the code


def test_funnel_counts_issued_responded_verified_on_time_and_overdue(client, cycle, agency, many, admin):
    today = timezone.localdate()
    def notice(status, **kw):
        return RectificationNotice.objects.create(agency=kw.pop("to", agency), cycle=cycle, source="opinion",
                                                  text="整改", deadline=today + timedelta(days=5), status=status, **kw)
    notice(NoticeStatus.ISSUED)
    notice(NoticeStatus.ISSUED, overdue=True)
    notice(NoticeStatus.RESPONDED, responded_at=timezone.now())
    notice(NoticeStatus.VERIFIED, responded_at=timezone.now(), verified_at=timezone.now())
    notice(NoticeStatus.VERIFIED, responded_at=timezone.now(), verified_at=timezone.now(), overdue=True)
    notice(NoticeStatus.WITHDRAWN)
    notice(NoticeStatus.ISSUED, to=many[0])  # of the economy group
    snapshot_with(cycle, [agency])
    client.force_login(admin)
    data = _get(client, "funnel").json()
    assert [(s["key"], s["value"]) for s in data["stages"]] == [("issued", 6), ("responded", 3), ("verified", 2)]
    assert (data["on_time"], data["late"], data["overdue"]) == (1, 1, 2)
    window = _get(client, "funnel", group="window").json()
    assert window["stages"][0]["value"] == 5


def test_responses_per_day_and_channel_within_the_period(client, cycle, agency, admin):
    survey = survey_create(slug="2026-public", cycle=cycle, kind=SurveyKind.PUBLIC, title="民评",
                           opens_at=timezone.make_aware(datetime(2026, 1, 1)),
                           closes_at=timezone.make_aware(datetime(2027, 1, 1)))
    def response(day, hour, channel):
        Response.objects.create(survey=survey, agency=agency, channel=channel, fingerprint=f"{day}{hour}{channel}",
                                submitted_at=timezone.make_aware(datetime(2026, 3, day, hour)))
    response(2, 9, Channel.WEB)
    response(2, 23, Channel.QR)  # 23:00 in Shanghai is still the 2nd
    response(3, 10, Channel.WEB)
    response(31, 10, Channel.WEB)
    snapshot_with(cycle, [agency], period="2026-03")
    client.force_login(admin)
    data = _get(client, "responses", period="2026-03").json()
    assert len(data["days"]) == 31 and data["days"][0] == "2026-03-01" and data["total"] == 4
    series = {s["channel"]: s for s in data["series"]}
    assert set(series) == {"web", "qr"} and series["web"]["label"] == "网页"
    assert series["web"]["counts"][1:3] == [1, 1] and series["qr"]["counts"][1] == 1


@pytest.mark.parametrize("name", ROUTES)
def test_a_bad_period_group_or_cycle_is_a_400_naming_the_field(client, cycle, agency, admin, name):
    snapshot_with(cycle, [agency], period="2026-03")
    client.force_login(admin)
    for params, field in (({"period": "2026-13"}, "period"), ({"period": "2026-04"}, "period"),
                          ({"group": "nowhere"}, "group"), ({"cycle": "1999"}, "cycle")):
        answer = _get(client, name, **params)
        assert answer.status_code == 400, (params, answer.content)
        assert list(answer.json()) == [field]
    assert client.get("/dashboard/charts/", {"group": "nowhere"}).status_code == 400


def test_trends_refuse_an_unknown_kind_or_agency(client, cycle, agency, admin):
    snapshot_with(cycle, [agency])
    client.force_login(admin)
    assert list(_get(client, "trends", kind="day").json()) == ["kind"]
    assert _get(client, "trends", agencies="nobody").status_code == 400
    assert "nobody" in str(_get(client, "trends", agencies="nobody").json()["agencies"])


def test_charts_are_for_the_office_roles_only(client, cycle, agency, admin, leader, liaison, inspector):
    snapshot_with(cycle, [agency])
    for user, status in ((admin, 200), (leader, 200), (liaison, 403), (inspector, 403)):
        client.force_login(user)
        for name in ROUTES:
            assert _get(client, name).status_code == status, (user.username, name)
        assert client.get("/dashboard/charts/").status_code == status
    client.logout()
    assert _get(client, "ranking").status_code == 302


def test_the_dashboard_includes_the_panel_and_htmx_swaps_it(client, cycle, many, admin):
    snapshot_with(cycle, many, period="2026-03")
    snapshot_with(cycle, many)
    client.force_login(admin)
    page = client.get("/dashboard/").content.decode()
    assert 'id="ce-charts"' in page and "echarts-6.1.0/echarts.min.js" in page
    for name in ROUTES:
        assert f"/dashboard/charts/{name}.json?cycle=2026&amp;period=cycle&amp;group=" in page
    panel = client.get("/dashboard/charts/", {"period": "2026-03", "group": "economy"}, HTTP_HX_REQUEST="true")
    text = panel.content.decode()
    assert text.lstrip().startswith("<section") and "echarts.min.js" not in text  # only the panel, no scripts
    assert "period=2026-03&amp;group=economy" in text and 'value="2026-03" selected' in text


def test_an_empty_cycle_answers_empty_charts(client, admin):
    from tests.factories import CycleFactory

    CycleFactory(code="2030", status=CycleStatus.OPEN)
    client.force_login(admin)
    for name in ("ranking", "heatmap", "responses"):
        assert _get(client, name, cycle="2030").json()["empty"] is True
    assert _get(client, "trends", cycle="2030").json()["series"] == []
    assert [s["value"] for s in _get(client, "funnel", cycle="2030").json()["stages"]] == [0, 0, 0]
    assert "本周期还没有排名快照" in client.get("/dashboard/charts/", {"cycle": "2030"}).content.decode()
