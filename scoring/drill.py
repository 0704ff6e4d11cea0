"""Drill-down pages below a scorecard: every point opens its evidence.

From a snapshot's scorecard: the public survey's responses behind each dimension mean and level count, an
indicator's revision history (the one the snapshot counted marked), and a ledger entry with its reason, its
source and its reversal. Office roles who see the scorecard (administrators, leaders) open them for every
agency; an agency's liaison only for its own agency (another agency's is a 404, as everywhere).
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.access import has_role, is_liaison_of, require_role
from agencies.choices import Role
from agencies.scheme import DIMENSIONS, LEVELS
from surveys.selectors import responses_behind

from . import selectors
from .models import Assessment, Indicator, RankingSnapshot, Scorecard, ScoreEntry

RESPONSES_PAGE_SIZE = 20


def scorecard_visible(user, snapshot_id: int, agency_code: str) -> tuple[RankingSnapshot, Scorecard]:
    """The snapshot and the agency's scorecard in it, if `user` may see them: 403 for other roles, 404 for a
    liaison asking about another agency (or for a snapshot without that agency)."""
    require_role(user, Role.ADMIN, Role.LEADER, Role.AGENCY)
    snapshot = get_object_or_404(RankingSnapshot.objects.select_related("cycle"), pk=snapshot_id)
    scorecard = selectors.scorecard_of(snapshot, agency_code=agency_code)
    if scorecard is None or (has_role(user, Role.AGENCY) and not is_liaison_of(user, scorecard.agency_id)):
        raise Http404("该快照中没有这个机关")
    return snapshot, scorecard


def scorecard_url(user, snapshot: RankingSnapshot, agency_code: str) -> str:
    """Back to the scorecard the drill started from: the office's page, or the liaison's own."""
    if has_role(user, Role.AGENCY):
        return f"{reverse('agency-scorecard')}?cycle={snapshot.cycle.code}"
    return reverse("dashboard-scorecard", args=[snapshot.pk, agency_code])


def notice_url(user, notice_id: int | str) -> str:
    """A rectification notice's page: the liaison's inbox entry or the office's board entry."""
    name = "rectification:notice" if has_role(user, Role.AGENCY) else "rectification:board-notice"
    return reverse(name, args=[int(notice_id)])


def _context(request, snapshot: RankingSnapshot, scorecard: Scorecard, **extra) -> dict:
    return {"snapshot": snapshot, "cycle": snapshot.cycle, "scorecard": scorecard, "agency": scorecard.agency,
            "back": scorecard_url(request.user, snapshot, scorecard.agency.code),
            "show_people": not has_role(request.user, Role.AGENCY), **extra}


def _counted_ids(snapshot: RankingSnapshot, scorecard: Scorecard, key: str) -> set[int] | None:
    """The ids the snapshot stored as counted (entry_ids / assessment_ids); None for a snapshot from before."""
    ids = (scorecard.inputs or {}).get(key)
    return None if ids is None else set(ids)


# --- public survey → dimension means and level counts → responses -----------------------

def _level_of(raw: str | None) -> int | None:
    if not raw:
        return None
    if raw not in {str(level) for level in LEVELS}:
        raise ValueError
    return int(raw)


@login_required
def responses(request, snapshot_id: int, agency_code: str):
    """The valid responses of the snapshot's period behind the agency's public survey, paged, contacts masked;
    `?dimension=` and `?level=` narrow them to the ratings behind one mean or one level count."""
    snapshot, scorecard = scorecard_visible(request.user, snapshot_id, agency_code)
    dimension = request.GET.get("dimension") or None
    if dimension is not None and dimension not in DIMENSIONS:
        return HttpResponseBadRequest(_("dimension：没有这个评价维度"))
    try:
        level = _level_of(request.GET.get("level"))
    except ValueError:
        return HttpResponseBadRequest(_("level：应为 1 至 5"))
    found = responses_behind(cycle=snapshot.cycle, agency=scorecard.agency, until=snapshot.until,
                             dimension=dimension, level=level)
    paginator = Paginator(found, RESPONSES_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    dimensions = {code: _(name) for code, name in DIMENSIONS.items()}
    levels = {number: _(name) for number, name in LEVELS.items()}
    rows = []
    for response in page.object_list:
        opinion = getattr(response, "opinion", None)
        rows.append({"response": response, "opinion": opinion,
                     "ratings": [(code, dimensions[code], value, levels.get(value))
                                 for code, value in response.ratings().items()]})
    parts = (scorecard.card.get("components", {}).get("public_survey") or {}).get("parts") or {}
    counts = (scorecard.inputs or {}).get("public_counts") or {}
    summary = [{"code": code, "label": label, "mean": (parts.get(code) or {}).get("mean"),
                "counts": [(lv, int((counts.get(code) or {}).get(str(lv), 0))) for lv in LEVELS],
                "n": sum(int(v) for v in (counts.get(code) or {}).values())}
               for code, label in dimensions.items()]
    query = "&".join(f"{key}={value}" for key, value in (("dimension", dimension), ("level", level)) if value)
    return render(request, "scoring/drill_responses.html", _context(
        request, snapshot, scorecard, page=page, rows=rows, dimensions=dimensions, levels=levels,
        dimension=dimension, level=level, summary=summary, query=f"{query}&" if query else "",
        page_range=paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        stored_n=(scorecard.inputs or {}).get("public_n"),
        selected=next((row for row in summary if row["code"] == dimension), None)))


# --- organizational → indicator → revision history --------------------------------------

@login_required
def indicator(request, snapshot_id: int, agency_code: str, indicator_id: int):
    """Every revision of the points given to the agency on one indicator: who, when, and the one counted."""
    snapshot, scorecard = scorecard_visible(request.user, snapshot_id, agency_code)
    item = get_object_or_404(Indicator, pk=indicator_id, cycle=snapshot.cycle)
    revisions = list(Assessment.objects.filter(indicator=item, agency=scorecard.agency)
                     .select_related("assessed_by").order_by("-revision"))
    counted = _counted_ids(snapshot, scorecard, "assessment_ids")
    cutoff = min(snapshot.until, snapshot.computed_at)
    if counted is None:  # a snapshot from before the ids were kept: the latest revision before it was computed
        before = [r for r in revisions if r.assessed_at < cutoff]
        counted = {before[0].pk} if before else set()
    for revision in revisions:
        revision.counted = revision.pk in counted
        revision.since = revision.assessed_at >= cutoff
    return render(request, "scoring/drill_indicator.html", _context(
        request, snapshot, scorecard, indicator=item, revisions=revisions))


# --- inspection, bonus, deduction → ledger entry, its source and its reversal ----------------

def _source_link(request, entry: ScoreEntry, snapshot: RankingSnapshot) -> tuple[str, str] | None:
    """(label, url) of what booked the entry: the finding (with its visit and photos) or the notice."""
    parts = (entry.source_key or "").split(":")
    if len(parts) >= 2 and parts[1].isdigit():
        if parts[0] == "finding":
            url = reverse("inspections:finding", args=[int(parts[1])])
            return _("察访问题、察访记录与证据照片"), f"{url}?snapshot={snapshot.pk}"
        if parts[0] == "notice":
            return _("整改通知 #%(id)s") % {"id": parts[1]}, notice_url(request.user, parts[1])
    return None


@login_required
def entry(request, snapshot_id: int, agency_code: str, entry_id: int):
    """One ledger entry of the agency: kind, points, reason, who and when, whether the snapshot counted it,
    what booked it, and the reversal that cancels it (or the entry it cancels)."""
    snapshot, scorecard = scorecard_visible(request.user, snapshot_id, agency_code)
    item = get_object_or_404(ScoreEntry.objects.select_related("reverses", "created_by"), pk=entry_id,
                             cycle=snapshot.cycle, agency=scorecard.agency)
    reversal = ScoreEntry.objects.filter(reverses=item).select_related("created_by").first()
    counted = _counted_ids(snapshot, scorecard, "entry_ids")
    cutoff = min(snapshot.until, snapshot.computed_at)

    def was_counted(e: ScoreEntry | None) -> bool | None:
        if e is None:
            return None
        return e.pk in counted if counted is not None else e.created_at < cutoff

    return render(request, "scoring/drill_entry.html", _context(
        request, snapshot, scorecard, entry=item, reversal=reversal, counted=was_counted(item),
        reversal_counted=was_counted(reversal), reverses_counted=was_counted(item.reverses),
        source=_source_link(request, item, snapshot)))
