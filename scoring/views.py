"""Pages of scoring: the assessors' grid, the office's ranking dashboard with its charts and exports,
the liaison's scorecard, and the public results of a published cycle."""
from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from agencies.access import is_admin, require_role
from agencies.choices import CycleStatus, Role
from agencies.models import Agency, AgencyGroup, Cycle
from agencies.scheme import CATEGORIES, COMPONENTS, DIMENSIONS, LEVELS
from agencies.selectors import agencies_active, cycle_current, cycles_named
from agencies.services import cycle_moves, cycle_status_change
from conduct_eval.errors import ConflictError
from conduct_eval.security import framable_by

from . import dashboard_parts, exports, selectors, services
from .forms import DashboardFilterForm, EntryForm, LedgerFilterForm, ReverseForm
from .models import Assessment, Indicator, Publication, RankingSnapshot, Scorecard, ScoreEntry
from .rankings import group_order, ranking_row, ranking_rows
from .templatetags.scoring_labels import period_label

# The method's reasons for leaving a component out (scoring/method.py REASONS): the cards store them
# in Chinese, the pages translate them.
REASON_LABELS = (gettext_noop("无服务窗口"), gettext_noop("暂无数据"))


def _names(mapping: dict) -> dict:
    """The scheme's Chinese names (dimensions, levels, components…) in the page's language."""
    return {code: _(name) for code, name in mapping.items()}


def _shown(component: dict) -> dict:
    """A row's component with its reason for being left out in the page's language."""
    return {**component, "reason_label": _(component["reason_label"])} if component.get("reason_label") else component



def _cycle_from(request) -> Cycle:
    """The cycle of `?cycle=` (its code or its exact name), else the current one; one that names nothing is a 404."""
    code = request.GET.get("cycle") or request.POST.get("cycle")
    cycle = _cycle_exact(code) if code else cycle_current()
    if cycle is None:
        raise Http404(_("没有这个评议周期：%(code)s") % {"code": code} if code else "还没有评议周期")
    return cycle


def _cycle_exact(value: str) -> Cycle | None:
    found = [c for c in cycles_named(value) if value.strip().lower() in (c.code.lower(), c.name)]
    return found[0] if len(found) == 1 else None


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages
    return [str(exc)]


# --- /dashboard/ledger/ -----------------------------------------------------------------

LEDGER_PAGE_SIZE = 50


@login_required
def ledger(request):
    """计分台账: the cycle's entries, and the office books a bonus, a deduction or a veto (POST)."""
    require_role(request.user, Role.ADMIN)
    filters = LedgerFilterForm(request.GET)
    valid = filters.is_valid()
    # A filter value that names nothing is an error under its field and an empty ledger (of the current cycle
    # when the cycle is the bad value), and nothing is booked.
    cycle = (filters.cleaned_data.get("cycle") if valid else None) or cycle_current()
    if cycle is None:
        raise Http404("还没有评议周期")
    form = EntryForm(request.POST or None)
    if request.method == "POST" and valid and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.score_entry_book(cycle=cycle, agency=data["agency"], kind=data["kind"],
                                              points=data["points"] if data["points"] is not None else 0,
                                              reason=data["reason"], actor=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记：%(entry)s") % {"entry": entry})
            return redirect(f"{request.path}?cycle={cycle.code}")
    entries = selectors.score_entries_visible(user=request.user, cycle=cycle).select_related("reversed_by")
    if not valid:
        entries = entries.none()
    elif agency := filters.cleaned_data.get("agency"):
        entries = entries.filter(agency=agency)
    return render(request, "scoring/ledger.html", {
        "cycle": cycle, "cycles": Cycle.objects.order_by("-starts_on"), "form": form, "filters": filters,
        "agency": filters.data.get("agency", ""),
        "agencies": agencies_active().order_by("code"), "reverse_form": ReverseForm(),
        "page": Paginator(entries, LEDGER_PAGE_SIZE).get_page(request.GET.get("page")),
    }, status=400 if form.errors or not valid else 200)


@login_required
@require_POST
def ledger_reverse(request, entry_id: int):
    """The office cancels an entry with a reversing one (a reason is required; an entry is reversed once)."""
    require_role(request.user, Role.ADMIN)
    entry = get_object_or_404(ScoreEntry.objects.select_related("cycle"), pk=entry_id)
    form = ReverseForm(request.POST)
    try:
        services.score_entry_reverse(entry=entry, reason=form.cleaned_data["reason"] if form.is_valid() else "",
                                     actor=request.user)
    except (ValidationError, ConflictError) as exc:
        messages.error(request, "；".join(_messages_of(exc)))
    else:
        messages.success(request, _("已冲销：%(entry)s") % {"entry": entry})
    return redirect(f"/dashboard/ledger/?cycle={entry.cycle.code}")


# --- /assess/ -------------------------------------------------------------------------

@login_required
def assess(request):
    """组织考评: agencies × the indicators of the assessor's unit, each cell saved on its own (htmx)."""
    require_role(request.user, Role.ASSESSOR, Role.ADMIN)
    cycle = _cycle_from(request)
    indicators = list(selectors.indicators_of(cycle=cycle, user=request.user))
    agencies = list(agencies_active().order_by("group__order", "group__code", "code"))
    current = {(a.indicator_id, a.agency_id): a
               for a in selectors.assessments_latest(cycle=cycle).filter(indicator__in=indicators)}
    rows = [(agency, [(indicator, current.get((indicator.id, agency.id))) for indicator in indicators])
            for agency in agencies]
    progress = {"done": sum(1 for _agency, cells in rows for _indicator, held in cells if held),
                "total": len(indicators) * len(agencies)}
    return render(request, "scoring/assess.html", {"cycle": cycle, "indicators": indicators, "rows": rows,
                                                   "locked": cycle.is_locked, "progress": progress})


def _assess_progress(cycle: Cycle, user) -> dict:
    """How many cells of the assessor's grid hold a score, of how many."""
    indicators = selectors.indicators_of(cycle=cycle, user=user)
    done = (Assessment.objects.filter(indicator__in=indicators, agency__active=True)
            .values("indicator_id", "agency_id").distinct().count())
    return {"done": done, "total": indicators.count() * agencies_active().count()}


@login_required
@require_POST
def assess_cell(request):
    """Save one cell of the grid; answers the cell again, with the saved value or the error."""
    require_role(request.user, Role.ASSESSOR, Role.ADMIN)
    cycle = _cycle_from(request)
    indicator = get_object_or_404(Indicator, cycle=cycle, code=request.POST.get("indicator", ""))
    agency = get_object_or_404(Agency, code=request.POST.get("agency", ""), active=True)
    if not selectors.may_assess(request.user, indicator):
        raise PermissionDenied
    points = request.POST.get("points", "").strip()
    context = {"cycle": cycle, "indicator": indicator, "agency": agency, "value": points, "errors": []}
    try:
        context["assessment"] = services.assessment_put(indicator=indicator, agency=agency, points=points,
                                                        note=request.POST.get("note", ""), actor=request.user)
        context["saved"] = True
        context["progress"] = _assess_progress(cycle, request.user)
    except (ValidationError, ConflictError) as exc:
        context["errors"] = _messages_of(exc)
    return render(request, "scoring/partials/assess_cell.html", context)


# --- /dashboard/ ----------------------------------------------------------------------

@login_required
def dashboard(request):
    """排名: the snapshot of a period, overall or per group, a page of its table at a time, with outcome badges
    and a period switch. The table's page and the chart panel come from the cache (scoring/dashboard_parts.py)."""
    require_role(request.user, Role.ADMIN, Role.LEADER)
    cycles = list(Cycle.objects.order_by("-starts_on"))  # the cycle switch; the asked one is among them
    filters, cycle, period, group = _dashboard_filters(request, cycles)
    snapshot = selectors.snapshot_newest(cycle=cycle, period=period)
    parts = dashboard_parts.dashboard_parts(cycle=cycle, snapshot=snapshot, group=group, period=period or "",
                                            page=dashboard_parts.page_asked(request.GET.get("page")))
    if not filters.is_valid():
        parts = {**parts, "table": ""}  # the error under its field, and no rows
    if request.headers.get("HX-Target") == dashboard_parts.TABLE_TARGET and snapshot \
            and not request.headers.get("HX-History-Restore-Request"):
        response = HttpResponse(parts["table"], status=200 if filters.is_valid() else 400)  # the table alone
        patch_vary_headers(response, ("HX-Target", "HX-History-Restore-Request"))
        return response
    response = render(request, "scoring/dashboard.html", {
        "cycle": cycle, "cycles": cycles, "periods": parts["periods"],
        "snapshot": snapshot, "group": group, "groups": parts["groups"], "parts": parts,
        "is_admin": is_admin(request.user),
        "may_finalize": is_admin(request.user) and cycle.status in (CycleStatus.CLOSED, CycleStatus.PUBLISHED)
        and not RankingSnapshot.objects.filter(cycle=cycle, final=True).exists(),
        # only a final result has a publication, and only a closed (or then published) cycle has a final result
        "publication": selectors.publication_of(cycle=cycle)
        if cycle.status in (CycleStatus.CLOSED, CycleStatus.PUBLISHED) else None,
        "inputs_changed_at": selectors.inputs_changed_since(cycle, newest=None if period else snapshot),
        "cycle_moves": [(status, _(CYCLE_MOVE_LABELS[status])) for status in cycle_moves(cycle)]
        if is_admin(request.user) else [],
        "filters": filters,
    }, status=200 if filters.is_valid() else 400)
    patch_vary_headers(response, ("HX-Target", "HX-History-Restore-Request"))
    return response


def _dashboard_filters(request, cycles: list[Cycle]) -> tuple[DashboardFilterForm, Cycle, str | None, str]:
    """The dashboard's filter form, the cycle (by code or name, of `cycles` or else by a part of its name), the
    period asked for (None: the newest) and the group's code ("" for all). A value that names nothing leaves the
    form invalid, and the page shows its error and no rows (of the current cycle when the cycle is the bad value).
    The periods are read only to check one asked for (the switch's list comes with the cached parts)."""
    code = request.GET.get("cycle") or ""
    named = None
    if code:
        exact = [c for c in cycles if code.strip().lower() in (c.code.lower(), c.name)]
        named = exact[0] if len(exact) == 1 else (_cycle_exact(code) if not exact else None)
    cycle = named or cycle_current()
    if cycle is None:
        raise Http404("还没有评议周期")
    periods = selectors.snapshot_periods(cycle=cycle) if request.GET.get("period") else ()
    filters = DashboardFilterForm(request.GET, periods=periods)
    if filters.is_valid() and code and named is None:
        filters.add_error("cycle", _("没有这个评议周期：%(code)s") % {"code": code})
    data = filters.cleaned_data if filters.is_valid() else {}
    return filters, cycle, data.get("period"), data["group"].code if data.get("group") else ""


# What the dashboard's buttons say for each move of the cycle's state machine.
CYCLE_MOVE_LABELS = {CycleStatus.OPEN: gettext_noop("开放评议周期"), CycleStatus.CLOSED: gettext_noop("结束评议周期"),
                     CycleStatus.PUBLISHED: gettext_noop("公布评议结果")}


@login_required
@require_POST
def dashboard_cycle_status(request):
    """The office moves the cycle along its state machine (the same service as the API and the admin)."""
    require_role(request.user, Role.ADMIN)
    cycle = _cycle_from(request)
    try:
        cycle = cycle_status_change(cycle=cycle, status=request.POST.get("status") or "", actor=request.user)
    except (ValidationError, ConflictError) as exc:
        messages.error(request, "；".join(_messages_of(exc)))
    else:
        messages.success(request, _("评议周期现为“%(status)s”") % {"status": cycle.get_status_display()})
    return redirect(f"/dashboard/?cycle={cycle.code}")


def _table_rows(snapshot: RankingSnapshot | None) -> list[dict]:
    """The snapshot's rows as the API answers them, each with its components in the table's column order."""
    rows = ranking_rows(snapshot, selectors.scorecards_of(snapshot)) if snapshot else []
    for row in rows:
        row["cells"] = [{**_shown(row["components"].get(code, {})), "label": _(COMPONENTS[code])}
                        for code in COMPONENTS]
    return rows


@login_required
def dashboard_export(request, snapshot_id: str, fmt: str):
    """三挂钩: the shown snapshot's rankings (of the shown group) as CSV or XLSX for cadre management."""
    require_role(request.user, Role.ADMIN, Role.LEADER)
    snapshot = get_object_or_404(RankingSnapshot.objects.select_related("cycle"), pk=snapshot_id)
    export = exports.rankings_export(snapshot, group=request.GET.get("group") or "", fmt=fmt)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = export.content_disposition
    return response


@login_required
@require_POST
def dashboard_recompute(request):
    """The office recomputes a period now, or stores the final annual result (closed cycle)."""
    require_role(request.user, Role.ADMIN)
    cycle = _cycle_from(request)
    period = request.POST.get("period") or "cycle"
    final = request.POST.get("final") == "1"
    try:
        services.recompute_request(cycle=cycle, period=period, final=final, actor=request.user)
    except (ValidationError, ConflictError) as exc:
        messages.error(request, "；".join(_messages_of(exc)))
    else:
        messages.success(request, _("年度最终结果已生成") if final
                         else _("已重新计算：%(period)s") % {"period": period_label(period)})
    return redirect(f"/dashboard/?{urlencode({'cycle': cycle.code, 'period': period})}")  # period is the request's


@login_required
@require_POST
def dashboard_publication_retry(request, publication_id: int):
    """The office carries out a final result's consequences again (they are made once, whatever happened before)."""
    require_role(request.user, Role.ADMIN)
    publication = get_object_or_404(Publication.objects.select_related("snapshot__cycle"), pk=publication_id)
    if publication.done_at is None:
        services.publication_carry_out(publication_id=publication.pk)
        publication.refresh_from_db()
    if publication.done_at is not None:
        messages.success(request, _("年度结果的表彰名单、谈话提醒和整改通知已发出"))
    else:
        messages.error(request, _("执行未完成：%(error)s") % {"error": publication.last_error or _("正由其他进程执行")})
    return redirect(f"/dashboard/?cycle={publication.snapshot.cycle.code}")


@login_required
def dashboard_scorecard(request, snapshot_id: int, agency_code: str):
    """Drill-down: from a total to its components, and from each component to what makes it."""
    require_role(request.user, Role.ADMIN, Role.LEADER)
    snapshot = get_object_or_404(RankingSnapshot.objects.select_related("cycle"), pk=snapshot_id)
    scorecard = selectors.scorecard_of(snapshot, agency_code=agency_code)
    if scorecard is None:
        raise Http404("该快照中没有这个机关")
    context = _scorecard_context(snapshot, scorecard)
    context["inputs_changed_at"] = selectors.inputs_changed_since(snapshot.cycle)
    return render(request, "scoring/scorecard.html", context)


def _scorecard_context(snapshot: RankingSnapshot, scorecard: Scorecard) -> dict:
    cycle, agency = snapshot.cycle, scorecard.agency
    inputs = scorecard.inputs
    row = ranking_row(scorecard, selectors.veto_reasons_of(snapshot) if scorecard.veto else None)
    return {
        "snapshot": snapshot, "cycle": cycle, "scorecard": scorecard, "agency": agency,
        "row": row, "card": scorecard.card,
        "cells": [(code, _(COMPONENTS[code]), _shown(row["components"].get(code, {}))) for code in COMPONENTS],
        "components": _names(COMPONENTS),
        "public": _count_table(inputs.get("public_counts") or {}, _names(DIMENSIONS),
                               _parts(scorecard, "public_survey")),
        "appraisal": _count_table(inputs.get("appraisal_counts") or {}, _names(CATEGORIES),
                                  _parts(scorecard, "appraisal")),
        "inputs": inputs, "levels": _names(LEVELS),
        **_counted_and_since(snapshot, scorecard),
        "radar_chart": _radar_chart(scorecard), "trend_chart": _trend_chart(snapshot, agency),
    }


def _counted_and_since(snapshot: RankingSnapshot, scorecard: Scorecard) -> dict:
    """The entries and assessment revisions the snapshot counted (its stored ids), and apart from them what was
    booked or assessed since (快照后新增, not counted). A snapshot stored before the ids were kept counts
    what was there before it was computed."""
    cycle, agency = snapshot.cycle, scorecard.agency
    ids = scorecard.inputs or {}
    entries = list(selectors.entries_behind(cycle=cycle, agency=agency, until=timezone.now()))
    assessments = list(selectors.assessments_latest(cycle=cycle).filter(agency=agency)
                       .select_related("indicator", "assessed_by").order_by("indicator__code"))
    if "entry_ids" in ids:
        counted_entries, counted_assessments = set(ids["entry_ids"]), set(ids["assessment_ids"])
        counted = [e for e in entries if e.pk in counted_entries]
        revisions = list(Assessment.objects.filter(pk__in=counted_assessments)
                         .select_related("indicator", "assessed_by").order_by("indicator__code"))
    else:
        cutoff = min(snapshot.until, snapshot.computed_at)
        counted = [e for e in entries if e.created_at < cutoff]
        counted_entries = {e.pk for e in counted}
        revisions = list(selectors.assessments_latest(cycle=cycle, until=cutoff).filter(agency=agency)
                         .select_related("indicator", "assessed_by").order_by("indicator__code"))
        counted_assessments = {a.pk for a in revisions}
    return {"entries": counted, "assessments": revisions,
            "entries_since": [e for e in entries if e.pk not in counted_entries],
            "assessments_since": [a for a in assessments if a.pk not in counted_assessments]}


def _float(value) -> float | None:
    return None if value is None else float(value)


def _radar_chart(scorecard: Scorecard) -> dict | None:
    """The eight dimensions' means of the public survey (None where nobody rated); None without any."""
    parts = (scorecard.card.get("components", {}).get("public_survey") or {}).get("parts") or {}
    means = [_float((parts.get(code) or {}).get("mean")) for code in DIMENSIONS]
    if all(mean is None for mean in means):
        return None
    return {"labels": list(_names(DIMENSIONS).values()), "means": means,
            "n": [(parts.get(code) or {}).get("n", 0) for code in DIMENSIONS]}


def _trend_chart(snapshot: RankingSnapshot, agency: Agency) -> dict | None:
    """The agency's total across the cycle's stored periods; None with fewer than two points."""
    points = selectors.total_trend(cycle=snapshot.cycle, agency=agency)
    if len(points) < 2:
        return None
    return {"labels": [period_label(p["period"]) for p in points],
            "totals": [float(p["total"]) for p in points], "ranks": [p["rank_overall"] for p in points],
            "current": next((i for i, p in enumerate(points) if p["period"] == snapshot.period), None)}


def _parts(scorecard: Scorecard, component: str) -> dict:
    """The stored per-dimension (or per-category) means and counts of a component of the scorecard."""
    return ((scorecard.card or {}).get("components", {}).get(component) or {}).get("parts") or {}


def _count_table(counts: dict, names: dict[str, str], parts: dict | None = None) -> list[dict]:
    """[{code, label, counts: [(level, count) for level 1..5], n, mean}] for the dimensions or categories that
    have ratings; the mean is the one the snapshot stored (its component's parts)."""
    table = []
    for code, label in names.items():
        levels = {int(k): v for k, v in (counts.get(code) or {}).items()}
        if levels:
            row = [(level, levels.get(level, 0)) for level in LEVELS]
            table.append({"code": code, "label": label, "counts": row, "n": sum(c for _level, c in row),
                          "mean": ((parts or {}).get(code) or {}).get("mean")})
    return table


# --- /agency/ -------------------------------------------------------------------------

@login_required
def agency_scorecard(request):
    """The liaison's own agency: its scorecard in the newest snapshot of the current cycle."""
    require_role(request.user, Role.AGENCY)
    cycle = _cycle_from(request)
    snapshot = selectors.snapshot_newest(cycle=cycle)
    scorecard = None
    if snapshot is not None:
        scorecard = selectors.scorecard_of(snapshot, agency_id=request.user.agency_id)
    if scorecard is None:
        return render(request, "scoring/agency.html", {"cycle": cycle, "agency": request.user.agency})
    return render(request, "scoring/agency.html", _scorecard_context(snapshot, scorecard))


# --- /public/ -------------------------------------------------------------------------

def _public_groups(rows: list[dict]) -> list[tuple[str, str, list[dict]]]:
    """[(group code, name, its rows in group order)] for the groups that have rows; rows gain `group_name`."""
    if not rows:
        return []
    names = dict(AgencyGroup.objects.order_by("order", "code").values_list("code", "name"))
    by_group: dict[str, list[dict]] = {code: [] for code in names}
    for row in rows:
        row["group_name"] = names.get(row["group"], row["group"])
        by_group.setdefault(row["group"], []).append(row)
    return [(code, names.get(code, code), sorted(members, key=group_order))
            for code, members in by_group.items() if members]


def public_results(request):
    """评议结果公开: a published cycle's final rankings, overall and by group, for anyone; no personal data.

    Beside them, when the office has released one, the current period's provisional ranking, labelled as such.
    """
    cycle, snapshot = selectors.snapshot_published(cycle_code=request.GET.get("cycle") or None)
    if request.GET.get("cycle") and cycle is None:
        raise Http404("没有这个已公布的评议周期")
    provisional = None if request.GET.get("cycle") else selectors.release_current()
    rows = _table_rows(snapshot)
    provisional_rows = _table_rows(provisional)
    return render(request, "scoring/public.html", {
        "cycle": cycle, "snapshot": snapshot, "rows": rows, "groups": _public_groups(rows),
        "provisional": provisional, "provisional_rows": provisional_rows,
        "provisional_groups": _public_groups(provisional_rows), "components": _names(COMPONENTS),
        "published": Cycle.objects.filter(status=CycleStatus.PUBLISHED).order_by("-starts_on") if cycle else [],
    })


# --- results in public, as they happen (公开化 / 实时评价) ------------------------------------

def _public_rows(snapshot: RankingSnapshot | None) -> list[dict]:
    """A public snapshot's rows with their group names: totals, ranks, outcomes; never a person."""
    rows = _table_rows(snapshot)
    _public_groups(rows)
    return rows


def _agency_public_history(agency: Agency) -> list[dict]:
    """The agency's standing in every snapshot the public may see, oldest first (for its trend)."""
    history = []
    snapshots = selectors.snapshots_public()
    cards = selectors.scorecards_of_agency(snapshots, agency_id=agency.pk)
    for snapshot in snapshots:
        card = cards.get(snapshot.pk)
        if card is not None:
            reason = selectors.veto_reasons_of(snapshot).get(agency.pk) if card.veto else None
            history.append({"snapshot": snapshot, "cycle": snapshot.cycle, "period": snapshot.period,
                            "veto_reason": reason, "final": snapshot.final, "total": card.total,
                            "rank_overall": card.rank_overall, "rank_in_group": card.rank_in_group,
                            "outcome": card.outcome, "veto": card.veto})
    return history


def public_agency(request, agency_code: str):
    """One agency in public: its standing in each public result, its trend and its rectification rate."""
    from rectification.selectors import notice_stats  # the page face may read another app's selectors

    agency = get_object_or_404(Agency.objects.select_related("group"), code=agency_code, active=True)
    history = _agency_public_history(agency)
    cycles = {}
    for point in history:
        cycles.setdefault(point["cycle"].pk, point["cycle"])
    current = cycle_current()
    if current is not None and (current.pk in cycles or selectors.release_current(cycle=current)):
        cycles.setdefault(current.pk, current)
    rectification = [(cycle, notice_stats(cycle=cycle, agency_id=agency.pk))
                     for cycle in sorted(cycles.values(), key=lambda c: c.starts_on, reverse=True)]
    trend = None
    if len(history) >= 2:
        trend = {"labels": [f"{p['cycle'].name} {period_label(p['period'])}" for p in history],
                 "totals": [float(p["total"]) for p in history], "ranks": [p["rank_overall"] for p in history],
                 "current": len(history) - 1}
    return render(request, "scoring/public_agency.html", {
        "agency": agency, "history": list(reversed(history)), "trend_chart": trend, "rectification": rectification,
    })


def _widget_summary(limit: int = 10) -> dict:
    """What the widget and the feed show: the newest public result (final, else the released provisional one)."""
    cycle, snapshot = selectors.snapshot_published()
    provisional = selectors.release_current()
    if provisional is not None and (snapshot is None or provisional.until > snapshot.until):
        snapshot, cycle = provisional, provisional.cycle
    rows = _public_rows(snapshot) if snapshot else []
    return {"cycle": cycle, "snapshot": snapshot, "rows": rows, "top": [r for r in rows if r["rank_overall"]][:limit]}


def public_widget(request):
    """评议结果小窗 — the summary partner websites (六网联动) embed in an iframe.

    Framable only by the origins of settings.PUBLIC_WIDGET_ORIGINS (https://…, space-separated in the
    environment); without any, it keeps the site-wide `frame-ancestors 'none'`.
    """
    origins = tuple(getattr(settings, "PUBLIC_WIDGET_ORIGINS", ()))
    view = framable_by(*origins)(_public_widget) if origins else _public_widget
    return view(request)


def _public_widget(request):
    return render(request, "scoring/public_widget.html", {**_widget_summary(), "base": settings.PUBLIC_BASE_URL})


FEED_CACHE_SECONDS = 300
PUBLIC_FEED_KEY = "public-feed:v1"


def public_feed(request):
    """The widget's data as JSON for partner websites, cached for five minutes (and by their caches too).

    The cache is a convenience: with it unreachable the feed is computed for each request, never refused.
    """
    summary_key = PUBLIC_FEED_KEY
    try:
        body = cache.get(summary_key)
    except Exception:  # a cache that is down costs a recompute of a small document, not the feed
        body = None
    if body is None:
        summary = _widget_summary(limit=10_000)
        snapshot = summary["snapshot"]
        body = {
            "cycle": summary["cycle"].code if summary["cycle"] else None,
            "cycle_name": summary["cycle"].name if summary["cycle"] else None,
            "snapshot": snapshot.pk if snapshot else None,
            "period": snapshot.period if snapshot else None,
            "period_label": period_label(snapshot.period) if snapshot else None,
            "final": bool(snapshot and snapshot.final),
            "computed_at": snapshot.computed_at.isoformat() if snapshot else None,
            "rows": [{"agency": r["agency"], "agency_name": r["agency_name"], "group": r["group"],
                      "group_name": r["group_name"], "total": str(r["total"]), "rank_overall": r["rank_overall"],
                      "rank_in_group": r["rank_in_group"], "outcome": r["outcome"]} for r in summary["rows"]],
        }
        with contextlib.suppress(Exception):  # not cached: the next request computes it again
            cache.set(summary_key, body, FEED_CACHE_SECONDS)
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={FEED_CACHE_SECONDS}"
    origins = getattr(settings, "PUBLIC_WIDGET_ORIGINS", ())
    origin = request.headers.get("Origin", "")
    if origin and origin in origins:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


@login_required
@require_POST
def dashboard_release(request, snapshot_id: int):
    """The office shows a period result on /public/ (or takes it off again)."""
    require_role(request.user, Role.ADMIN)
    snapshot = get_object_or_404(RankingSnapshot.objects.select_related("cycle"), pk=snapshot_id)
    try:
        if request.POST.get("withdraw"):
            services.snapshot_release_withdraw(snapshot=snapshot, actor=request.user)
            messages.success(request, _("已从结果公开页撤回本期阶段性排名。"))
        else:
            services.snapshot_release(snapshot=snapshot, actor=request.user)
            messages.success(request, _("本期阶段性排名已在结果公开页公开（标注为阶段性结果）。"))
    except ConflictError as exc:
        messages.error(request, str(exc))
    _public_feed_forget()
    return redirect(f"/dashboard/?cycle={snapshot.cycle.code}&period={snapshot.period}")


def _public_feed_forget() -> None:
    with contextlib.suppress(Exception):  # the cached feed then lives out its five minutes
        cache.delete(PUBLIC_FEED_KEY)
