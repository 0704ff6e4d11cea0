"""The rhythm: nightly recompute of open cycles, and a snapshot when a week, month or quarter ends."""
from datetime import datetime

import pytest
import time_machine

from agencies.choices import CycleStatus
from conduct_eval.celery import app
from scoring import tasks
from scoring.periods import TZ
from tests.factories import CycleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.recompute, "delay", lambda *args: calls.append(args))
    return calls


def test_beat_schedule_is_merged_into_celery():
    schedule = app.conf.beat_schedule
    assert schedule["scoring-nightly-recompute"]["task"] == "scoring.recompute_open_cycles"
    assert {schedule[k]["args"][0] for k in ("scoring-week-end", "scoring-month-end", "scoring-quarter-end")} == {
        "week", "month", "quarter"}


def test_nightly_recomputes_open_cycles_only(cycle, queued):
    CycleFactory(code="2025", status=CycleStatus.CLOSED)
    tasks.recompute_open_cycles()
    assert queued == [(cycle.pk, "cycle")]


@pytest.mark.parametrize("kind, now, period", [
    ("week", datetime(2026, 3, 9, 0, 10, tzinfo=TZ), "2026-W10"),
    ("month", datetime(2026, 4, 1, 0, 20, tzinfo=TZ), "2026-03"),
    ("quarter", datetime(2026, 7, 1, 0, 40, tzinfo=TZ), "2026-Q2"),
    ("quarter", datetime(2027, 1, 1, 0, 40, tzinfo=TZ), "2026-Q4"),  # the cycle's last quarter, after its end
])
def test_period_end_stores_the_period_that_just_ended(cycle, queued, kind, now, period):
    with time_machine.travel(now, tick=False):
        tasks.snapshot_period_end(kind)
    assert queued == [(cycle.pk, period)]


def test_period_end_skips_cycles_the_period_is_not_in(cycle, queued):
    CycleFactory(code="2027", starts_on=datetime(2027, 1, 1).date(), ends_on=datetime(2027, 12, 31).date())
    with time_machine.travel(datetime(2026, 4, 1, 0, 20, tzinfo=TZ), tick=False):
        tasks.snapshot_period_end("month")
    assert queued == [(cycle.pk, "2026-03")]


def test_recompute_of_a_vanished_cycle_returns_quietly(db):
    assert tasks.recompute.apply(args=(999999, "cycle")).get() is None
