"""Where a notice came from, as links both ways: the opinion, the finding (with its visit and photos), the
final ranking, and the overdue deduction it booked. Read through the other apps' selectors and URL names."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.access import has_role, is_admin
from agencies.choices import Role
from scoring.selectors import score_entry_by_source, snapshot_newest

from .models import RectificationNotice


@dataclass(frozen=True)
class SourceLink:
    kind: str
    label: str
    url: str | None
    detail: str = ""


def _scorecard_url(user, snapshot, agency_code: str) -> str:
    if has_role(user, Role.AGENCY):
        return f"{reverse('agency-scorecard')}?cycle={snapshot.cycle.code}"
    return reverse("dashboard-scorecard", args=[snapshot.pk, agency_code])


def notice_sources(notice: RectificationNotice, user) -> list[SourceLink]:
    """The notice's source (opinion, finding or ranking) and the ledger entry of its overdue deduction, each with
    the page the user may open for it (None where the user has no page for it)."""
    links: list[SourceLink] = []
    key = notice.source_key or ""
    agency_code = notice.agency.code
    if notice.opinion_id:
        opinion = notice.opinion
        url = None
        if is_admin(user):
            query = urlencode({"status": "", "q": opinion.text[:40]})
            url = f"{reverse('rectification:triage-queue')}?{query}#opinion-{opinion.pk}"
        links.append(SourceLink("opinion", _("群众意见 %(receipt)s") % {"receipt": opinion.receipt}, url,
                                f"{opinion.text}（{_('联系方式')} {opinion.contact_masked or '—'}）"))
    parts = key.split(":")
    if parts[0] == "finding" and len(parts) == 2 and parts[1].isdigit():
        links.append(SourceLink("finding", _("察访问题 #%(id)s：察访记录、证据照片与申诉") % {"id": parts[1]},
                                reverse("inspections:finding", args=[int(parts[1])])))
    if parts[0] == "ranking" and notice.cycle_id:
        snapshot = snapshot_newest(cycle=notice.cycle, period="cycle")
        if snapshot is not None:
            links.append(SourceLink("ranking", _("排名结果：%(cycle)s 计分明细") % {"cycle": notice.cycle.name},
                                    _scorecard_url(user, snapshot, agency_code)))
    overdue = score_entry_by_source(f"notice:{notice.pk}:overdue")
    if overdue is not None:
        snapshot = snapshot_newest(cycle=overdue.cycle)
        url = None
        if snapshot is not None and has_role(user, Role.ADMIN, Role.LEADER, Role.AGENCY):
            url = reverse("drill-entry", args=[snapshot.pk, agency_code, overdue.pk])
        links.append(SourceLink("overdue", _("逾期扣分：台账 #%(id)s（%(points)s 分）")
                                % {"id": overdue.pk, "points": overdue.points}, url))
    return links
