"""Every state change of a rectification notice: issue, respond, verify or return, citizen feedback, overdue.

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
from django.utils import timezone, translation

from agencies.access import require_liaison_of, require_role
from agencies.choices import Role
from agencies.models import Agency, Cycle, User
from agencies.scheme import DEFAULT_SCHEME, normalize_scheme
from agencies.selectors import cycle_current, cycle_for_date
from conduct_eval.errors import ConflictError
from scoring.choices import EntryKind, EntrySource
from scoring.services import score_entry_book
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
    return (RectificationNotice.objects.select_for_update(of=("self",)).select_related("agency", "opinion")
            .get(pk=notice.pk))


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


@transaction.atomic
def notice_respond(*, notice: RectificationNotice, actor: User, measures: str,
                   files: Sequence[UploadedFile] = ()) -> RectificationNotice:
    """The agency's response: measures taken and evidence files (type checked by content); its liaison only."""
    require_liaison_of(actor, notice.agency_id, "只有该机关的联络员可以反馈整改情况")
    measures = (measures or "").strip()
    if not measures:
        raise ValidationError({"measures": "请填写整改措施"})
    if len(measures) > TEXT_MAX_LENGTH:
        raise ValidationError({"measures": f"整改措施不超过 {TEXT_MAX_LENGTH} 字"})
    checked = evidence_files.check_all(files)
    notice = _locked(notice)
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
    require_role(actor, Role.ADMIN, message="只有办公室管理员可以核验")
    comment = (comment or "").strip()
    if not accepted and not comment:
        raise ValidationError({"comment": "退回时请填写意见"})
    notice = _locked(notice)
    if notice.status != NoticeStatus.RESPONDED:
        raise ConflictError(f"只有已反馈的整改通知可以核验（当前：{notice.get_status_display()}）")
    now = timezone.now()
    if accepted:
        if not NoticeEvidence.objects.filter(notice=notice).exists():
            raise ConflictError("没有整改佐证材料，不能核验办结：请退回单位补充佐证材料")
        notice.status, notice.verified_at, notice.citizen_answer = NoticeStatus.VERIFIED, now, ""
        notice.save(update_fields=["status", "verified_at", "citizen_answer"])
        _event(notice, NoticeAction.VERIFIED, actor=actor, at=now, note=comment)
        _tell_citizens(notice, OpinionStatus.RESOLVED, "整改已经办公室核验。问题是否真正解决？欢迎您在本页反馈。",
                       at=now)
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
    # Not fixed: back to the office for re-check; the agency's measures stay on file for it.
    notice.status, notice.verified_at = NoticeStatus.RESPONDED, None
    notice.save(update_fields=["status", "verified_at"])
    reopened = NoticeEvent.objects.filter(notice=notice, action=NoticeAction.REOPENED).count() + 1
    _event(notice, NoticeAction.REOPENED, at=at)
    _notify_liaisons(notice, NotificationKind.REOPENED,
                     f"【群众反馈】{notice.agency.name}：问题未解决，办公室将重新核查",
                     "提出意见的群众反馈问题仍未解决，办公室将重新核查整改情况。", seq=reopened)
    _tell_citizens(notice, OpinionStatus.REOPENED, "您反馈问题未解决，办公室将重新核查。", at=at)
    return notice


def notices_mark_overdue(*, at: datetime | None = None) -> int:
    """Mark notices not verified by the end of their deadline day (Asia/Shanghai) overdue. Returns how many.

    Once per notice however often it runs: a compare-and-set on `overdue` decides, and the
    reminder and the ledger deduction are written in that same transaction.
    """
    at = at or timezone.now()
    today = timezone.localdate(at)
    due = (RectificationNotice.objects.filter(overdue=False, deadline__lt=today)
           .exclude(status=NoticeStatus.VERIFIED).order_by("deadline", "id").values_list("id", flat=True)[:1000])
    marked = 0
    for notice_id in list(due):
        with transaction.atomic():
            won = (RectificationNotice.objects.filter(pk=notice_id, overdue=False)
                   .exclude(status=NoticeStatus.VERIFIED).update(overdue=True, overdue_at=at))
            if won != 1:
                continue
            notice = RectificationNotice.objects.select_related("agency__leader_account", "cycle").get(pk=notice_id)
            booked = _book_overdue_deduction(notice)
            _event(notice, NoticeAction.OVERDUE, at=at,
                   note=f"整改期限 {notice.deadline:%Y-%m-%d} 已过仍未办结" + ("，扣分已记入台账" if booked else ""))
            body = (f"{notice.agency.name}的整改通知已逾期（期限 {notice.deadline:%Y-%m-%d}），"
                    f"请督促尽快办结。整改事项：{notice.text}\n办理入口：/agency/notices/{notice.pk}/")
            notifications_queue(notice=notice, kind="overdue", recipients=[
                *recipients_liaisons(notice.agency), *recipients_leader(notice.agency)],
                subject=f"【逾期提醒】{notice.agency.name}整改通知已逾期", body=body)
            marked += 1
    return marked


def _book_overdue_deduction(notice: RectificationNotice) -> bool:
    """Book the one `overdue_deduction` ledger entry of an overdue notice (idempotent by its source key).

    The entry goes to the notice's cycle, or — when that cycle is already closed (a ranking notice
    of last year's final result) — to the open cycle of the day the notice turned overdue. With no
    open cycle to book in, nothing is booked and the history says so.
    """
    cycle = notice.cycle
    if cycle is None or cycle.is_locked:
        cycle = cycle_for(timezone.localdate(notice.overdue_at or timezone.now()))
    if cycle is None or cycle.is_locked:
        logger.warning("overdue deduction for notice %s not booked: no open cycle", notice.pk)
        return False
    points = Decimal(str(normalize_scheme(cycle.scheme)["overdue_deduction"]))
    if points <= 0:
        return False
    score_entry_book(cycle=cycle, agency=notice.agency, kind=EntryKind.DEDUCTION, points=points,
                     source=EntrySource.NOTICE, source_key=f"notice:{notice.pk}:overdue",
                     reason=f"整改通知逾期未办结（期限 {notice.deadline:%Y-%m-%d}）：{notice.text[:100]}")
    return True
