"""A model-based test of the whole evaluation loop (issue #10 item 13).

Hypothesis drives random sequences of the real services of every app — citizens' responses and
appraisal ballots, inspections and their review and appeals, ledger entries and reversals, the
rectification notices of findings and of citizens' opinions (respond, verify, return, reopen,
withdraw through an appeal judged 不属实), time moving across the Qingming and May Day holidays, the
overdue sweep and the period-end jobs (each run twice), recomputes, the final publication, scheme
changes and cycle status changes (refused ones included). After every step the ledger, the notices,
the snapshots and the publication are checked against each other.

A small city (four agencies in two groups, one window, one cycle) keeps each step fast. The budget is
bounded in `make test`; LOOP_MODEL_EXAMPLES=500 (and LOOP_MODEL_STEPS) runs it longer.
Models are written directly only to set the world up (agencies' leader accounts, users).
"""
from __future__ import annotations

import datetime
import os
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from agencies import services as agencies
from agencies.choices import CycleStatus, Role
from agencies.models import Cycle
from conduct_eval.errors import ConflictError
from inspections import services as inspections
from inspections.choices import AppealStatus, FindingStatus
from inspections.models import Finding
from rectification import services as rectification
from rectification.choices import NoticeAction, NoticeSource, NoticeStatus, NotificationKind
from rectification.models import CommendationList, NoticeEvent, Notification, RectificationNotice
from rectification.selectors import notice_stats
from scoring import method
from scoring import services as scoring
from scoring import tasks as scoring_tasks
from scoring.models import Assessment, RankingSnapshot, ScoreEntry
from scoring.periods import CYCLE
from scoring.selectors import periods_unfiled, scheme_of, scoring_inputs, snapshot_newest
from surveys import services as surveys
from surveys.models import Ballot, Opinion, Response

from .factories import UserFactory
from .rectification.conftest import png_file

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
# Friday before Qingming (4–6 April) and May Day (1–5 May, with adjusted working Sundays): deadlines
# of the first notices cross both holidays.
START = datetime.datetime(2026, 3, 27, 9, tzinfo=TZ)
LAST_DAY = datetime.datetime(2026, 12, 20, 18, tzinfo=TZ)  # time stays inside the 2026 cycle
EXAMPLES = int(os.environ.get("LOOP_MODEL_EXAMPLES", "15"))
STEPS = int(os.environ.get("LOOP_MODEL_STEPS", "30"))
REFUSED = (ConflictError, ValidationError)
DIMS = ["service_attitude", "efficiency", "integrity"]
# The cycle's state machine as DESIGN.md states it (closed → open only until the final snapshot exists).
ALLOWED = {CycleStatus.DRAFT: {CycleStatus.OPEN}, CycleStatus.OPEN: {CycleStatus.CLOSED},
           CycleStatus.CLOSED: {CycleStatus.PUBLISHED, CycleStatus.OPEN}, CycleStatus.PUBLISHED: set()}

# Scheme changes: numbers the ledger books, and numbers it refuses (which the scheme must refuse with 400).
VALID_SCHEMES = [
    {"overdue_deduction": 1}, {"overdue_deduction": 0.5}, {"severity_points": {"minor": 2, "major": 3, "serious": 5}},
    {"rectification_working_days": 5}, {"rectification_working_days": 15}, {"warn_bottom": 2}, {"bonus_cap": 2.5},
]
INVALID_SCHEMES = [
    {"overdue_deduction": 0.333}, {"severity_points": {"minor": 1.005, "major": 3, "serious": 5}},
    {"severity_points": {"minor": 0, "major": 3, "serious": 5}},
]

# What the examples reached (printed with -s): the deep states must be visited, not only refused.
REACHED: Counter[str] = Counter()

index = st.integers(min_value=0, max_value=1_000)
wild = st.integers(min_value=0, max_value=4)  # 0: ignore what the item's state allows


def pick(items, i):
    return items[i % len(items)]


def choose(everything, eligible, i, wild):
    """Mostly an item the step can apply to (so deep states are reached), sometimes any (so refusals are tried)."""
    return pick(everything if wild == 0 or not eligible else eligible, i)


def local_day(at: datetime.datetime) -> datetime.date:
    return timezone.localdate(at)


def overdue_key(notice_id: int) -> str:
    return f"notice:{notice_id}:overdue"


def live_entries():
    """Entries that count: neither a reversal nor reversed."""
    return ScoreEntry.objects.filter(reverses__isnull=True, reversed_by__isnull=True)


class LoopMachine(RuleBasedStateMachine):
    """One city, one cycle; every rule is one (or two, when a job runs twice) real service calls."""

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._clock = time_machine.travel(START, tick=False)
        self._time = self._clock.start()
        self.now = START
        self.dirty = True  # something was written since the newest recompute
        self.findings: list[int] = []

    def teardown(self):
        # What the example reached, for --hypothesis-show-statistics: the deep states must be visited.
        if hasattr(self, "cycle_id"):
            REACHED["examples"] += 1
            REACHED[f"cycle ended {self.cycle_status()}"] += 1
            REACHED["final result published"] += self.final() is not None
            REACHED["overdue deduction booked"] += ScoreEntry.objects.filter(source_key__endswith=":overdue").exists()
            REACHED["overdue deduction reversed"] += ScoreEntry.objects.filter(
                source_key__endswith=":overdue:withdrawn").exists()
            REACHED["notice withdrawn"] += RectificationNotice.objects.filter(status=NoticeStatus.WITHDRAWN).exists()
            REACHED["notice reopened"] += NoticeEvent.objects.filter(action=NoticeAction.REOPENED).exists()
            REACHED["notice verified late"] += NoticeEvent.objects.filter(
                action=NoticeAction.OVERDUE, note__contains="核验时已逾期").exists()
            REACHED["appeal judged untrue"] += Finding.objects.filter(appeal_status=AppealStatus.UPHELD).exists()
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the world ------------------------------------------------------------------------

    @initialize()
    def city(self):
        window = agencies.agency_group_create(code="window", name="窗口服务部门")
        economy = agencies.agency_group_create(code="economy", name="综合经济部门")
        self.agencies = [
            agencies.agency_create(code="gaj", name="市公安局", group=window, has_service_window=True,
                                   leader_in_charge="王副市长"),
            agencies.agency_create(code="scjgj", name="市市场监管局", group=window, leader_in_charge="王副市长"),
            agencies.agency_create(code="fgw", name="市发改委", group=economy, leader_in_charge="李副市长"),
            agencies.agency_create(code="czj", name="市财政局", group=economy, leader_in_charge="李副市长"),
        ]
        self.window = agencies.window_create(agency=self.agencies[0], code="w1", name="户政窗口")
        self.admin = UserFactory(username="office", role=Role.ADMIN, email="office@example.gov.cn")
        self.inspector = UserFactory(username="inspector", role=Role.INSPECTOR)
        self.assessor = UserFactory(username="assessor", role=Role.ASSESSOR, assessor_unit="市委组织部")
        self.leader = UserFactory(username="leader", role=Role.LEADER, email="leader@example.gov.cn")
        self.liaisons = {}
        for agency in self.agencies:
            self.liaisons[agency.pk] = UserFactory(username=f"liaison-{agency.code}", role=Role.AGENCY, agency=agency,
                                                   email=f"{agency.code}@example.gov.cn")
            agency.leader_account = self.leader  # configuration: who gives the reminder talk
            agency.save(update_fields=["leader_account"])
        self.cycle_id = agencies.cycle_create(code="2026", name="2026年度", starts_on=datetime.date(2026, 3, 1),
                                           ends_on=datetime.date(2026, 12, 31), status=CycleStatus.OPEN,
                                           scheme={"warn_bottom": 1, "commend_group_top": 1,
                                                   "commend_overall_top": 1}).pk
        opens, closes = datetime.datetime(2026, 3, 1, tzinfo=TZ), datetime.datetime(2027, 1, 1, tzinfo=TZ)
        self.public = surveys.survey_create(slug="pub", cycle=self.cycle, kind="public", title="网上民评",
                                            opens_at=opens, closes_at=closes, dimensions=DIMS)
        self.appraisal = surveys.survey_create(slug="app", cycle=self.cycle, kind="appraisal", title="年度评议",
                                               opens_at=opens, closes_at=closes)
        self.tokens = {category: surveys.invitations_issue(survey=self.appraisal, category=category, count=20)
                       for category in ("deputy", "grassroots", "enterprise")}
        self.indicators = [scoring.indicator_create(cycle=self.cycle, code="lead", name="班子建设", max_points=20,
                                                    assessor_unit="市委组织部")]

    # --- helpers ----------------------------------------------------------------------------

    def fingerprint(self):
        """Everything a refused call must leave as it was."""
        cycle = Cycle.objects.get(pk=self.cycle.pk)
        return (
            cycle.status, cycle.scheme,
            list(ScoreEntry.objects.order_by("id").values_list("id", "points", "reverses_id")),
            list(RectificationNotice.objects.order_by("id").values_list(
                "id", "status", "overdue", "round", "verified_at", "first_verified_at", "recheck_deadline")),
            list(Finding.objects.order_by("id").values_list("id", "status", "appeal_status")),
            list(RankingSnapshot.objects.order_by("id").values_list("id", flat=True)),
            Response.objects.count(), Ballot.objects.count(), Assessment.objects.count(),
            list(Opinion.objects.order_by("id").values_list("id", "status")),
            NoticeEvent.objects.count(), Notification.objects.count(),
        )

    def attempt(self, call):
        """Run one service call; a refusal (409/400) must change nothing. Returns (result, refused)."""
        before = self.fingerprint()
        try:
            with transaction.atomic():
                result = call()
        except REFUSED as exc:
            REACHED[f"refused ({type(exc).__name__})"] += 1
            assert self.fingerprint() == before, "a refused call changed the data"
            return None, True
        self.dirty = True
        REACHED["accepted"] += 1
        return result, False

    @property
    def cycle(self) -> Cycle:
        """Read afresh each time: a stale copy would carry an old scheme or status into a service."""
        return Cycle.objects.get(pk=self.cycle_id)

    def cycle_status(self) -> str:
        return Cycle.objects.values_list("status", flat=True).get(pk=self.cycle.pk)

    def cycle_locked(self) -> bool:
        return self.cycle_status() in (CycleStatus.CLOSED, CycleStatus.PUBLISHED)

    def final(self) -> RankingSnapshot | None:
        return RankingSnapshot.objects.filter(cycle=self.cycle, final=True).first()

    # --- citizens and evaluators -----------------------------------------------------------

    @rule(agency=index, ratings=st.lists(st.integers(1, 5), min_size=1, max_size=3), device=st.integers(0, 3),
          category=st.sampled_from(["deputy", "grassroots", "enterprise"]),
          levels=st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4),
          points=st.sampled_from([None, 0, 7, 12.5, 20, 21]))
    def evaluate(self, agency, ratings, device, category, levels, points):
        """A citizen's response, an evaluator's ballot and (maybe) an assessor's points."""
        self.submit_response(agency, ratings, device)
        self.submit_ballot(category, levels)
        if points is not None:
            self.assess(agency, points)

    def submit_response(self, agency, ratings, device):
        windowed = [a for a in self.agencies if a.has_service_window]
        self.attempt(lambda: surveys.response_submit(
            survey=self.public, agency=pick(windowed, agency), ratings=dict(zip(DIMS, ratings, strict=False)),
            fingerprint=f"device-{device}"))

    def submit_ballot(self, category, levels):
        if not self.tokens[category]:
            return
        ratings = {a.pk: level for a, level in zip(self.agencies, levels, strict=True) if level is not None}
        token = self.tokens[category].pop()
        self.attempt(lambda: surveys.ballot_submit(token=token, ratings=ratings))

    def assess(self, agency, points):
        _, refused = self.attempt(lambda: scoring.assessment_put(
            indicator=self.indicators[0], agency=pick(self.agencies, agency), points=points, actor=self.assessor))
        assert refused == (points > 20 or self.cycle_locked()), "an assessment was refused (or accepted) wrongly"

    # --- inspections -------------------------------------------------------------------------

    @rule(agency=index, severity=st.sampled_from(["minor", "major", "serious"]))
    def inspect(self, agency, severity):
        visit, _ = self.attempt(lambda: inspections.visit_create(
            inspector=self.inspector, agency=pick(self.agencies, agency),
            visited_at=self.now - datetime.timedelta(hours=1), mode="covert", submit=True,
            findings=[{"category": "attitude", "severity": severity, "description": "窗口人员态度生硬"}]))
        if visit is not None:
            self.findings.extend(visit.findings.values_list("id", flat=True))

    @rule(agency=index, severity=st.sampled_from(["minor", "major", "serious"]))
    def inspect_and_confirm(self, agency, severity):
        """A visit whose finding the office confirms the same day (an inspection entry and a notice)."""
        self.inspect(agency, severity)
        if self.findings:
            self.confirm(len(self.findings) - 1, w=0)

    def finding(self, i, w, **eligible) -> Finding:
        findings = Finding.objects.select_related("visit").order_by("id")
        return choose(list(findings), list(findings.filter(**eligible)), i, w)

    def confirm(self, i, w=1):
        finding = self.finding(i, w, status=FindingStatus.SUBMITTED)
        self.attempt(lambda: inspections.finding_confirm(finding=finding, actor=self.admin))

    @precondition(lambda self: self.findings)
    @rule(i=index, w=wild, upheld=st.booleans())
    def review(self, i, w, upheld):
        if upheld:
            self.confirm(i, w)
            return
        finding = self.finding(i, w, status=FindingStatus.SUBMITTED)
        self.attempt(lambda: inspections.finding_dismiss(finding=finding, actor=self.admin, reason="证据不足"))

    @precondition(lambda self: self.findings)
    @rule(i=index, w=wild, then=st.sampled_from([None, True, False]))
    def appeal(self, i, w, then):
        finding = self.finding(i, w, status=FindingStatus.CONFIRMED, appeal_status="")
        liaison = self.liaisons[finding.visit.agency_id]
        self.attempt(lambda: inspections.finding_appeal(finding=finding, actor=liaison, reason="当天系统故障"))
        if then is not None:  # the office rules on it at once (属实 or 不属实)
            self.adjudicate(finding.pk, 1, then, finding=finding)

    @precondition(lambda self: self.findings)
    @rule(i=index, w=wild, finding_true=st.booleans())
    def adjudicate_later(self, i, w, finding_true):
        self.adjudicate(i, w, finding_true)

    def adjudicate(self, i, w, finding_true, finding=None):
        finding = finding or self.finding(i, w, appeal_status=AppealStatus.PENDING)
        result, _ = self.attempt(lambda: inspections.finding_adjudicate(
            finding=finding, actor=self.admin, finding_true=finding_true, note="核实"))
        if result is not None and not finding_true:
            notice = RectificationNotice.objects.filter(source_key=f"finding:{finding.pk}").first()
            assert notice is None or notice.status == NoticeStatus.WITHDRAWN, \
                "an appeal judged 不属实 left its finding's notice standing"

    # --- the ledger ----------------------------------------------------------------------------

    @rule(agency=index, kind=st.sampled_from(["bonus", "deduction", "veto"]),
          points=st.sampled_from(["0", "0.5", "1", "2.25", "3", "0.333", "101"]))
    def book(self, agency, kind, points):
        valid = (points == "0") if kind == "veto" else Decimal(points) in (Decimal("0.5"), 1, Decimal("2.25"), 3)
        _, refused = self.attempt(lambda: scoring.score_entry_book(
            cycle=self.cycle, agency=pick(self.agencies, agency), kind=kind, points=points, reason="办公室登记",
            actor=self.admin))
        assert refused == (not valid or self.cycle_locked()), \
            f"booking {kind} {points} was refused (or accepted) wrongly"

    @precondition(lambda self: ScoreEntry.objects.exists())
    @rule(i=index)
    def reverse(self, i):
        entries = list(ScoreEntry.objects.order_by("id"))
        entry = pick(entries, i)
        self.attempt(lambda: scoring.score_entry_reverse(entry=entry, reason="登记有误", actor=self.admin))

    # --- rectification ----------------------------------------------------------------------------

    @rule(agency=index, opinion=st.booleans())
    def issue(self, agency, opinion):
        """A notice the office issues itself, or one routed from a citizen's opinion (which the citizen tracks)."""
        if opinion:
            self.route_opinion(agency)
            return
        self.attempt(lambda: rectification.notice_issue(
            agency=pick(self.agencies, agency), cycle=self.cycle, source="manual", text="窗口脱岗，限期整改",
            actor=self.admin))

    def route_opinion(self, agency):
        def call():
            opinion = surveys.opinion_create(survey=self.public, agency=pick(self.agencies, agency),
                                             text="办事要跑三次，窗口推诿", contact="13812345678", at=self.now)
            return rectification.opinion_triage(opinion=opinion, action="route", agency=opinion.agency,
                                                actor=self.admin)
        self.attempt(call)

    def notice(self, i, w, **eligible) -> RectificationNotice:
        notices = RectificationNotice.objects.order_by("id")
        return choose(list(notices), list(notices.filter(**eligible)), i, w)

    @precondition(lambda self: RectificationNotice.objects.exists())
    @rule(i=index, w=wild, with_file=st.integers(0, 3))
    def respond_one(self, i, w, with_file):
        self.respond(i, w, with_file)

    def respond(self, i, w, with_file, notice=None):
        notice = notice or self.notice(i, w, status__in=[NoticeStatus.ISSUED, NoticeStatus.RETURNED])
        self.attempt(lambda: rectification.notice_respond(
            notice=notice, actor=self.liaisons[notice.agency_id], measures="已调整排班并开展教育",
            files=[png_file()] if with_file else []))  # without evidence, verifying is refused

    @precondition(lambda self: RectificationNotice.objects.exists())
    @rule(i=index)
    def work_notice(self, i):
        """The agency responds with evidence and the office verifies it, one after the other."""
        notice = self.notice(i, 1, status__in=[NoticeStatus.ISSUED, NoticeStatus.RETURNED])
        self.respond(notice.pk, 1, 1, notice=notice)
        self.verify(notice.pk, 1, 1, notice=RectificationNotice.objects.get(pk=notice.pk))

    @precondition(lambda self: RectificationNotice.objects.exists())
    @rule(i=index, w=wild, accepted=st.integers(0, 3))
    def verify_one(self, i, w, accepted):
        self.verify(i, w, accepted)

    def verify(self, i, w, accepted, notice=None):
        accepted = accepted > 0
        notice = notice or self.notice(i, w, status=NoticeStatus.RESPONDED)
        first = notice.first_verified_at is None
        result, _ = self.attempt(lambda: rectification.notice_verify(
            notice=notice, actor=self.admin, accepted=accepted, comment="" if accepted else "佐证不足"))
        if result is not None and accepted:
            result.refresh_from_db()
            late = local_day(self.now) > (result.deadline if first else result.deadline_applied)
            if late:
                assert result.overdue, "a notice verified after its deadline was not marked overdue when verified"

    @precondition(lambda self: RectificationNotice.objects.filter(source=NoticeSource.OPINION).exists())
    @rule(i=index, w=wild, fixed=st.booleans())
    def citizen_answer(self, i, w, fixed):
        notice = self.notice(i, w, status=NoticeStatus.VERIFIED, source=NoticeSource.OPINION, citizen_answer="")
        self.attempt(lambda: rectification.notice_citizen_feedback(
            notice=notice, answer="fixed" if fixed else "not_fixed"))

    # --- time and jobs ----------------------------------------------------------------------------

    @rule(days=st.integers(1, 4), hour=st.integers(0, 23))
    def advance_days(self, days, hour):
        self.advance(days, hour)

    @rule(days=st.integers(10, 30), hour=st.integers(0, 23))
    def advance_weeks(self, days, hour):
        """Past a deadline of 15 working days (three weeks, more across a holiday)."""
        self.advance(days, hour)

    def advance(self, days, hour):
        target = (self.now + datetime.timedelta(days=days)).replace(hour=hour)
        if target > LAST_DAY:
            return
        self.now = target
        self._time.move_to(target)

    @rule()
    def overdue_job_twice(self):
        for _ in range(2):
            rectification.notices_mark_overdue()
        self.dirty = True
        today = local_day(self.now)
        for notice in RectificationNotice.objects.exclude(status=NoticeStatus.WITHDRAWN):
            open_past = notice.status != NoticeStatus.VERIFIED and notice.deadline_applied < today
            assert notice.overdue or not open_past, \
                f"notice {notice.pk} is past its deadline {notice.deadline_applied} and the sweep left it on time"
        assert not ScoreEntry.objects.filter(source_key__endswith=":overdue").values("source_key").annotate(
            n=Count("id")).filter(n__gt=1).exists(), "a notice carries two overdue deductions"

    @rule(kind=st.sampled_from(["week", "month", "quarter"]))
    def period_job_twice(self, kind):
        for _ in range(2):
            scoring_tasks.snapshot_period_end(kind)
        self.dirty = True
        if self.cycle_status() in (CycleStatus.OPEN, CycleStatus.CLOSED):
            assert periods_unfiled(cycle=self.cycle, kind=kind, today=local_day(self.now)) == [], \
                f"the {kind} job left ended periods unfiled"

    @rule()
    def recompute(self):
        scoring.snapshot_compute(cycle=self.cycle)
        self.dirty = False

    @rule()
    def publish_final(self):
        final_before = self.final() is not None
        status = self.cycle_status()
        with TestCase.captureOnCommitCallbacks(execute=True):
            _, refused = self.attempt(lambda: scoring.snapshot_compute(cycle=self.cycle, final=True, actor=self.admin))
        assert refused == (final_before or status not in (CycleStatus.CLOSED, CycleStatus.PUBLISHED)), \
            "the final result was refused (or computed) wrongly"
        if not refused:
            self.dirty = False

    @precondition(lambda self: self.now > datetime.datetime(2026, 5, 20, tzinfo=TZ))
    @rule()
    def year_end(self):
        """The office's year end in one step: close the cycle, compute the final result, publish it."""
        self.change_status(CycleStatus.CLOSED)
        self.publish_final()
        self.change_status(CycleStatus.PUBLISHED)

    @precondition(lambda self: RankingSnapshot.objects.filter(final=True).exists())
    @rule()
    def publication_job_again(self):
        with TestCase.captureOnCommitCallbacks(execute=True):
            rectification.ranking_outcomes_publish(snapshot=self.final())

    @rule(status=st.sampled_from(CycleStatus.values))
    def change_status(self, status):
        current = self.cycle_status()
        expected = status == current or status in ALLOWED[current]
        if current == CycleStatus.CLOSED and status == CycleStatus.OPEN and self.final() is not None:
            expected = False
        _, refused = self.attempt(lambda: agencies.cycle_status_change(cycle=self.cycle, status=status,
                                                                       actor=self.admin))
        assert refused == (not expected), f"{current} → {status}: refused={refused}, the state machine says {expected}"
        assert self.cycle_status() == (current if refused else status)

    @rule(change=st.sampled_from(VALID_SCHEMES + INVALID_SCHEMES))
    def change_scheme(self, change):
        invalid = change in INVALID_SCHEMES
        _, refused = self.attempt(lambda: agencies.cycle_update(cycle=self.cycle, scheme=change))
        assert refused == (invalid or self.cycle_locked()), f"scheme change {change}: refused={refused}"

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def every_live_deduction_has_a_live_cause(self):
        if not hasattr(self, "cycle_id"):
            return
        for entry in live_entries().exclude(source_key=None):
            key = entry.source_key
            if key.startswith("finding:"):
                finding = Finding.objects.get(pk=int(key.split(":")[1]))
                assert finding.status == FindingStatus.CONFIRMED and finding.appeal_status != AppealStatus.UPHELD, \
                    f"live inspection entry {key} for a finding {finding.status}/{finding.appeal_status}"
            elif key.endswith(":overdue"):
                notice = RectificationNotice.objects.get(pk=int(key.split(":")[1]))
                assert notice.overdue and notice.status != NoticeStatus.WITHDRAWN, \
                    f"live overdue deduction {key} for a notice {notice.status} overdue={notice.overdue}"

    @invariant()
    def one_overdue_deduction_per_notice(self):
        if not hasattr(self, "cycle_id"):
            return
        for notice_id in RectificationNotice.objects.values_list("id", flat=True):
            live = live_entries().filter(source_key__startswith=overdue_key(notice_id)).count()
            # The deduction and every reversal of it, keyed or not (the office may reverse it by hand).
            keyed = Q(source_key__startswith=overdue_key(notice_id))
            net = sum(ScoreEntry.objects.filter(keyed | Q(reverses__source_key__startswith=overdue_key(notice_id)))
                      .values_list("points", flat=True), Decimal(0))
            assert live <= 1, f"notice {notice_id} carries {live} live overdue deductions"
            assert live == (net != 0), f"notice {notice_id}: overdue deductions net {net} with {live} live"

    @invariant()
    def no_overdue_deduction_without_lateness(self):
        if not hasattr(self, "cycle_id"):
            return
        for entry in live_entries().filter(source_key__endswith=":overdue"):
            notice = RectificationNotice.objects.get(pk=int(entry.source_key.split(":")[1]))
            assert notice.status != NoticeStatus.WITHDRAWN, f"overdue deduction for withdrawn notice {notice.pk}"
            if notice.first_verified_at and local_day(notice.first_verified_at) <= notice.deadline:
                # Verified on time: only a reopened re-check that missed its own deadline may cost a deduction.
                reopened = NoticeEvent.objects.filter(notice=notice, action=NoticeAction.REOPENED,
                                                      at__lte=notice.overdue_at).exists()
                assert reopened and notice.recheck_deadline is not None, (
                    f"notice {notice.pk} first verified on time ({notice.first_verified_at:%Y-%m-%d} ≤ "
                    f"{notice.deadline}) carries an overdue deduction")

    def ledger_by_hand(self) -> dict[str, dict]:
        """agency code → the ledger's sums, added up here from the rows (reversals carry negated points)."""
        sums = {a.code: {"inspection_deduction": Decimal(0), "bonus": Decimal(0), "deduction": Decimal(0), "veto": 0}
                for a in self.agencies}
        for entry in ScoreEntry.objects.filter(cycle_id=self.cycle_id).select_related("agency"):
            mine = sums[entry.agency.code]
            if entry.kind == "veto":
                mine["veto"] += -1 if entry.reverses_id else 1
            else:
                mine["inspection_deduction" if entry.kind == "inspection" else entry.kind] += entry.points
        return sums

    @invariant()
    def ledger_sums_equal_the_scorecard_inputs(self):
        """The inputs of a recompute now, and those of the newest snapshot when nothing was written since."""
        if not hasattr(self, "cycle_id"):
            return
        cycle = self.cycle
        expected = self.ledger_by_hand()
        until = scoring.snapshot_precheck(cycle=cycle, period=CYCLE, final=False).until
        inputs = scoring_inputs(cycle=cycle, until=until)
        counted = {i.code: {"inspection_deduction": i.inspection_deduction, "bonus": i.bonus,
                            "deduction": i.deduction, "veto": i.veto} for i in inputs}
        snapshot = None if self.dirty else snapshot_newest(cycle=cycle, period=CYCLE)
        if snapshot is not None:
            counted_then = {card.agency.code: card.inputs for card in snapshot.scorecards.select_related("agency")}
        for code, sums in expected.items():
            for name in ("inspection_deduction", "bonus", "deduction"):
                assert Decimal(str(counted[code][name])) == sums[name], \
                    f"{code}: ledger {name} {sums[name]}, a recompute now counts {counted[code][name]}"
                if snapshot is not None:
                    assert Decimal(str(counted_then[code][name])) == sums[name], \
                        f"{code}: ledger {name} {sums[name]}, snapshot {snapshot.pk} counted {counted_then[code][name]}"
            assert counted[code]["veto"] == (sums["veto"] > 0), f"{code}: veto in the ledger {sums['veto'] > 0}"
            if snapshot is not None:
                assert bool(counted_then[code]["veto"]) == (sums["veto"] > 0), f"{code}: snapshot's veto"

    @invariant()
    def recomputing_unchanged_inputs_gives_the_same_digest(self):
        if not hasattr(self, "cycle_id") or self.dirty:
            return
        cycle = self.cycle
        until = scoring.snapshot_precheck(cycle=cycle, period=CYCLE, final=False).until
        digest = method.inputs_digest(scoring_inputs(cycle=cycle, until=until), scheme_of(cycle))
        newest = snapshot_newest(cycle=self.cycle, period=CYCLE)
        assert newest.digest == digest, "the newest snapshot's digest differs from a recompute of unchanged inputs"
        if not newest.final:
            again = scoring.snapshot_compute(cycle=self.cycle)
            assert (again.pk, again.digest) == (newest.pk, newest.digest), \
                "recomputing unchanged inputs stored a new snapshot"

    @invariant()
    def every_rate_lies_in_0_1(self):
        if not hasattr(self, "cycle_id"):
            return
        stats = notice_stats(cycle=self.cycle)
        for name in ("rate", "on_time_rate"):
            assert stats[name] is None or 0 <= stats[name] <= 1, f"{name} = {stats[name]} ({stats})"
        assert stats["on_time"] <= stats["verified"] <= stats["due"] <= stats["issued"], stats

    @invariant()
    def ranks_cover_exactly_the_rated_agencies(self):
        if not hasattr(self, "cycle_id"):
            return
        for snapshot in RankingSnapshot.objects.filter(cycle=self.cycle).order_by("-id")[:2]:
            cards = list(snapshot.scorecards.select_related("agency"))
            rated = [c for c in cards if c.inputs["public_n"] or c.inputs["appraisal_n"] or c.inputs["assessment_n"]]
            for card in cards:
                is_rated = card in rated
                assert (card.rank_overall is None) == (card.rank_in_group is None) == (not is_rated), \
                    f"{card.agency.code}: rated={is_rated} but ranks {card.rank_overall}/{card.rank_in_group}"
                # A veto makes the outcome `warned` whether or not the agency is rated (DESIGN.md: the veto
                # "makes its outcome warned"); otherwise unrated ⇔ not rated.
                expected = method.WARNED if card.veto else (card.outcome if is_rated else method.UNRATED)
                unrated = card.outcome == method.UNRATED
                assert card.outcome == expected and unrated == (not is_rated and not card.veto), \
                    f"{card.agency.code}: rated={is_rated}, veto={card.veto} but outcome {card.outcome}"
            ranks = sorted(c.rank_overall for c in rated)
            assert all(1 <= r <= len(rated) for r in ranks) and (not ranks or ranks[0] == 1), \
                f"snapshot {snapshot.pk}: ranks {ranks} for {len(rated)} rated agencies"

    @invariant()
    def publication_side_effects_exist_exactly_once(self):
        if not hasattr(self, "cycle_id"):
            return
        final = self.final()
        ranking_notices = RectificationNotice.objects.filter(source=NoticeSource.RANKING)
        talks = Notification.objects.filter(kind=NotificationKind.REMINDER_TALK)
        if final is None:
            assert not CommendationList.objects.exists(), "a commendation list without a final result"
            assert not ranking_notices.exists() and not talks.exists(), "ranking consequences without a final result"
            return
        cards = list(final.scorecards.all())
        [commendations] = CommendationList.objects.filter(cycle=self.cycle)
        assert commendations.snapshot_id == final.pk
        assert set(commendations.agencies.values_list("id", flat=True)) == {
            c.agency_id for c in cards if c.outcome == method.COMMENDED}, "the commendation list is not the commended"
        warned = sorted(c.agency_id for c in cards if c.outcome == method.WARNED)
        assert sorted(ranking_notices.values_list("agency_id", flat=True)) == warned, \
            "not exactly one ranking notice per warned agency"
        assert sorted(talks.values_list("notice__agency_id", flat=True)) == warned, \
            "not exactly one reminder talk per warned agency"


def test_the_loop_keeps_its_invariants():
    run_state_machine_as_test(LoopMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print("loop model reached:", dict(sorted(REACHED.items())))
