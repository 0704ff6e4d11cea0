"""The official result first, its 95% intervals after it (scoring.services.snapshot_intervals_store).

The ranking is committed and served without waiting for the resampling; the intervals then stored are the very
ones the method gives for the snapshot's inputs, whether the recompute stores them itself or the sweep rebuilds
them from what the snapshot stored; and whatever was cached of the snapshot before them is forgotten."""
import datetime
import re

import pytest

from scoring import method, services
from scoring.models import AppendOnlyError, Scorecard, ScorecardInterval
from scoring.selectors import scheme_of, scoring_inputs
from tests.factories import AgencyFactory

from .factories import IndicatorFactory

INTERVAL_KEYS = services.INTERVAL_KEYS


@pytest.fixture
def rated(cycle, agency, other_agency):
    """Three rated agencies of one group with different organizational scores (so ranks and intervals differ)."""
    third = AgencyFactory(code="sfj", name="市司法局", group=agency.group)
    indicator = IndicatorFactory(cycle=cycle, code="rated", max_points=10)
    for who, points in ((agency, 9), (other_agency, 7), (third, 8)):
        services.assessment_put(indicator=indicator, agency=who, points=points)
    return [agency, other_agency, third]


def expected_intervals(cycle, snapshot) -> dict[str, dict]:
    """What the method gives with intervals for the snapshot's inputs, computed here from the database."""
    cards = method.compute_with_intervals(scoring_inputs(cycle=cycle, until=snapshot.until), scheme_of(cycle))
    return {card.agency: {key: card.to_dict()[key] for key in INTERVAL_KEYS} for card in cards}


def shown(snapshot) -> dict[str, dict]:
    cards = Scorecard.objects.filter(snapshot=snapshot).select_related("agency", "interval")
    return {card.agency.code: {key: card.full_card[key] for key in INTERVAL_KEYS} for card in cards}


def test_the_recompute_stores_the_official_result_then_the_methods_intervals(cycle, rated):
    snapshot = services.snapshot_compute(cycle=cycle)
    assert ScorecardInterval.objects.filter(scorecard__snapshot=snapshot).count() == 3
    got = shown(snapshot)
    assert got == expected_intervals(cycle, snapshot)
    assert all(value is not None for row in got.values() for value in row.values())
    # The official card itself is what the method gives without intervals.
    official = {c.agency: c.to_dict() for c in method.compute(scoring_inputs(cycle=cycle, until=snapshot.until),
                                                                scheme_of(cycle))}
    for card in Scorecard.objects.filter(snapshot=snapshot).select_related("agency"):
        assert card.card == official[card.agency.code]


def test_without_intervals_the_ranking_is_served_and_the_sweep_adds_them(api, cycle, rated,
                                                                          django_capture_on_commit_callbacks):
    snapshot = services.snapshot_compute(cycle=cycle, intervals=False)
    url = f"/api/v1/cycles/{cycle.code}/rankings/"
    rows = {row["agency"]: row for row in api.get(url).json()["rows"]}
    assert [rows[a.code]["rank_overall"] for a in rated] == [1, 3, 2]
    assert all(rows[a.code]["total_low"] is None for a in rated)  # served at once, before the intervals

    with django_capture_on_commit_callbacks(execute=True):
        assert services.snapshot_intervals_sweep() == 1
    assert shown(snapshot) == expected_intervals(cycle, snapshot)  # rebuilt from the stored inputs: the same
    rows = {row["agency"]: row for row in api.get(url).json()["rows"]}  # the cached body was forgotten
    assert {a.code: {key: rows[a.code][key] for key in INTERVAL_KEYS} for a in rated} == {
        code: {key: (None if value is None else (value if isinstance(value, int) else float(value)))
               for key, value in row.items()} for code, row in expected_intervals(cycle, snapshot).items()}
    assert services.snapshot_intervals_sweep() == 0  # once
    assert services.snapshot_intervals_store(snapshot=snapshot) == 0


def test_intervals_that_fail_leave_the_ranking_standing_for_the_sweep(cycle, rated, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("resampling failed")

    monkeypatch.setattr(method, "intervals_of", broken)
    snapshot = services.snapshot_compute(cycle=cycle)
    assert snapshot.scorecards.count() == 3 and not ScorecardInterval.objects.exists()
    assert "intervals of snapshot" in caplog.text
    monkeypatch.undo()
    assert services.snapshot_intervals_sweep() == 1
    assert shown(snapshot) == expected_intervals(cycle, snapshot)


def test_the_sweep_leaves_old_snapshots_and_those_with_intervals_inside_their_cards(cycle, rated):
    snapshot = services.snapshot_compute(cycle=cycle, intervals=False)
    later = snapshot.computed_at + datetime.timedelta(days=services.INTERVALS_SWEEP_DAYS, hours=1)
    assert services.snapshot_intervals_sweep(at=later) == 0  # too old for the sweep
    assert not ScorecardInterval.objects.exists()


def test_intervals_are_append_only(cycle, rated):
    snapshot = services.snapshot_compute(cycle=cycle)
    interval = ScorecardInterval.objects.filter(scorecard__snapshot=snapshot).first()
    with pytest.raises(AppendOnlyError):
        interval.save()
    with pytest.raises(AppendOnlyError):
        ScorecardInterval.objects.all().delete()


def test_the_dashboard_shows_the_intervals_once_they_are_stored(client, admin, cycle, rated,
                                                                 django_capture_on_commit_callbacks):
    client.force_login(admin)
    snapshot = services.snapshot_compute(cycle=cycle, intervals=False)
    interval = re.compile(r"\((\d+\.\d)–(\d+\.\d)\)")
    assert not interval.search(client.get("/dashboard/").content.decode())  # the official table, cached
    with django_capture_on_commit_callbacks(execute=True):
        services.snapshot_intervals_sweep()
    page = client.get("/dashboard/").content.decode()
    expected = expected_intervals(cycle, snapshot)[rated[0].code]
    assert f"({float(expected['total_low']):.1f}–{float(expected['total_high']):.1f})" in page
