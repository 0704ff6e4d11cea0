"""Recompute and rankings through the API; snapshots immutable and reproducible; the final result."""
import pytest

from agencies.choices import CycleStatus
from scoring.models import AppendOnlyError, RankingSnapshot, Scorecard
from scoring.services import score_entry_book, score_entry_reverse, snapshot_compute
from scoring.signals import final_snapshot_published
from tests.scoring.factories import snapshot_with

from .factories import rate_fully

pytestmark = pytest.mark.django_db

ROW_KEYS = {"agency", "group", "components", "bonus", "deduction", "total", "rank_overall", "rank_in_group",
            "outcome"}


def recompute(client, cycle, capture, **body):
    with capture(execute=True):
        return client.post(f"/api/v1/cycles/{cycle.code}/recompute/", body)


def test_recompute_answers_202_and_rankings_have_the_contracts_shape(api, cycle, agency, other_agency,
                                                                     django_capture_on_commit_callbacks):
    score_entry_book(cycle=cycle, agency=agency, kind="inspection", points=3, reason="暗访")
    response = recompute(api, cycle, django_capture_on_commit_callbacks, period="cycle")
    assert response.status_code == 202 and response.json()["task_id"]
    body = api.get(f"/api/v1/cycles/{cycle.code}/rankings/?period=cycle").json()
    assert {"snapshot", "computed_at", "period", "final", "rows"} <= set(body)
    assert body["period"] == "cycle" and body["final"] is False
    rows = {row["agency"]: row for row in body["rows"]}
    assert all(set(row) >= ROW_KEYS for row in body["rows"])
    inspection = rows["gaj"]["components"]["inspection"]
    assert {"score", "weight", "n", "included"} <= set(inspection)
    assert inspection == {**inspection, "score": 97, "weight": 20, "n": 1, "included": True}
    # Nothing but the inspection component (whose default is 100): neither agency is rated yet.
    assert [(rows[c]["rank_overall"], rows[c]["rank_in_group"], rows[c]["outcome"]) for c in ("scjgj", "gaj")] == [
        (None, None, "unrated")] * 2
    assert rows["scjgj"]["total"] == 100 and rows["gaj"]["total"] == 97
    assert rows["gaj"]["components"]["public_survey"]["included"] is False  # no responses yet


def test_only_rated_agencies_take_ranks(api, cycle, agency, other_agency, admin, django_capture_on_commit_callbacks):
    from scoring.services import assessment_put, indicator_create

    indicator = indicator_create(cycle=cycle, code="zz", name="制度建设", max_points=10, assessor_unit="组织部")
    assessment_put(indicator=indicator, agency=agency, points=6, actor=admin)
    recompute(api, cycle, django_capture_on_commit_callbacks, period="cycle")
    rows = {row["agency"]: row for row in api.get(f"/api/v1/cycles/{cycle.code}/rankings/").json()["rows"]}
    # gaj (rated, 60 × 20 + 100 × 20 over 40 = 80) is 1st of N = 1; scjgj (100 from the default alone) has no rank.
    assert (rows["gaj"]["rank_overall"], rows["gaj"]["rank_in_group"], rows["gaj"]["total"]) == (1, 1, 80)
    assert (rows["scjgj"]["rank_overall"], rows["scjgj"]["outcome"]) == (None, "unrated")
    assert list(rows) == ["gaj", "scjgj"]  # ranked first, unrated last


def test_without_period_the_newest_snapshot_answers(api, cycle, agency, django_capture_on_commit_callbacks):
    recompute(api, cycle, django_capture_on_commit_callbacks, period="cycle")
    recompute(api, cycle, django_capture_on_commit_callbacks, period="2026-03")
    assert api.get(f"/api/v1/cycles/{cycle.code}/rankings/").json()["period"] == "2026-03"


@pytest.mark.parametrize("period", ["2026-13", "nonsense", "2025-Q1"])
def test_bad_period_is_400_naming_period(api, cycle, agency, period, django_capture_on_commit_callbacks):
    response = recompute(api, cycle, django_capture_on_commit_callbacks, period=period)
    assert response.status_code == 400 and "period" in response.json()["errors"]
    response = api.get(f"/api/v1/cycles/{cycle.code}/rankings/?period={period}")
    assert response.status_code == 400 and "period" in response.json()["errors"]


def test_period_without_a_snapshot_and_unknown_cycle_are_404(api, cycle, agency):
    assert api.get(f"/api/v1/cycles/{cycle.code}/rankings/").status_code == 404
    assert api.get(f"/api/v1/cycles/{cycle.code}/rankings/?period=2026-W05").status_code == 404
    assert api.get("/api/v1/cycles/nope/rankings/").status_code == 404
    assert api.post("/api/v1/cycles/nope/recompute/", {}).status_code == 404


def test_who_may_recompute_and_read(client_for, cycle, agency, leader, liaison, inspector, assessor, admin):
    snapshot_compute(cycle=cycle)
    url = f"/api/v1/cycles/{cycle.code}/rankings/"
    assert client_for(leader).get(url).status_code == 200
    for user in (liaison, inspector, assessor):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).post(f"/api/v1/cycles/{cycle.code}/recompute/", {}).status_code == 403
    assert client_for(leader).post(f"/api/v1/cycles/{cycle.code}/recompute/", {}).status_code == 403
    assert client_for().get(url).status_code in (401, 403)
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    snapshot_compute(cycle=cycle, final=True)
    cycle.status = CycleStatus.PUBLISHED
    cycle.save()
    assert client_for().get(url).status_code == 200  # public once published


def test_the_public_reads_the_published_final_result_never_a_provisional_one(client, client_for, cycle, agency,
                                                                             other_agency, admin):
    score_entry_book(cycle=cycle, agency=agency, kind="bonus", points=2, reason="表彰", actor=admin)
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    final = snapshot_compute(cycle=cycle, final=True)
    cycle.status = CycleStatus.PUBLISHED
    cycle.save()
    provisional = snapshot_with(cycle, [other_agency, agency], period="2026-Q4")  # stored after the final one
    url = f"/api/v1/cycles/{cycle.code}/rankings/"
    for who in (None, "liaison"):
        reader = client_for(liaison_of(agency) if who else None)
        body = reader.get(url).json()
        assert (body["snapshot"], body["final"]) == (final.pk, True)
        assert [row["agency"] for row in body["rows"]][0] == "gaj"
        assert reader.get(f"{url}?period=cycle").json()["snapshot"] == final.pk
        assert reader.get(f"{url}?period=2026-Q4").status_code == 404
    assert client_for(admin).get(url).json()["snapshot"] == provisional.pk  # the office sees its newest
    public = client.get("/public/").content.decode()
    assert str(final.scorecards.get(agency=agency).total) in public


def liaison_of(agency):
    from tests.factories import UserFactory

    return UserFactory(username="liaison", role="agency", agency=agency)


def test_same_inputs_same_digest_and_no_second_snapshot(cycle, agency, other_agency):
    first = snapshot_compute(cycle=cycle)
    assert snapshot_compute(cycle=cycle).pk == first.pk
    entry = score_entry_book(cycle=cycle, agency=agency, kind="bonus", points=2, reason="品牌")
    changed = snapshot_compute(cycle=cycle)
    assert changed.digest != first.digest
    score_entry_reverse(entry=entry, reason="更正")
    back = snapshot_compute(cycle=cycle)
    assert back.digest == first.digest and back.pk != first.pk  # reversals cancel: the same inputs again
    assert [(c.agency_id, c.total, c.rank_overall) for c in back.scorecards.order_by("agency_id")] == [
        (c.agency_id, c.total, c.rank_overall) for c in first.scorecards.order_by("agency_id")]


def test_snapshots_are_immutable(cycle, agency):
    snapshot = snapshot_compute(cycle=cycle)
    snapshot.period = "2026-01"
    with pytest.raises(AppendOnlyError):
        snapshot.save()
    with pytest.raises(AppendOnlyError):
        Scorecard.objects.filter(snapshot=snapshot).update(total=0)
    with pytest.raises(AppendOnlyError):
        RankingSnapshot.objects.all().delete()


def test_scorecards_carry_intervals_and_inputs(cycle, agency):
    rate_fully(cycle, agency)
    card = snapshot_compute(cycle=cycle).scorecards.get()
    assert card.full_card["total_low"] is not None and card.full_card["rank_high"] is not None
    assert card.card["total_low"] is None  # the official card; its intervals are stored after it
    assert card.inputs["code"] == "gaj" and card.inputs["inspection_n"] == 0


def test_final_needs_a_closed_cycle_is_stored_once_and_announced(api, cycle, agency, other_agency,
                                                                 django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, snapshot, **kwargs):
        received.append((sender, snapshot.pk, snapshot.final))

    final_snapshot_published.connect(receiver)
    try:
        response = recompute(api, cycle, django_capture_on_commit_callbacks, final=True)
        assert response.status_code == 409 and not received
        cycle.status = CycleStatus.CLOSED
        cycle.save()
        response = recompute(api, cycle, django_capture_on_commit_callbacks, final=True, period="2026-Q1")
        assert response.status_code == 400 and "period" in response.json()["errors"]
        assert recompute(api, cycle, django_capture_on_commit_callbacks, final=True).status_code == 202
        final = RankingSnapshot.objects.get(final=True)
        assert received == [(RankingSnapshot, final.pk, True)]
        assert recompute(api, cycle, django_capture_on_commit_callbacks, final=True).status_code == 409
        body = api.get(f"/api/v1/cycles/{cycle.code}/rankings/?period=cycle").json()
        assert body["final"] is True and body["snapshot"] == final.pk
    finally:
        final_snapshot_published.disconnect(receiver)


def test_dashboard_buttons_recompute_and_finalize(client, cycle, agency, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboard/recompute/", {"cycle": cycle.code, "period": "cycle"})
    assert response.status_code == 302 and RankingSnapshot.objects.count() == 1
    page = client.get(response.url).content.decode()
    assert "已重新计算" in page and "市公安局" in page
    response = client.post("/dashboard/recompute/", {"cycle": cycle.code, "final": "1"}, follow=True)
    assert "评议周期结束后才能生成年度最终结果" in response.content.decode()
