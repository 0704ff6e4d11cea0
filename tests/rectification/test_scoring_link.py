"""Rectification and scoring: overdue deductions in the ledger, and the final ranking's consequences."""
import pytest
import time_machine
from django.core import mail

from agencies.choices import CycleStatus
from rectification import services
from rectification.models import CommendationList, Notification, RectificationNotice
from scoring.models import ScoreEntry
from scoring.services import score_entry_book, snapshot_compute
from tests.factories import AgencyFactory, CycleFactory
from tests.scoring.factories import rate_fully

from .conftest import aware

pytestmark = pytest.mark.django_db


def test_overdue_books_exactly_one_deduction_of_the_scheme_however_often_the_job_runs(agency, cycle, mailable):
    cycle.scheme = {**cycle.scheme, "overdue_deduction": 0.75}
    cycle.save(update_fields=["scheme"])
    notice = services.notice_issue(agency=agency, cycle=cycle, source="finding", text="窗口脸难看",
                                   issued_at=aware(2026, 9, 28, 10))
    for hour in (0, 1, 2):
        with time_machine.travel(aware(2026, 10, 24, hour, 5), tick=False):
            services.notices_mark_overdue()
    entry = ScoreEntry.objects.get(source_key=f"notice:{notice.pk}:overdue")
    assert (entry.cycle, entry.agency, entry.kind, entry.source, str(entry.points)) == (
        cycle, agency, "deduction", "notice", "0.75")
    assert ScoreEntry.objects.filter(agency=agency).count() == 1
    assert "扣分已记入台账" in notice.events.get(action="overdue").note


def test_overdue_of_a_closed_cycle_is_booked_in_the_open_cycle_of_that_day(agency, cycle):
    notice = services.notice_issue(agency=agency, cycle=cycle, source="ranking", text="排名靠后",
                                   issued_at=aware(2026, 12, 28, 10))
    cycle.status = CycleStatus.CLOSED
    cycle.save(update_fields=["status"])
    next_year = CycleFactory(code="2027", starts_on="2027-01-01", ends_on="2027-12-31")
    with time_machine.travel(aware(2027, 3, 1, 9), tick=False):
        services.notices_mark_overdue()
    assert ScoreEntry.objects.get(source_key=f"notice:{notice.pk}:overdue").cycle == next_year


def test_final_ranking_publishes_commendations_and_warns_the_bottom_three(
        agency, other_agency, group, cycle, leader, mailable, django_capture_on_commit_callbacks):
    extra = [AgencyFactory(code=f"x{i}", group=group, leader_account=leader) for i in range(3)]
    agencies = [agency, other_agency, *extra]
    rate_fully(cycle, *agencies)
    for points, a in zip([1, 2, 3], [other_agency, *extra[:2]], strict=True):
        score_entry_book(cycle=cycle, agency=a, kind="deduction", points=points, reason="媒体曝光")
    cycle.status = CycleStatus.CLOSED
    cycle.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshot_compute(cycle=cycle, final=True)
    warned = {c.agency.code for c in snapshot.scorecards.all() if c.outcome == "warned"}
    assert warned == {"scjgj", "x0", "x1"}

    ranking = RectificationNotice.objects.filter(source="ranking")
    assert {n.agency.code for n in ranking} == warned
    assert all(n.source_key == f"ranking:{cycle.code}:{n.agency.code}" for n in ranking)
    talks = Notification.objects.filter(kind="reminder_talk")
    assert {t.notice.agency.code for t in talks} == warned and {t.recipient for t in talks} == {leader}
    assert sum("谈话提醒" in m.subject for m in mail.outbox) == 3
    commended = CommendationList.objects.get(snapshot_id=snapshot.pk)
    assert {a.code for a in commended.agencies.all()} == {a.code for a in agencies} - warned

    # Published twice (a re-sent signal): nothing new.
    services.ranking_outcomes_publish(snapshot=snapshot)
    assert (RectificationNotice.objects.filter(source="ranking").count(), talks.count(),
            CommendationList.objects.count()) == (3, 3, 1)
