"""Every state change of a rectification notice: issue, respond, verify or return, citizen feedback, withdraw,
overdue.

Each runs in one transaction with its history row (the audit trail the office and the agency
read); notifications are outbox rows in that same transaction, e-mailed after the commit.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, QuerySet, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone, translation

from agencies.access import require_liaison_of, require_role
from agencies.choices import Role
from agencies.models import Agency, Cycle, User
from agencies.scheme import DEFAULT_SCHEME, normalize_scheme
from agencies.selectors import cycle_current, cycle_for_date
from agencies.services import cycle_refuse_locked
from conduct_eval.errors import ConflictError
from scoring.choices import EntryKind, EntrySource
from scoring.selectors import score_entry_live_by_source
from scoring.services import score_entry_book, score_entry_reverse
from surveys.choices import OpinionStatus
from surveys.models import Opinion
from surveys.selectors import opinions_merged_into
from surveys.services import opinion_set_status

from .. import evidence as evidence_files
from ..choices import CitizenAnswer, NoticeAction, NoticeSource, NoticeStatus, NotificationKind
from ..models import NoticeEvent, NoticeEvidence, RectificationNotice
from ..workdays import add_working_days
from .notifications import notifications_queue, recipients_leader, recipients_liaisons

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 4000


def cycle_for(day) -> Cycle | None:
    """The cycle whose year contains `day`, else the current one."""
    return cycle_for_date(day) or cycle_current()


def working_days_of(cycle: Cycle | None) -> int:
    scheme = normalize_scheme(cycle.scheme) if cycle is not None else DEFAULT_SCHEME
    return int(scheme["rectification_working_days"])


def _event(notice: RectificationNotice, action: str, *, actor: User | None = None, note: str = "",
           at: datetime | None = None) -> NoticeEvent:
    return NoticeEvent.objects.create(notice=notice, action=action, actor=actor, note=note, at=at or timezone.now())


def _notify_liaisons(notice: RectificationNotice, kind: str, subject: str, body: str, *, seq: int = 1) -> None:
    body = (f"{body}\n\n整改事项：{notice.text}\n整改期限：{notice.deadline:%Y-%m-%d}\n"
            f"办理入口：/agency/notices/{notice.pk}/")
    notifications_queue(notice=notice, kind=kind, recipients=recipients_liaisons(notice.agency), seq=seq,
                        subject=subject, body=body)


def _opinions_of(notice: RectificationNotice) -> list[Opinion]:
    """The citizen opinions a notice answers: the routed one and every one merged into it, through chains too."""
    if notice.opinion_id is None:
        return []
    return [notice.opinion, *opinions_merged_into(notice.opinion)]


def _tell_citizens(notice: RectificationNotice, status: str, note: str, at: datetime | None = None) -> None:
    for opinion in _opinions_of(notice):
        opinion_set_status(opinion=opinion, status=status, note=note, at=at)


def _locked(notice: RectificationNotice) -> RectificationNotice:
    return (RectificationNotice.objects.select_for_update(of=("self",)).select_related("agency", "opinion", "cycle")
            .get(pk=notice.pk))


def _refuse_locked_cycle(cycle: Cycle | None, source: str, what: str) -> None:
    """Notices of a closed or published cycle are refused (409), except those its final ranking issues:
    the reminder-talk notices of warned agencies are born after the close and worked in the next year."""
    if source != NoticeSource.RANKING:
        cycle_refuse_locked(cycle, what)


@transaction.atomic
def notice_issue(*, agency: Agency, source: str, text: str, cycle: Cycle | None = None,
                 source_key: str | None = None, actor: User | None = None, issued_at: datetime | None = None,
                 opinion: Opinion | None = None) -> RectificationNotice:
    """Issue a notice with a deadline of the cycle's `rectification_working_days` Chinese working days.

    Idempotent by `source_key`: issuing again (even concurrently) returns the first notice.
    Works inside the caller's transaction; the liaisons are notified after the commit.
    """
    if source not in NoticeSource.values:
        raise ValidationError({"source": f"来源应为 {', '.join(NoticeSource.values)}"})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写整改事项"})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError({"text": f"整改事项不超过 {TEXT_MAX_LENGTH} 字"})
    source_key = (source_key or "").strip() or None
    if source_key:
        existing = RectificationNotice.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    issued_at = issued_at or timezone.now()
    issued_on = timezone.localdate(issued_at)
    cycle = cycle or cycle_for(issued_on)
    _refuse_locked_cycle(cycle, source, "下发整改通知")
    notice = RectificationNotice(agency=agency, cycle=cycle, source=source, source_key=source_key, opinion=opinion,
                                 text=text, issued_at=issued_at, created_by=actor,
                                 deadline=add_working_days(issued_on, working_days_of(cycle)))
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        # A concurrent issuer committed the same key between our look-up and our insert.
        existing = RectificationNotice.objects.filter(source_key=source_key).first() if source_key else None
        if existing is None:
            raise
        return existing
    with translation.override(None):  # history and messages are stored in Chinese whatever the page's language
        source_label = str(notice.get_source_display())
    _event(notice, NoticeAction.ISSUED, actor=actor, at=issued_at,
           note=f"{source_label}：限 {notice.deadline:%Y-%m-%d} 前完成整改")
    _notify_liaisons(notice, NotificationKind.ISSUED,
                     f"【整改通知】{agency.name}：请于 {notice.deadline:%m月%d日} 前整改",
                     f"{agency.name}：\n作风建设办公室向贵单位下发整改通知（来源：{source_label}）。")
    return notice


def notice_may_respond(*, notice: RectificationNotice, actor: User) -> None:
    """Only the liaison of the notice's agency responds (PermissionDenied otherwise); faces ask before parsing input."""
    require_liaison_of(actor, notice.agency_id, "只有该机关的联络员可以反馈整改情况")


def notice_may_verify(*, actor: User) -> None:
    """Only the office verifies or returns a response (PermissionDenied otherwise)."""
    require_role(actor, Role.ADMIN, message="只有办公室管理员可以核验")


@transaction.atomic
def notice_respond(*, notice: RectificationNotice, actor: User, measures: str,
                   files: Sequence[UploadedFile] = ()) -> RectificationNotice:
    """The agency's response: measures taken and evidence files (type checked by content); its liaison only."""
    notice_may_respond(notice=notice, actor=actor)
    measures = (measures or "").strip()
    if not measures:
        raise ValidationError({"measures": "请填写整改措施"})
    if len(measures) > TEXT_MAX_LENGTH:
        raise ValidationError({"measures": f"整改措施不超过 {TEXT_MAX_LENGTH} 字"})
    checked = evidence_files.check_all(files)
    notice = _locked(notice)
    _refuse_locked_cycle(notice.cycle, notice.source, "反馈整改通知")
    if not notice.is_open:
        raise ConflictError(f"该整改通知当前为“{notice.get_status_display()}”，不能再次反馈")
    now = timezone.now()
    for upload, kind in checked:
        evidence_files.store(notice=notice, upload=upload, kind=kind, actor=actor, round=notice.round)
    notice.status, notice.measures, notice.responded_at = NoticeStatus.RESPONDED, measures, now
    notice.save(update_fields=["status", "measures", "responded_at"])
    _event(notice, NoticeAction.RESPONDED, actor=actor, at=now,
           note=f"{measures}（佐证材料 {len(checked)} 份）" if checked else measures)
    _tell_citizens(notice, OpinionStatus.RESPONDED, f"{notice.agency.name}已反馈整改措施：{measures}", at=now)
    return notice


@transaction.atomic
def notice_verify(*, notice: RectificationNotice, actor: User, accepted: bool,
                  comment: str = "") -> RectificationNotice:
    """The office verifies a responded notice (evidence required) or returns it to the agency with a comment."""
    notice_may_verify(actor=actor)
    comment = (comment or "").strip()
    if not accepted and not comment:
        raise ValidationError({"comment": "退回时请填写意见"})
    notice = _locked(notice)
    _refuse_locked_cycle(notice.cycle, notice.source, "核验整改通知")
    if notice.status != NoticeStatus.RESPONDED:
        raise ConflictError(f"只有已反馈的整改通知可以核验（当前：{notice.get_status_display()}）")
    now = timezone.now()
    if accepted:
        if not NoticeEvidence.objects.filter(notice=notice).exists():
            raise ConflictError("没有整改佐证材料，不能核验办结：请退回单位补充佐证材料")
        notice.status, notice.verified_at, notice.citizen_answer = NoticeStatus.VERIFIED, now, ""
        notice.first_verified_at = notice.first_verified_at or now
        notice.save(update_fields=["status", "verified_at", "first_verified_at", "citizen_answer"])
        _event(notice, NoticeAction.VERIFIED, actor=actor, at=now, note=comment)
        _tell_citizens(notice, OpinionStatus.RESOLVED, "整改已经办公室核验。问题是否真正解决？欢迎您在本页反馈。",
                       at=now)
        if not notice.overdue and timezone.localdate(now) > notice.deadline_applied:
            # Verified after the deadline that applied: late, whether or not the sweep ran in between. Should
            # booking fail (savepoint), the verification stands and the next sweep books it.
            try:
                _overdue(notice.pk, at=now, verified_late=True)
            except Exception:
                logger.exception("late verification of notice %s: overdue not booked; the sweep retries", notice.pk)
            notice.refresh_from_db()
        return notice
    notice.status, notice.round = NoticeStatus.RETURNED, notice.round + 1
    notice.save(update_fields=["status", "round"])
    _event(notice, NoticeAction.RETURNED, actor=actor, at=now, note=comment)
    _notify_liaisons(notice, NotificationKind.RETURNED, f"【整改退回】{notice.agency.name}：请重新整改",
                     f"办公室退回了贵单位的整改反馈，意见：{comment}", seq=notice.round)
    _tell_citizens(notice, OpinionStatus.ROUTED, "办公室核验未通过，已退回单位重新整改。", at=now)
    return notice


@transaction.atomic
def notice_citizen_feedback(*, notice: RectificationNotice, answer: str, at: datetime | None = None
                            ) -> RectificationNotice:
    """The citizen's answer on /track/ to a verified opinion-born notice: fixed, or not fixed (back for re-check)."""
    if answer not in CitizenAnswer.values:
        raise ValidationError({"answer": "请选择“已解决”或“未解决”"})
    notice = _locked(notice)
    if notice.opinion_id is None or notice.status != NoticeStatus.VERIFIED or notice.citizen_answer:
        raise ConflictError("该意见当前不需要反馈")
    at = at or timezone.now()
    if answer == CitizenAnswer.FIXED:
        notice.citizen_answer = CitizenAnswer.FIXED
        notice.save(update_fields=["citizen_answer"])
        _event(notice, NoticeAction.CITIZEN_FIXED, at=at)
        _tell_citizens(notice, OpinionStatus.RESOLVED, "感谢您的反馈：问题已解决，本意见办结。", at=at)
        return notice
    # Not fixed: back to the office for re-check; the agency's measures stay on file for it. The re-check has
    # its own deadline: a notice verified in time stays on time, and only missing this one is late.
    notice.status, notice.verified_at = NoticeStatus.RESPONDED, None
    notice.recheck_deadline = add_working_days(timezone.localdate(at), working_days_of(notice.cycle))
    notice.save(update_fields=["status", "verified_at", "recheck_deadline"])
    reopened = NoticeEvent.objects.filter(notice=notice, action=NoticeAction.REOPENED).count() + 1
    _event(notice, NoticeAction.REOPENED, at=at, note=f"限 {notice.recheck_deadline:%Y-%m-%d} 前重新核查")
    _notify_liaisons(notice, NotificationKind.REOPENED,
                     f"【群众反馈】{notice.agency.name}：问题未解决，办公室将重新核查",
                     "提出意见的群众反馈问题仍未解决，办公室将重新核查整改情况。", seq=reopened)
    _tell_citizens(notice, OpinionStatus.REOPENED, "您反馈问题未解决，办公室将重新核查。", at=at)
    return notice


@transaction.atomic
def notice_withdraw(*, notice: RectificationNotice, reason: str, actor: User | None = None) -> RectificationNotice:
    """Withdraw a notice whose cause fell away (已撤销), e.g. a finding judged untrue on appeal.

    A withdrawn notice is never due and never overdue: an overdue deduction already booked for it is
    reversed in the same transaction, and the history says why. Withdrawing again changes nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请说明撤销原因"})
    notice = _locked(notice)
    if notice.status == NoticeStatus.WITHDRAWN:
        return notice
    now = timezone.now()
    was_overdue = notice.overdue
    notice.status, notice.overdue, notice.overdue_at = NoticeStatus.WITHDRAWN, False, None
    notice.save(update_fields=["status", "overdue", "overdue_at"])
    reversed_note = ""
    entry = score_entry_live_by_source(_overdue_key(notice))
    if entry is not None:
        score_entry_reverse(entry=entry, reason=f"整改通知已撤销：{reason}"[:500], actor=actor,
                            source_key=f"{_overdue_key(notice)}:withdrawn")
        reversed_note = "；逾期扣分已冲销"
    elif was_overdue:
        reversed_note = "；逾期标记已取消"
    _event(notice, NoticeAction.WITHDRAWN, actor=actor, at=now, note=f"{reason}{reversed_note}")
    _notify_liaisons(notice, NotificationKind.WITHDRAWN, f"【整改撤销】{notice.agency.name}：整改通知已撤销",
                     f"作风建设办公室撤销了该整改通知，无需再整改。原因：{reason}")
    return notice


def _overdue_key(notice: RectificationNotice) -> str:
    return f"notice:{notice.pk}:overdue"


def _late_candidates(today) -> QuerySet[RectificationNotice]:
    """Notices late by the deadline that applies and not yet marked: open past it, or verified after it.

    The deadline that applies is the re-check deadline once a citizen reopened the notice, else the original
    one; a notice verified after it (its first verification, or the re-check's) is late even if no sweep ran
    before. Withdrawn notices are never late.
    """
    applied = Coalesce("recheck_deadline", "deadline")
    verified_on = TruncDate(Coalesce(Case(When(recheck_deadline__isnull=True, then="first_verified_at")),
                                     "verified_at"), tzinfo=timezone.get_current_timezone())
    return (RectificationNotice.objects.filter(overdue=False).exclude(status=NoticeStatus.WITHDRAWN)
            .annotate(applied=applied, verified_on=verified_on)
            .filter((~Q(status=NoticeStatus.VERIFIED) & Q(applied__lt=today))
                    | (Q(status=NoticeStatus.VERIFIED) & Q(verified_on__gt=F("applied")))))


def notices_mark_overdue(*, at: datetime | None = None) -> int:
    """Mark the notices that missed the deadline that applied overdue (Asia/Shanghai days). Returns how many.

    Once per notice however often it runs: a compare-and-set on `overdue` decides, and the reminder and the
    ledger deduction are written in that same transaction. A notice that fails (a scheme the ledger refuses, a
    database hiccup) is logged and left unmarked, so the next sweep tries it again; the others go on.
    """
    at = at or timezone.now()
    today = timezone.localdate(at)
    due = _late_candidates(today).order_by("deadline", "id").values_list("id", flat=True)[:1000]
    marked = 0
    for notice_id in list(due):
        try:
            marked += _overdue(notice_id, at=at)
        except Exception:  # one broken notice must not stop the sweep for every other agency
            logger.exception("overdue sweep: notice %s failed; it is retried at the next sweep", notice_id)
    return marked


@transaction.atomic
def _overdue(notice_id: int, *, at: datetime, verified_late: bool = False) -> int:
    """Mark one notice overdue, book its deduction and remind; 0 when another writer marked it first."""
    won = (RectificationNotice.objects.filter(pk=notice_id, overdue=False).exclude(status=NoticeStatus.WITHDRAWN)
           .update(overdue=True, overdue_at=at))
    if won != 1:
        return 0
    notice = RectificationNotice.objects.select_related("agency__leader_account", "cycle").get(pk=notice_id)
    booked = _book_overdue_deduction(notice)
    deadline = notice.deadline_applied
    what = "重新核查期限" if notice.recheck_deadline else "整改期限"
    verified = verified_late or notice.status == NoticeStatus.VERIFIED
    late = f"{what} {deadline:%Y-%m-%d} 已过" + ("，核验时已逾期" if verified else "仍未办结")
    _event(notice, NoticeAction.OVERDUE, at=at, note=late + ("，扣分已记入台账" if booked else ""))
    body = (f"{notice.agency.name}的整改通知已逾期（{what} {deadline:%Y-%m-%d}），"
            f"请督促尽快办结。整改事项：{notice.text}\n办理入口：/agency/notices/{notice.pk}/")
    notifications_queue(notice=notice, kind="overdue", recipients=[
        *recipients_liaisons(notice.agency), *recipients_leader(notice.agency)],
        subject=f"【逾期提醒】{notice.agency.name}整改通知已逾期", body=body)
    return 1


def _book_overdue_deduction(notice: RectificationNotice) -> bool:
    """Book the one `overdue_deduction` ledger entry of an overdue notice (idempotent by its source key).

    The entry goes to the notice's cycle, or — for a ranking notice of last year's final result, whose
    cycle is closed by design — to the open cycle of the day the notice turned overdue. Any other notice
    of a closed or published cycle books nothing: that cycle refuses entries, and its agency was refused
    responses to the notice too. With no open cycle to book in, nothing is booked and the history says so.
    """
    cycle = notice.cycle
    if cycle is not None and cycle.is_locked and notice.source != NoticeSource.RANKING:
        logger.warning("overdue deduction for notice %s not booked: its cycle %s is %s", notice.pk, cycle.code,
                       cycle.status)
        return False
    if cycle is None or cycle.is_locked:
        cycle = cycle_for(timezone.localdate(notice.overdue_at or timezone.now()))
    if cycle is None or cycle.is_locked:
        logger.warning("overdue deduction for notice %s not booked: no open cycle", notice.pk)
        return False
    points = Decimal(str(normalize_scheme(cycle.scheme)["overdue_deduction"]))
    if points <= 0:
        return False
    score_entry_book(cycle=cycle, agency=notice.agency, kind=EntryKind.DEDUCTION, points=points,
                     source=EntrySource.NOTICE, source_key=_overdue_key(notice),
                     reason=f"整改通知逾期未办结（期限 {notice.deadline:%Y-%m-%d}）：{notice.text[:100]}")
    return True
