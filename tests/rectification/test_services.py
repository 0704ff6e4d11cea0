import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from conduct_eval.errors import ConflictError
from rectification import services
from rectification.models import NoticeEvent, Notification, RectificationNotice
from rectification.tasks import notification_send
from rectification.workdays import add_working_days
from scoring.models import ScoreEntry
from surveys.models import Opinion

from .conftest import aware, png_file

pytestmark = pytest.mark.django_db


def test_deadline_before_national_day_follows_the_official_2026_schedule():
    # Issued Monday 2026-09-28. chinesecalendar's 2026 schedule: 10-01 … 10-07 are the National Day
    # holiday; Saturday 10-10 is an adjusted working day (调休上班). Fifteen working days after the issue day:
    #  1 09-29 Tue   2 09-30 Wed   (10-01 … 10-07 holiday)   3 10-08 Thu   4 10-09 Fri   5 10-10 Sat (调休)
    #  (10-11 Sun)   6 10-12   7 10-13   8 10-14   9 10-15   10 10-16   (10-17/18 weekend)
    # 11 10-19  12 10-20  13 10-21  14 10-22  15 10-23 Fri  → deadline 2026-10-23.
    assert add_working_days(datetime.date(2026, 9, 28), 15) == datetime.date(2026, 10, 23)


def test_a_year_without_an_official_schedule_counts_monday_to_friday_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="rectification.workdays"):
        # 2031-01-03 is a Friday: five weekdays later is Friday 2031-01-10.
        assert add_working_days(datetime.date(2031, 1, 3), 5) == datetime.date(2031, 1, 10)
    assert "has no entries for 2031" in caplog.text


def test_notice_issued_before_national_day_turns_overdue_exactly_after_its_deadline_once(
        agency, cycle, admin, mailable, django_capture_on_commit_callbacks):
    with time_machine.travel(aware(2026, 9, 28, 10, 0), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_issue(agency=agency, cycle=cycle, source="finding", text="窗口脸难看",
                                       source_key="finding:1", actor=admin)
    assert notice.deadline == datetime.date(2026, 10, 23)
    mail.outbox.clear()

    with time_machine.travel(aware(2026, 10, 23, 23, 59, 59), tick=False):
        assert services.notices_mark_overdue() == 0
    notice.refresh_from_db()
    assert notice.overdue is False

    for _ in range(3):  # the hourly job, again and again
        with time_machine.travel(aware(2026, 10, 24, 0, 0, 1), tick=False), \
                django_capture_on_commit_callbacks(execute=True):
            services.notices_mark_overdue()
    notice.refresh_from_db()
    assert notice.overdue is True
    assert notice.overdue_at == aware(2026, 10, 24, 0, 0, 1)
    assert NoticeEvent.objects.filter(notice=notice, action="overdue").count() == 1
    reminders = Notification.objects.filter(notice=notice, kind="overdue")
    assert sorted(n.recipient.username for n in reminders) == ["leader", "liaison"]
    assert sorted(m.to[0] for m in mail.outbox) == ["leader@example.gov.cn", "liaison@example.gov.cn"]
    assert all("逾期" in m.subject for m in mail.outbox)
    deductions = ScoreEntry.objects.filter(agency=agency, kind="deduction", source="notice")
    assert [(e.source_key, str(e.points)) for e in deductions] == [(f"notice:{notice.pk}:overdue", "0.50")]


def test_a_verified_notice_never_turns_overdue(responded, admin):
    services.notice_verify(notice=responded, actor=admin, accepted=True, comment="属实")
    with time_machine.travel(aware(2027, 6, 1), tick=False):
        assert services.notices_mark_overdue() == 0


def test_issue_is_idempotent_by_source_key_and_notifies_the_liaison_after_commit(
        agency, cycle, mailable, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = services.notice_issue(agency=agency, cycle=cycle, source="opinion", text="意见", source_key="opinion:7")
        again = services.notice_issue(agency=agency, cycle=cycle, source="opinion", text="意见", source_key="opinion:7")
    assert first.pk == again.pk
    assert RectificationNotice.objects.count() == 1
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["liaison@example.gov.cn"]]
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<notice-{first.pk}-issued-1-")


def test_issue_without_a_cycle_takes_the_cycle_of_the_issue_date(agency, cycle):
    notice = services.notice_issue(agency=agency, source="manual", text="整改", issued_at=aware(2026, 3, 2, 9))
    assert notice.cycle == cycle


def test_running_the_send_task_twice_sends_one_email(notice):
    ids = list(Notification.objects.filter(notice=notice).values_list("id", flat=True))
    assert len(ids) == 1
    notification_send(ids[0])
    notification_send(ids[0])
    notification_send.delay(ids[0])
    assert len(mail.outbox) == 1
    assert services.notifications_sweep() == 0
    assert len(mail.outbox) == 1


def test_sweep_sends_pending_and_releases_claims_of_dead_senders(notice):
    row = Notification.objects.get(notice=notice)
    # A worker claimed the row and died before handing the message over.
    Notification.objects.filter(pk=row.pk).update(claimed_at=aware(2026, 5, 1, 8))
    with time_machine.travel(aware(2026, 5, 1, 8, 5), tick=False):
        assert services.notifications_sweep() == 0  # the claim is still within its lease
    with time_machine.travel(aware(2026, 5, 1, 8, 11), tick=False):
        assert services.notifications_sweep() == 1
        assert services.notifications_sweep() == 0
    assert len(mail.outbox) == 1


def test_failed_hand_over_gives_the_claim_back(notice, settings):
    settings.EMAIL_BACKEND = "tests.rectification.mailbackends.BrokenBackend"
    row = Notification.objects.get(notice=notice)
    with pytest.raises(ConnectionRefusedError):
        services.notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.claimed_at, row.sent_at, row.attempts) == (None, None, 1)
    assert "ConnectionRefusedError" in row.last_error


def test_respond_then_return_then_respond_then_verify(notice, liaison, admin, django_capture_on_commit_callbacks):
    services.notice_respond(notice=notice, actor=liaison, measures="已整改")
    with pytest.raises(ConflictError, match="佐证材料"):
        services.notice_verify(notice=notice, actor=admin, accepted=True)
    with pytest.raises(ValidationError) as error:
        services.notice_verify(notice=notice, actor=admin, accepted=False)
    assert "comment" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        returned = services.notice_verify(notice=notice, actor=admin, accepted=False, comment="请补充照片")
    assert (returned.status, returned.round) == ("returned", 2)
    assert Notification.objects.filter(notice=notice, kind="returned", seq=2).count() == 1
    services.notice_respond(notice=notice, actor=liaison, measures="补充整改照片", files=[png_file()])
    verified = services.notice_verify(notice=notice, actor=admin, accepted=True, comment="核验通过")
    assert verified.status == "verified"
    assert verified.evidence.get().round == 2
    assert list(verified.events.values_list("action", flat=True)) == [
        "issued", "responded", "returned", "responded", "verified"]
    with pytest.raises(ConflictError):
        services.notice_respond(notice=notice, actor=liaison, measures="再次反馈")
    with pytest.raises(ConflictError):
        services.notice_verify(notice=notice, actor=admin, accepted=True)


def test_evidence_is_checked_by_content(notice, liaison):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(ValidationError) as error:
        services.notice_respond(notice=notice, actor=liaison, measures="措施", files=[fake])
    assert "photo.png" in error.value.message_dict["evidence"][0]
    pdf = SimpleUploadedFile("report.txt", b"%PDF-1.7\n...\n%%EOF", content_type="text/plain")
    services.notice_respond(notice=notice, actor=liaison, measures="措施", files=[pdf])
    assert notice.evidence.get().content_type == "application/pdf"


def test_evidence_over_the_size_cap_is_refused(notice, liaison, monkeypatch):
    monkeypatch.setattr("rectification.evidence.EVIDENCE_MAX_BYTES", 10)
    with pytest.raises(ValidationError, match="MB"):
        services.notice_respond(notice=notice, actor=liaison, measures="措施", files=[png_file()])


# --- triage and the citizen's loop -----------------------------------------------------------

def test_route_issues_a_notice_and_the_citizen_sees_each_step(make_opinion, agency, other_agency, admin, liaison,
                                                             other_liaison):
    opinion = make_opinion()
    services.opinion_triage(opinion=opinion, action="route", agency=other_agency, actor=admin)
    notice = RectificationNotice.objects.get(source_key=f"opinion:{opinion.pk}")
    assert (notice.agency, notice.source, notice.opinion) == (other_agency, "opinion", opinion)
    with pytest.raises(ConflictError):
        services.opinion_triage(opinion=opinion, action="reject", note="重复提交", actor=admin)
    services.notice_respond(notice=notice, actor=other_liaison, measures="增设窗口", files=[png_file()])
    services.notice_verify(notice=notice, actor=admin, accepted=True)
    services.notice_citizen_feedback(notice=notice, answer="not_fixed")
    notice.refresh_from_db()
    opinion.refresh_from_db()
    assert (notice.status, notice.verified_at, opinion.status) == ("responded", None, "reopened")
    assert list(opinion.events.values_list("status", flat=True)) == [
        "new", "routed", "responded", "resolved", "reopened"]
    assert notice.events.last().action == "reopened"
    services.notice_verify(notice=notice, actor=admin, accepted=True, comment="复查属实，已解决")
    services.notice_citizen_feedback(notice=notice, answer="fixed")
    with pytest.raises(ConflictError):
        services.notice_citizen_feedback(notice=notice, answer="not_fixed")
    opinion.refresh_from_db()
    assert opinion.status == "resolved"


def test_merge_follows_the_target_and_reject_needs_a_reason(make_opinion, admin, liaison):
    first, second, third = make_opinion(), make_opinion("户政窗口排队时间太长了"), make_opinion("乱收费")
    with pytest.raises(ValidationError) as error:
        services.opinion_triage(opinion=third, action="reject", actor=admin)
    assert "note" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.opinion_triage(opinion=first, action="merge", merge_into=first, actor=admin)
    assert "merge_into" in error.value.message_dict
    services.opinion_triage(opinion=second, action="merge", merge_into=first, actor=admin)
    services.opinion_triage(opinion=first, action="route", agency=first.agency, actor=admin)
    notice = RectificationNotice.objects.get(opinion=first)
    services.notice_respond(notice=notice, actor=liaison, measures="增加窗口")
    second.refresh_from_db()
    assert (second.status, second.merged_into) == ("responded", first)
    services.opinion_triage(opinion=third, action="reject", note="不属于作风问题", actor=admin)
    assert Opinion.objects.get(pk=third.pk).events.last().note == "不属于作风问题"
