"""Reads of visits, findings and evidence — always through agencies.access.

An inspector sees only its own visits (drafts included); administrators and leaders see
submitted visits; a liaison sees its agency's confirmed findings and their evidence, never
the inspector.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from agencies.access import has_role, scope
from agencies.choices import Role

from .choices import AppealStatus, FindingStatus, VisitStatus
from .models import Evidence, Finding, Visit


def visits_for(user) -> QuerySet[Visit]:
    visits = scope(Visit.objects.select_related("agency", "window", "inspector"), user, agency_field=None,
                   owner_field="inspector")
    if not has_role(user, Role.INSPECTOR):
        visits = visits.filter(status=VisitStatus.SUBMITTED)
    return visits


def findings_for(user) -> QuerySet[Finding]:
    """Findings the user may see: an inspector its own, the office all submitted, a liaison its confirmed."""
    findings = Finding.objects.select_related("visit__agency", "visit__window")
    if has_role(user, Role.AGENCY):
        return scope(findings.filter(status=FindingStatus.CONFIRMED), user, agency_field="visit__agency")
    if has_role(user, Role.INSPECTOR):
        return findings.filter(visit__inspector=user)
    return scope(findings.filter(visit__status=VisitStatus.SUBMITTED), user, agency_field="visit__agency")


def review_queue() -> QuerySet[Finding]:
    return (Finding.objects.filter(status=FindingStatus.SUBMITTED, visit__status=VisitStatus.SUBMITTED)
            .select_related("visit__agency", "visit__window", "visit__inspector")
            .prefetch_related("visit__evidence").order_by("visit__visited_at", "id"))


def appeal_queue() -> QuerySet[Finding]:
    """Confirmed findings whose agency appealed, waiting for the office's 属实 / 不属实, oldest appeal first."""
    return (Finding.objects.filter(appeal_status=AppealStatus.PENDING)
            .select_related("visit__agency", "visit__window", "visit__inspector", "appealed_by")
            .prefetch_related("visit__evidence").order_by("appealed_at", "id"))


def evidence_for(user) -> QuerySet[Evidence]:
    """Evidence the user may download: with a visit the user may see, or for a liaison, attached to a
    confirmed finding of its agency (or to a visit of its agency with a confirmed finding)."""
    if has_role(user, Role.AGENCY):
        confirmed = Q(finding__status=FindingStatus.CONFIRMED) | Q(
            finding__isnull=True, visit__findings__status=FindingStatus.CONFIRMED)
        return scope(Evidence.objects.filter(confirmed), user, agency_field="visit__agency").distinct()
    return Evidence.objects.filter(visit__in=visits_for(user))
