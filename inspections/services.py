"""Every write on visits, findings and evidence: one function per state change."""
from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from agencies.access import require_liaison_of
from agencies.models import Agency, User, Window
from agencies.selectors import cycle_for_date
from agencies.services import cycle_refuse_locked
from conduct_eval.errors import ConflictError
from rectification.selectors import notice_for_source
from rectification.services import notice_issue, notice_withdraw
from scoring.choices import EntryKind
from scoring.selectors import scheme_of, score_entry_by_source
from scoring.services import score_entry_book, score_entry_reverse

from . import evidence as photos
from .choices import AppealStatus, FindingCategory, FindingStatus, Severity, VisitMode, VisitStatus
from .models import Evidence, Finding, Visit


def _validate_findings(findings: list[dict]) -> list[dict]:
    if not isinstance(findings, list):
        raise ValidationError({"findings": "findings 必须是列表"})
    errors = []
    for index, finding in enumerate(findings):
        if not isinstance(finding, dict):
            errors.append(f"第 {index + 1} 条：必须是对象")
            continue
        if finding.get("category") not in FindingCategory.values:
            errors.append(f"第 {index + 1} 条：未知问题类别 {finding.get('category')!r}")
        if finding.get("severity") not in Severity.values:
            errors.append(f"第 {index + 1} 条：未知严重程度 {finding.get('severity')!r}")
        if not str(finding.get("description") or "").strip():
            errors.append(f"第 {index + 1} 条：请描述问题")
    if errors:
        raise ValidationError({"findings": errors})
    return findings


def _check_visit(agency: Agency, window: Window | None, mode: str, visited_at: datetime) -> None:
    if window is not None and window.agency_id != agency.pk:
        raise ValidationError({"window": "窗口不属于该机关"})
    if mode not in VisitMode.values:
        raise ValidationError({"mode": f"未知察访方式：{mode}"})
    if visited_at > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError({"visited_at": "察访时间不能晚于现在"})


@transaction.atomic
def visit_create(*, inspector: User, agency: Agency, visited_at: datetime, mode: str, summary: str = "",
                 window: Window | None = None, findings: list[dict] | None = None, submit: bool = False) -> Visit:
    _check_visit(agency, window, mode, visited_at)
    _refuse_locked_cycle(visited_at)
    findings = _validate_findings(findings or [])
    visit = Visit.objects.create(inspector=inspector, agency=agency, window=window, visited_at=visited_at, mode=mode,
                                 summary=summary)
    Finding.objects.bulk_create([
        Finding(visit=visit, category=f["category"], severity=f["severity"], description=f["description"].strip())
        for f in findings
    ])
    if submit:
        visit = visit_submit(visit=visit)
    return visit


@transaction.atomic
def visit_update(*, visit: Visit, agency: Agency, visited_at: datetime, mode: str, summary: str = "",
                 window: Window | None = None, findings: list[dict] | None = None) -> Visit:
    """Rewrite a draft (its findings are replaced); a submitted visit no longer changes."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != VisitStatus.DRAFT:
        raise ConflictError("察访记录已提交，不能再修改")
    _check_visit(agency, window, mode, visited_at)
    findings = _validate_findings(findings or [])
    visit.agency, visit.window, visit.visited_at, visit.mode, visit.summary = agency, window, visited_at, mode, summary
    visit.save()
    visit.findings.all().delete()
    Finding.objects.bulk_create([
        Finding(visit=visit, category=f["category"], severity=f["severity"], description=f["description"].strip())
        for f in findings
    ])
    return visit


def _refuse_locked_cycle(visited_at: datetime) -> None:
    """A visit belongs to the cycle of its day: none is logged or submitted into a closed or published one (409)."""
    cycle_refuse_locked(cycle_for_date(timezone.localdate(visited_at)), "登记察访")


@transaction.atomic
def visit_submit(*, visit: Visit) -> Visit:
    """Send a draft to the office's review queue; submitting twice changes nothing.

    A visit goes to review with something to review: at least one finding, or a summary of
    what was seen (a visit that found nothing wrong says so).
    """
    if visit.status == VisitStatus.DRAFT:
        _refuse_locked_cycle(visit.visited_at)
        if not visit.summary.strip() and not visit.findings.exists():
            raise ValidationError({"findings": "提交前请填写概况或至少一个问题"})
    if Visit.objects.filter(pk=visit.pk, status=VisitStatus.DRAFT).update(
            status=VisitStatus.SUBMITTED, submitted_at=timezone.now()) != 1:
        visit.refresh_from_db()
        return visit
    visit.refresh_from_db()
    return visit


@transaction.atomic
def evidence_add(*, visit: Visit, upload, finding: Finding | None = None) -> Evidence:
    """A photo for a visit (or one of its findings), until the office has reviewed any of its findings."""
    if finding is not None and finding.visit_id != visit.pk:
        raise ValidationError({"finding": "该问题不属于本次察访"})
    visit = Visit.objects.select_for_update().get(pk=visit.pk)  # serialises with the review's lock
    if visit.status != VisitStatus.DRAFT and visit.findings.exclude(status=FindingStatus.SUBMITTED).exists():
        raise ConflictError("该察访记录的问题已审核，不能再补充证据")
    facts = photos.inspect_upload(upload)
    item = Evidence(visit=visit, finding=finding, token=secrets.token_hex(16), extension=facts.extension,
                    content_type=facts.content_type, size=facts.size, sha256=facts.sha256, width=facts.width,
                    height=facts.height, captured_at=facts.captured_at, gps_latitude=facts.gps_latitude,
                    gps_longitude=facts.gps_longitude, uploaded_at=timezone.now())
    photos.store_copies(item, upload)  # what is viewed, made once
    item.file.save(f"{item.token}.{item.extension}", upload, save=False)
    item.save()
    return item


# --- review ----------------------------------------------------------------------------

def _lock_finding(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().select_related("visit__agency").get(pk=finding.pk)


@transaction.atomic
def finding_dismiss(*, finding: Finding, actor: User, reason: str) -> Finding:
    """Not upheld: nothing is booked. A reason is required so the inspector learns why."""
    if not reason.strip():
        raise ValidationError({"reason": "不予认定须说明理由"})
    finding = _lock_finding(finding)
    if finding.status == FindingStatus.DISMISSED:
        return finding
    if finding.status != FindingStatus.SUBMITTED:
        raise ConflictError("该问题已确认，不能再不予认定；如有异议请走申诉裁定")
    finding.status, finding.reason = FindingStatus.DISMISSED, reason.strip()
    finding.reviewed_by, finding.reviewed_at = actor, timezone.now()
    finding.save()
    return finding


@transaction.atomic
def finding_appeal(*, finding: Finding, actor: User, reason: str) -> Finding:
    """The agency's liaison contests a confirmed finding with a reason; the office adjudicates 属实 / 不属实."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写申诉理由"})
    finding = _lock_finding(finding)
    require_liaison_of(actor, finding.visit.agency_id, "只有该机关的联络员可以申诉")
    if finding.status != FindingStatus.CONFIRMED:
        raise ConflictError("只能对已确认的问题申诉")
    if finding.appeal_status:
        raise ConflictError("该问题已申诉过")
    finding.appeal_status, finding.appeal_text = AppealStatus.PENDING, reason[:2000]
    finding.appealed_at, finding.appealed_by = timezone.now(), actor
    finding.save()
    return finding


def _cycle_of(finding: Finding):
    cycle = cycle_for_date(timezone.localdate(finding.visit.visited_at))
    if cycle is None:
        raise ConflictError("察访日期不在任何评议周期内，无法记分")
    return cycle


@transaction.atomic
def finding_confirm(*, finding: Finding, actor: User, reason: str = "") -> Finding:
    """Uphold a finding: one inspection entry of the scheme's severity points in the ledger and one
    rectification notice for the agency. Confirming again books nothing new: the finding row is
    locked, and both the entry and the notice are keyed `finding:<id>` under unique constraints."""
    finding = _lock_finding(finding)
    if finding.status == FindingStatus.DISMISSED:
        raise ConflictError("该问题已不予认定")
    if finding.visit.status != VisitStatus.SUBMITTED:
        raise ConflictError("察访记录尚未提交")
    cycle = _cycle_of(finding)
    if finding.status == FindingStatus.SUBMITTED:
        finding.status, finding.reason = FindingStatus.CONFIRMED, reason.strip()
        finding.reviewed_by, finding.reviewed_at = actor, timezone.now()
        finding.save()
    with translation.override(None):  # the ledger and the notice keep Chinese whatever the reviewer's page shows
        what = f"{finding.get_category_display()}（{finding.get_severity_display()}）"
        mode = str(finding.visit.get_mode_display())
    agency = finding.visit.agency
    points = scheme_of(cycle)["severity_points"][finding.severity]
    score_entry_book(cycle=cycle, agency=agency, kind=EntryKind.INSPECTION, points=points, reason=f"察访确认：{what}",
                     source="finding", source_key=f"finding:{finding.pk}", actor=actor)
    visited = timezone.localtime(finding.visit.visited_at)
    notice_issue(agency=agency, source="finding", cycle=cycle, source_key=f"finding:{finding.pk}", actor=actor,
                 text=f"{visited:%Y年%m月%d日}{mode}发现：{what}。{finding.description}"
                      f"{('（审核意见：' + finding.reason + '）') if finding.reason else ''}")
    return finding


@transaction.atomic
def finding_adjudicate(*, finding: Finding, actor: User, finding_true: bool, note: str = "") -> Finding:
    """Decide an agency's appeal: 属实 keeps the finding; 不属实 upholds the appeal, books a reversing entry and
    withdraws the finding's rectification notice (its overdue deduction, if any, reversed with it), all in
    this one transaction: a finding the office ruled untrue leaves nothing to rectify and nothing to pay."""
    finding = _lock_finding(finding)
    if finding.appeal_status != AppealStatus.PENDING:
        raise ConflictError("该问题没有待裁定的申诉")
    finding.appeal_status = AppealStatus.REJECTED if finding_true else AppealStatus.UPHELD
    finding.appeal_note, finding.adjudicated_at = note.strip(), timezone.now()
    finding.save()
    if not finding_true:
        entry = score_entry_by_source(f"finding:{finding.pk}")
        if entry is not None:
            score_entry_reverse(entry=entry, reason=f"申诉裁定不属实：{note.strip() or finding}", actor=actor,
                                source_key=f"finding:{finding.pk}:appeal")
        notice = notice_for_source(f"finding:{finding.pk}")
        if notice is not None:
            notice_withdraw(notice=notice, actor=actor,
                            reason=f"申诉裁定问题不属实{('：' + note.strip()) if note.strip() else ''}")
    return finding
