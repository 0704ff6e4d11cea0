"""A model-based test of the scoring loop across apps: random sequences of real service calls, invariants after
every step (issue #10 item 13).

Steps: book and reverse entries, assess, confirm findings and adjudicate appeals, issue notices (for findings
and citizens' opinions), respond, verify or return, a citizen's "not fixed", time moving across holidays, the
overdue sweep (twice), recompute, the cycle's status moving, the final result and its publication.

Invariants: every live overdue deduction has a live late notice; no notice has more than one; none exists for a
withdrawn notice or one verified on time; every live inspection entry has a confirmed finding not judged
untrue; ledger sums equal the scorecard inputs; recomputing unchanged inputs gives the same snapshot; every
rate lies in [0, 1]; ranks cover exactly the rated agencies; publication side effects exist exactly once.

`make test` runs a bounded budget; LOOP_MODEL_EXAMPLES=500 (and LOOP_MODEL_STEPS) runs it longer.
"""
import datetime
import os
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from agencies.choices import CycleStatus, Role
from agencies.services import cycle_status_change
from conduct_eval.errors import ConflictError
from inspections import services as inspections
from inspections.models import Finding
from rectification import services as rectification
from rectification.models import CommendationList, Notification, RectificationNotice
from rectification.selectors import notice_stats
from scoring import services as scoring
from scoring.models import Publication, RankingSnapshot, ScoreEntry
from scoring.selectors import scoring_inputs
from surveys.models import Survey
from surveys.services import opinion_create
from tests.factories import AgencyFactory, AgencyGroupFactory, CycleFactory, UserFactory
from tests.rectification.conftest import png_file
from tests.scoring.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("LOOP_MODEL_EXAMPLES", "8"))
STEPS = int(os.environ.get("LOOP_MODEL_STEPS", "25"))
TZ = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 3, 2, 9, tzinfo=TZ)
REFUSED = (ConflictError, ValidationError)


def _try(call):
    """A refused step (409, 400) is a legal outcome of a random sequence: nothing must have changed."""
    try:
        with transaction.atomic():
            return call()
    except REFUSED:
        return None


class LoopMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.now = START
        group = AgencyGroupFactory(code="window", name="窗口服务部门")
        self.agencies = [AgencyFactory(code=f"a{i}", name=f"市第{i}局", group=group, has_service_window=i == 0)
                         for i in range(3)]
        self.cycle = CycleFactory(code="2026")
        self.admin = UserFactory(username="admin", role=Role.ADMIN)
        self.inspector = UserFactory(username="inspector", role=Role.INSPECTOR)
        self.liaisons = {a.pk: UserFactory(username=f"liaison{a.pk}", role=Role.AGENCY, agency=a)
                         for a in self.agencies}
        self.indicator = IndicatorFactory(cycle=self.cycle, code="model", max_points=10)
        self.survey = Survey.objects.create(slug="pub", cycle=self.cycle, kind="public", title="网上民评",
                                            opens_at=START - datetime.timedelta(days=60),
                                            closes_at=START + datetime.timedelta(days=400))

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def at(self):
        return time_machine.travel(self.now, tick=False)

    def pick(self, queryset, index):
        rows = list(queryset.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    # --- steps --------------------------------------------------------------------------------

    @rule(agency=st.integers(0, 2), kind=st.sampled_from(["bonus", "deduction", "veto"]),
          points=st.decimals(min_value=Decimal("0.01"), max_value=5, places=2))
    def book(self, agency, kind, points):
        with self.at():
            _try(lambda: scoring.score_entry_book(cycle=self.cycle, agency=self.agencies[agency], kind=kind,
                                                  points=0 if kind == "veto" else points, reason="登记"))

    @rule(index=st.integers(0, 50))
    def reverse(self, index):
        entry = self.pick(ScoreEntry.objects.filter(source="manual", reverses__isnull=True,
                                                    reversed_by__isnull=True), index)
        if entry is not None:
            with self.at():
                _try(lambda: scoring.score_entry_reverse(entry=entry, reason="更正"))

    @rule(agency=st.integers(0, 2), points=st.integers(0, 10))
    def assess(self, agency, points):
        with self.at():
            _try(lambda: scoring.assessment_put(indicator=self.indicator, agency=self.agencies[agency], points=points))

    @rule(agency=st.integers(0, 2), severity=st.sampled_from(["minor", "major", "serious"]))
    def confirm_a_finding(self, agency, severity):
        with self.at():
            visit = _try(lambda: inspections.visit_create(
                inspector=self.inspector, agency=self.agencies[agency], visited_at=self.now, mode="covert",
                submit=True, findings=[{"category": "attitude", "severity": severity, "description": "脸难看"}]))
            if visit is not None:
                _try(lambda: inspections.finding_confirm(finding=visit.findings.get(), actor=self.admin))

    @rule(index=st.integers(0, 50), untrue=st.booleans())
    def appeal_and_adjudicate(self, index, untrue):
        finding = self.pick(Finding.objects.filter(status="confirmed", appeal_status=""), index)
        if finding is None:
            return
        with self.at():
            liaison = self.liaisons[finding.visit.agency_id]
            if _try(lambda: inspections.finding_appeal(finding=finding, actor=liaison, reason="不属实")):
                _try(lambda: inspections.finding_adjudicate(finding=finding, actor=self.admin,
                                                             finding_true=not untrue, note="裁定"))

    @rule(agency=st.integers(0, 2))
    def an_opinion_is_routed(self, agency):
        with self.at():
            opinion = opinion_create(survey=self.survey, agency=self.agencies[agency], text="排队太久", at=self.now)
            _try(lambda: rectification.notice_issue(agency=self.agencies[agency], cycle=self.cycle, source="opinion",
                                                    text="排队太久", source_key=f"opinion:{opinion.pk}",
                                                    opinion=opinion))

    @rule(index=st.integers(0, 50))
    def respond(self, index):
        notice = self.pick(RectificationNotice.objects.filter(status__in=["issued", "returned"]), index)
        if notice is not None:
            with self.at():
                _try(lambda: rectification.notice_respond(notice=notice, actor=self.liaisons[notice.agency_id],
                                                          measures="已整改", files=[png_file()]))

    @rule(index=st.integers(0, 50), accepted=st.booleans())
    def verify(self, index, accepted):
        notice = self.pick(RectificationNotice.objects.filter(status="responded"), index)
        if notice is not None:
            with self.at():
                _try(lambda: rectification.notice_verify(notice=notice, actor=self.admin, accepted=accepted,
                                                         comment="" if accepted else "补充材料"))

    @rule(index=st.integers(0, 50))
    def citizen_says_not_fixed(self, index):
        notice = self.pick(RectificationNotice.objects.filter(status="verified", opinion__isnull=False,
                                                              citizen_answer=""), index)
        if notice is not None:
            with self.at():
                _try(lambda: rectification.notice_citizen_feedback(notice=notice, answer="not_fixed", at=self.now))

    @rule(days=st.integers(1, 25))
    def time_passes(self, days):
        self.now += datetime.timedelta(days=days)  # across Qingming, May Day, Dragon Boat, National Day

    @rule()
    def the_overdue_sweep_runs_twice(self):
        with self.at():
            rectification.notices_mark_overdue()
            rectification.notices_mark_overdue()

    @rule()
    def recompute(self):
        with self.at():
            first = scoring.snapshot_compute(cycle=self.cycle)
            assert scoring.snapshot_compute(cycle=self.cycle).pk == first.pk  # unchanged inputs, same digest

    @rule(status=st.sampled_from(CycleStatus.values))
    def the_cycle_moves(self, status):
        with self.at():
            _try(lambda: cycle_status_change(cycle=self.cycle, status=status))
        self.cycle.refresh_from_db()

    @precondition(lambda self: self.cycle.status == CycleStatus.CLOSED)
    @rule()
    def the_final_result(self):
        with self.at():
            _try(lambda: scoring.snapshot_compute(cycle=self.cycle, final=True))
            scoring.publications_sweep()

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def overdue_deductions_have_live_late_notices(self):
        live = ScoreEntry.objects.filter(source="notice", reverses__isnull=True, reversed_by__isnull=True)
        per_notice = Counter(e.source_key for e in live)
        assert all(n == 1 for n in per_notice.values())
        for key in per_notice:
            notice = RectificationNotice.objects.get(pk=int(key.split(":")[1]))
            assert notice.status != "withdrawn" and notice.overdue
            if notice.source == "finding":  # its cause stands: the finding was not judged untrue
                assert Finding.objects.get(pk=int(notice.source_key.split(":")[1])).appeal_status != "upheld"
            first = notice.first_verified_at
            if first is not None and timezone.localdate(first) <= notice.deadline:
                # verified on time: only a missed re-check deadline can have made it late
                assert notice.recheck_deadline and timezone.localdate(notice.overdue_at) > notice.recheck_deadline

    @invariant()
    def a_late_first_verification_is_late(self):
        for notice in RectificationNotice.objects.filter(first_verified_at__isnull=False):
            if timezone.localdate(notice.first_verified_at) > notice.deadline:
                assert notice.overdue or notice.status == "withdrawn"

    @invariant()
    def inspection_entries_have_standing_findings(self):
        for entry in ScoreEntry.objects.filter(kind="inspection", reverses__isnull=True, reversed_by__isnull=True):
            finding = Finding.objects.get(pk=int(entry.source_key.split(":")[1]))
            assert finding.status == "confirmed" and finding.appeal_status != "upheld"

    @invariant()
    def ledger_sums_equal_the_inputs(self):
        with self.at():
            inputs = {i.code: i for i in scoring_inputs(cycle=self.cycle, until=self.now + datetime.timedelta(1))}
        for agency in self.agencies:
            entries = ScoreEntry.objects.filter(cycle=self.cycle, agency=agency)
            sums = {kind: sum((e.points for e in entries if e.kind == kind), Decimal(0))
                    for kind in ("inspection", "bonus", "deduction")}
            got = inputs[agency.code]
            assert (got.inspection_deduction, got.bonus, got.deduction) == (
                sums["inspection"], sums["bonus"], sums["deduction"])

    @invariant()
    def rates_lie_between_0_and_1(self):
        with self.at():
            stats = notice_stats(cycle=self.cycle)
        for key in ("rate", "on_time_rate"):
            assert stats[key] is None or 0 <= stats[key] <= 1
        assert stats["on_time"] <= stats["verified"] <= stats["due"] <= stats["issued"]

    @invariant()
    def ranks_cover_exactly_the_rated(self):
        snapshot = RankingSnapshot.objects.filter(cycle=self.cycle).order_by("-computed_at", "-id").first()
        if snapshot is None:
            return
        for card in snapshot.scorecards.all():
            rated = card.card.get("rated", True)
            assert (card.rank_overall is not None) == rated and (card.rank_in_group is not None) == rated
            if rated:
                assert card.outcome != "unrated"
            else:
                assert card.outcome == ("warned" if card.veto else "unrated")

    @invariant()
    def publication_side_effects_exist_exactly_once(self):
        finals = RankingSnapshot.objects.filter(cycle=self.cycle, final=True)
        assert finals.count() <= 1 and Publication.objects.count() == finals.count()
        assert CommendationList.objects.count() == Publication.objects.filter(done_at__isnull=False).count()
        keys = Counter(RectificationNotice.objects.filter(source="ranking").values_list("agency_id", flat=True))
        assert all(n == 1 for n in keys.values())
        talks = Counter(Notification.objects.filter(kind="reminder_talk").values_list("notice_id", "recipient_id"))
        assert all(n == 1 for n in talks.values())


def test_the_loop_keeps_its_invariants(db, settings_override_media):
    run_state_machine_as_test(LoopMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))


@pytest.fixture
def settings_override_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return settings
