"""The rhythm: nightly recompute of open cycles, and a snapshot when a week, month or quarter ends."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from agencies.choices import CycleStatus
from conduct_eval.celery import app
from scoring import method, services, tasks
from scoring.models import RankingSnapshot
from scoring.periods import TZ, period_parse, periods_ended
from scoring.selectors import scheme_of, scoring_inputs
from tests.factories import CycleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.recompute, "delay", lambda *args: calls.append(args))
    return calls


def filed(cycle, period, *, at):
    """A snapshot of `period` computed at `at` (as the period-end job or the office stores one)."""
    span = period_parse(period, starts_on=cycle.starts_on, ends_on=cycle.ends_on)
    with time_machine.travel(at, tick=False):
        return RankingSnapshot.objects.create(cycle=cycle, period=period, until=span.until, digest="d" * 64,
                                              scheme={})


def test_beat_schedule_is_merged_into_celery():
    schedule = app.conf.beat_schedule
    assert schedule["scoring-nightly-recompute"]["task"] == "scoring.recompute_open_cycles"
    ends = ("scoring-week-end", "scoring-month-end", "scoring-quarter-end")
    assert {schedule[k]["args"][0] for k in ends} == {"week", "month", "quarter"}
    for key in ends:  # nightly, so the first night after downtime catches up
        cron = schedule[key]["schedule"]
        assert (cron.day_of_week, cron.day_of_month, cron.month_of_year) == (set(range(7)), set(range(1, 32)),
                                                                             set(range(1, 13)))


def test_nightly_recomputes_open_cycles_only(cycle, queued):
    CycleFactory(code="2025", status=CycleStatus.CLOSED)
    tasks.recompute_open_cycles()
    assert queued == [(cycle.pk, "cycle")]


@pytest.mark.parametrize("kind, now, before, period", [
    ("week", datetime(2026, 3, 9, 0, 10, tzinfo=TZ), "2026-W09", "2026-W10"),
    ("week", datetime(2026, 3, 10, 18, 0, tzinfo=TZ), "2026-W09", "2026-W10"),  # a day late: still last week
    ("month", datetime(2026, 4, 1, 0, 20, tzinfo=TZ), "2026-02", "2026-03"),
    ("month", datetime(2026, 4, 3, 9, 0, tzinfo=TZ), "2026-02", "2026-03"),
    ("quarter", datetime(2026, 7, 1, 0, 40, tzinfo=TZ), "2026-Q1", "2026-Q2"),
    ("quarter", datetime(2026, 8, 20, 0, 40, tzinfo=TZ), "2026-Q1", "2026-Q2"),
    ("quarter", datetime(2027, 1, 1, 0, 40, tzinfo=TZ), "2026-Q3", "2026-Q4"),  # the cycle's last, after its end
])
def test_period_end_stores_the_period_that_ended_before_its_scheduled_time(cycle, queued, kind, now, before, period):
    filed(cycle, before, at=now - timedelta(days=1))
    with time_machine.travel(now, tick=False):
        tasks.snapshot_period_end(kind)
    assert queued == [(cycle.pk, period)]


def test_period_end_after_downtime_queues_every_missed_period_once(cycle, queued):
    filed(cycle, "2026-W05", at=datetime(2026, 2, 2, 0, 10, tzinfo=TZ))
    with time_machine.travel(datetime(2026, 3, 11, 8, 0, tzinfo=TZ), tick=False):
        tasks.snapshot_period_end("week")
    assert queued == [(cycle.pk, f"2026-W{week:02d}") for week in range(6, 11)]


def test_a_snapshot_the_office_took_while_the_week_ran_does_not_file_it(cycle, queued):
    filed(cycle, "2026-W09", at=datetime(2026, 3, 2, 0, 10, tzinfo=TZ))
    filed(cycle, "2026-W10", at=datetime(2026, 3, 4, 15, 0, tzinfo=TZ))  # on demand, mid-week
    with time_machine.travel(datetime(2026, 3, 9, 0, 10, tzinfo=TZ), tick=False):
        tasks.snapshot_period_end("week")
    assert queued == [(cycle.pk, "2026-W10")]


def test_period_end_skips_cycles_the_period_is_not_in(cycle, queued):
    filed(cycle, "2026-02", at=datetime(2026, 3, 1, 0, 20, tzinfo=TZ))
    CycleFactory(code="2027", starts_on=datetime(2027, 1, 1).date(), ends_on=datetime(2027, 12, 31).date())
    with time_machine.travel(datetime(2026, 4, 1, 0, 20, tzinfo=TZ), tick=False):
        tasks.snapshot_period_end("month")
    assert queued == [(cycle.pk, "2026-03")]


def _digest_now(cycle, period):
    """The digest the period's snapshot has when computed at this moment."""
    span = period_parse(period, starts_on=cycle.starts_on, ends_on=cycle.ends_on)
    return method.inputs_digest(scoring_inputs(cycle=cycle, until=span.until), scheme_of(cycle))


def test_catch_up_snapshots_equal_the_ones_stored_on_time(cycle, agency, other_agency, admin):
    """Three months of downtime: every missed week, month and quarter is stored as of its own end."""
    on_time = {}
    day = datetime(2026, 1, 5, 10, 0, tzinfo=TZ)
    schedule = {"week": [], "month": [], "quarter": []}
    for step in range(14):  # the ledger keeps moving while nothing is filed
        with time_machine.travel(day + timedelta(days=7 * step), tick=False):
            services.score_entry_book(cycle=cycle, agency=agency if step % 2 else other_agency,
                                      kind="bonus" if step % 3 else "deduction", points=Decimal("0.25") * (step + 1),
                                      reason=f"第 {step} 周", actor=admin)
    for kind in schedule:
        schedule[kind] = periods_ended(kind, starts_on=cycle.starts_on, ends_on=cycle.ends_on,
                                       today=date(2026, 4, 1))
    for names in schedule.values():
        for name in names:
            span = period_parse(name, starts_on=cycle.starts_on, ends_on=cycle.ends_on)
            with time_machine.travel(span.until, tick=False):  # what the job would have seen on time
                on_time[name] = _digest_now(cycle, name)
    assert schedule["quarter"] == ["2026-Q1"] and len(schedule["week"]) == 13
    with time_machine.travel(datetime(2026, 4, 2, 11, 0, tzinfo=TZ), tick=False):
        services.score_entry_book(cycle=cycle, agency=agency, kind="bonus", points=3, reason="停机之后",
                                  actor=admin)
        for kind in ("week", "month", "quarter"):
            tasks.snapshot_period_end(kind)
            tasks.snapshot_period_end(kind)  # a second run files nothing more
    stored = {s.period: s.digest for s in RankingSnapshot.objects.filter(cycle=cycle)}
    assert stored == on_time
    assert RankingSnapshot.objects.filter(cycle=cycle).count() == len(on_time)
    assert len(set(on_time.values())) > 3  # the periods really differ


def test_recompute_of_a_vanished_cycle_returns_quietly(db):
    assert tasks.recompute.apply(args=(999999, "cycle")).get() is None
