"""Final consequences through the outbox (issue #10 item 3): the final snapshot writes its publication row in the
same transaction; a task and a sweep carry out the commendation list, reminder talks and notices exactly once,
however often they run; the office sees on the dashboard whether it happened and can retry it from there."""
import pytest

from agencies.choices import CycleStatus
from rectification.models import CommendationList, Notification, RectificationNotice
from scoring import services, tasks
from scoring.models import Publication
from scoring.services import score_entry_book, snapshot_compute

from .factories import rate_fully

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(cycle, agency, other_agency, leader):
    for a in (agency, other_agency):
        a.leader_account = leader
        a.save(update_fields=["leader_account"])
    rate_fully(cycle, agency, other_agency)
    score_entry_book(cycle=cycle, agency=other_agency, kind="deduction", points=1, reason="媒体曝光")
    cycle.status = CycleStatus.CLOSED
    cycle.save(update_fields=["status"])
    return cycle


def consequences():
    return (CommendationList.objects.count(), RectificationNotice.objects.filter(source="ranking").count(),
            Notification.objects.filter(kind="reminder_talk").count())


def test_the_final_snapshot_writes_its_publication_and_it_is_carried_out_once(closed,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshot_compute(cycle=closed, final=True)
    publication = Publication.objects.get(snapshot=snapshot)
    assert publication.done_at is not None and publication.attempts == 1
    # warn_bottom = 3 of N = 2: both agencies are warned.
    assert consequences() == (1, 2, 2)
    for _ in range(3):  # the task again, the sweep again: nothing new
        assert tasks.publication_carry_out(publication.pk) is False
        assert services.publications_sweep() == 0
    assert consequences() == (1, 2, 2)
    assert Publication.objects.get(pk=publication.pk).attempts == 1


def test_a_failing_handler_leaves_it_pending_for_the_sweep_and_a_second_final_is_still_409(
        closed, monkeypatch, django_capture_on_commit_callbacks, api):
    import rectification.services.ranking as ranking

    real = ranking.notice_issue
    monkeypatch.setattr(ranking, "notice_issue", lambda **kwargs: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshot_compute(cycle=closed, final=True)
    publication = Publication.objects.get(snapshot=snapshot)
    assert publication.done_at is None and publication.claimed_at is None
    assert "ZeroDivisionError" in publication.last_error
    assert consequences() == (0, 0, 0)  # all or nothing: not even the commendation list
    assert api.post(f"/api/v1/cycles/{closed.code}/recompute/", {"final": True}, format="json").status_code == 409

    monkeypatch.setattr(ranking, "notice_issue", real)
    assert services.publications_sweep() == 1
    assert services.publications_sweep() == 0
    assert consequences() == (1, 2, 2)
    publication.refresh_from_db()
    assert publication.done_at is not None and publication.attempts == 2 and publication.last_error == ""


def test_a_live_claim_is_left_alone_and_a_dead_one_is_taken_over(closed, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):  # the task never ran
        snapshot = snapshot_compute(cycle=closed, final=True)
    publication = Publication.objects.get(snapshot=snapshot)
    now = timezone.now()
    Publication.objects.filter(pk=publication.pk).update(claimed_at=now)  # a worker is on it
    assert services.publications_sweep(at=now + datetime.timedelta(minutes=1)) == 0
    assert consequences() == (0, 0, 0)
    assert services.publications_sweep(at=now + services.PUBLICATION_LEASE + datetime.timedelta(seconds=1)) == 1
    assert consequences() == (1, 2, 2)


def test_the_dashboard_shows_it_and_the_office_retries_it(client, admin, leader, closed, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    import rectification.services.ranking as ranking

    real = ranking.notice_issue
    monkeypatch.setattr(ranking, "notice_issue", lambda **kwargs: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshot_compute(cycle=closed, final=True)
    publication = Publication.objects.get(snapshot=snapshot)
    client.force_login(admin)
    page = client.get(f"/dashboard/?cycle={closed.code}").content.decode()
    assert "尚未全部发出" in page and "ZeroDivisionError" in page and "重新执行" in page
    client.force_login(leader)
    assert client.post(f"/dashboard/publications/{publication.pk}/retry/").status_code == 403
    client.force_login(admin)
    monkeypatch.setattr(ranking, "notice_issue", real)
    response = client.post(f"/dashboard/publications/{publication.pk}/retry/", follow=True)
    assert "已发出" in response.content.decode()
    assert consequences() == (1, 2, 2)
    page = client.get(f"/dashboard/?cycle={closed.code}").content.decode()
    assert "年度最终结果已执行" in page and "重新执行" not in page
    client.post(f"/dashboard/publications/{publication.pk}/retry/")  # again: nothing new
    assert consequences() == (1, 2, 2)
