"""Drill-down from a ledger entry to its evidence: the confirmed finding, its visit with the photos (thumbnails
through the protected evidence route), its appeal with the outcome, and the entries and the notice it caused.

Administrators and leaders see every submitted visit's finding; an agency's liaison only its own confirmed
findings (another agency's is a 404) and never which inspector made them."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.access import has_role, require_role
from agencies.choices import Role
from rectification.selectors import notice_for_source
from scoring.drill import notice_url, scorecard_url, scorecard_visible
from scoring.selectors import score_entry_by_source

from . import selectors


@login_required
def finding(request, pk: int):
    """One finding with its visit, photos, appeal, ledger entries and notice; `?snapshot=` keeps the way back
    to the scorecard it was opened from."""
    require_role(request.user, Role.ADMIN, Role.LEADER, Role.AGENCY)
    item = get_object_or_404(selectors.findings_for(request.user).select_related("visit__inspector", "reviewed_by"),
                             pk=pk)
    visit = item.visit
    snapshot = back = None
    raw = request.GET.get("snapshot")
    if raw:
        if not raw.isdigit():
            return HttpResponseBadRequest(_("snapshot：应为快照编号"))
        snapshot, _card = scorecard_visible(request.user, int(raw), visit.agency.code)
        back = scorecard_url(request.user, snapshot, visit.agency.code)
    photos = (selectors.evidence_for(request.user).filter(visit=visit)
              .filter(Q(finding=item) | Q(finding__isnull=True)).order_by("uploaded_at", "id"))
    entries = [e for e in (score_entry_by_source(f"finding:{item.pk}"),
                           score_entry_by_source(f"finding:{item.pk}:appeal")) if e is not None]
    if snapshot is not None:
        for e in entries:
            e.drill_url = reverse("drill-entry", args=[snapshot.pk, visit.agency.code, e.pk])
    notice = notice_for_source(f"finding:{item.pk}")
    return render(request, "inspections/finding_drill.html", {
        "finding": item, "visit": visit, "photos": list(photos), "entries": entries, "notice": notice,
        "notice_url": notice_url(request.user, notice.pk) if notice else None, "snapshot": snapshot, "back": back,
        "show_inspector": not has_role(request.user, Role.AGENCY)})
