"""数据已变更，待重新计算: the dashboard and the scorecard page say when the inputs changed after the newest
snapshot, and the every-minute job recomputes an open cycle once its inputs have been quiet for the debounce."""
import datetime

import pytest
import time_machine
from django.utils import timezone

from agencies.services import cycle_status_change
from conduct_eval.celery import app
from scoring import services, tasks
from scoring.models import RankingSnapshot, RecomputeRequest
from tests.inputs_version import version

from .factories import rate_fully

pytestmark = pytest.mark.django_db
BANNER = "数据已变更，待重新计算"


@pytest.fixture
def rated(cycle, agency, other_agency):
    rate_fully(cycle, agency, other_agency)
    return cycle


def book(cycle, agency, points="1"):
    return services.score_entry_book(cycle=cycle, agency=agency, kind="bonus", points=points, reason="表彰")


def test_the_dashboard_and_the_scorecard_say_the_data_changed_until_recomputed(client, admin, rated, agency):
    snapshot = services.snapshot_compute(cycle=rated, period="cycle")
    client.force_login(admin)
    scorecard_url = f"/dashboard/{snapshot.pk}/{agency.code}/"
    assert BANNER not in client.get(f"/dashboard/?cycle={rated.code}").content.decode()
    assert BANNER not in client.get(scorecard_url).content.decode()
    at = timezone.make_aware(datetime.datetime(2026, 6, 16, 9, 41))
    with time_machine.travel(at, tick=False):
        book(rated, agency)
    page = client.get(f"/dashboard/?cycle={rated.code}").content.decode()
    assert BANNER in page and "2026-06-16 09:41" in page
    assert BANNER in client.get(scorecard_url).content.decode()  # the older snapshot's drill-down too
    services.snapshot_compute(cycle=rated, period="cycle")
    assert BANNER not in client.get(f"/dashboard/?cycle={rated.code}").content.decode()


def test_a_final_result_shows_no_banner(client, admin, rated, agency):
    services.snapshot_compute(cycle=rated, period="cycle")
    book(rated, agency)
    closed = cycle_status_change(cycle=rated, status="closed")
    services.snapshot_compute(cycle=closed, period="cycle", final=True)
    client.force_login(admin)
    assert BANNER not in client.get(f"/dashboard/?cycle={rated.code}").content.decode()


def test_english_names_the_change(client, admin, rated, agency):
    services.snapshot_compute(cycle=rated, period="cycle")
    book(rated, agency)
    client.force_login(admin)
    page = client.get(f"/dashboard/?cycle={rated.code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Data changed; awaiting recomputation" in page and BANNER not in page


@pytest.fixture
def outbox(settings):
    """The full stack's outbox: a recompute request is a row (its message would go after the commit)."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.RECOMPUTE_DEBOUNCE = 120


def test_a_burst_of_changes_yields_one_request_after_the_debounce_and_none_before(outbox, rated, agency):
    start = timezone.make_aware(datetime.datetime(2026, 6, 16, 9))
    with time_machine.travel(start, tick=False):
        services.snapshot_compute(cycle=rated, period="cycle")
    for second in (0, 20, 40, 60, 80):  # a burst of bookings over 80 seconds
        with time_machine.travel(start + datetime.timedelta(minutes=1, seconds=second), tick=False):
            book(rated, agency, points="0.5")
            assert tasks.recompute_changed_cycles() == []
    last = start + datetime.timedelta(minutes=1, seconds=80)
    with time_machine.travel(last + datetime.timedelta(seconds=119), tick=False):
        assert tasks.recompute_changed_cycles() == []  # still within the debounce of the last booking
    assert not RecomputeRequest.objects.exists()
    with time_machine.travel(last + datetime.timedelta(seconds=121), tick=False):
        assert tasks.recompute_changed_cycles() == [rated.pk]
        assert tasks.recompute_changed_cycles() == []  # the pending request is enough
    with time_machine.travel(last + datetime.timedelta(seconds=181), tick=False):
        assert tasks.recompute_changed_cycles() == []
    request = RecomputeRequest.objects.get()
    assert (request.cycle_id, request.period, request.final) == (rated.pk, "cycle", False)
    snapshot_id = services.recompute_run(request_id=request.pk)
    assert RankingSnapshot.objects.get(pk=snapshot_id).inputs_version == version(rated)
    with time_machine.travel(last + datetime.timedelta(minutes=10), tick=False):
        assert tasks.recompute_changed_cycles() == []  # recomputed: nothing to do
        book(rated, agency)
    with time_machine.travel(last + datetime.timedelta(minutes=13), tick=False):
        assert tasks.recompute_changed_cycles() == [rated.pk]
    assert RecomputeRequest.objects.filter(done_at__isnull=True).count() == 1


def test_embedded_the_debounced_recompute_stores_the_snapshot(settings, rated, agency):
    settings.REDIS_URL = ""
    services.snapshot_compute(cycle=rated, period="cycle")
    book(rated, agency)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3), tick=False):
        assert services.recompute_changed() == [rated.pk]
    newest = RankingSnapshot.objects.order_by("-id").first()
    assert newest.inputs_version == version(rated)


@pytest.mark.parametrize("status", ["closed", "published"])
def test_closed_and_published_cycles_are_not_recomputed(outbox, rated, agency, status):
    services.snapshot_compute(cycle=rated, period="cycle")
    book(rated, agency)
    rated = cycle_status_change(cycle=rated, status="closed")
    if status == "published":
        services.snapshot_compute(cycle=rated, period="cycle", final=True)
        rated = cycle_status_change(cycle=rated, status="published")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1), tick=False):
        assert services.recompute_changed() == []
    assert not RecomputeRequest.objects.exists()


def test_the_debounced_recompute_runs_every_minute():
    entry = app.conf.beat_schedule["scoring-debounced-recompute"]
    assert entry["task"] == "scoring.recompute_changed_cycles" and entry["schedule"] == 60.0
