"""/dashboard/charts/…: the dashboard's chart panel (an htmx partial) and the JSON each chart draws.

Every route takes the dashboard's own switches — `cycle`, `period` and `group` — and answers a bad
one with 400 naming the field. Office roles only, as the dashboard.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from agencies.access import require_role
from agencies.choices import Role
from agencies.models import Agency, AgencyGroup, Cycle
from agencies.selectors import cycle_current

from . import charts, dashboard_parts, selectors
from .models import RankingSnapshot


class BadChoice(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _choices(request) -> tuple[Cycle | None, RankingSnapshot | None, str]:
    """The cycle, the snapshot (newest of the period) and the group the request asks for."""
    code = request.GET.get("cycle") or ""
    cycle = Cycle.objects.filter(code=code).first() if code else cycle_current()
    if code and cycle is None:
        raise BadChoice("cycle", _("没有这个评议周期：%(code)s") % {"code": code})
    period = request.GET.get("period") or ""
    snapshot = None
    if cycle is not None:
        if period and period not in selectors.snapshot_periods(cycle=cycle):
            raise BadChoice("period", _("本周期没有这一期间的排名快照：%(period)s") % {"period": period})
        snapshot = selectors.snapshot_newest(cycle=cycle, period=period or None)
    group = request.GET.get("group") or ""
    if group and not AgencyGroup.objects.filter(code=group).exists():
        raise BadChoice("group", _("没有这个分组：%(group)s") % {"group": group})
    return cycle, snapshot, group


def _json_view(answer):
    """A chart's JSON route: office roles, the request's switches checked (400 naming the field)."""
    @login_required
    def view(request):
        require_role(request.user, Role.ADMIN, Role.LEADER)
        try:
            cycle, snapshot, group = _choices(request)
            data = answer(request, cycle, snapshot, group)
        except BadChoice as exc:
            return JsonResponse({exc.field: [exc.message]}, status=400)
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    view.__name__ = answer.__name__
    view.__doc__ = answer.__doc__
    return view


def _empty(snapshot) -> dict:
    return {"empty": True, "message": _("本周期还没有排名快照。")}


@_json_view
def ranking(request, cycle, snapshot, group):
    """Dot plot of totals with their 95% intervals."""
    if snapshot is None:
        return _empty(snapshot)
    return dashboard_parts.snapshot_data("chart-ranking", snapshot, group, lambda: charts.ranking(snapshot, group))


@_json_view
def heatmap(request, cycle, snapshot, group):
    """Heat map of agencies × dimensions."""
    if snapshot is None:
        return _empty(snapshot)
    return dashboard_parts.snapshot_data("chart-heatmap", snapshot, group, lambda: charts.heatmap(snapshot, group))


@_json_view
def trends(request, cycle, snapshot, group):
    """Totals, ranks over weekly, monthly or quarterly snapshots; `kind`, `agencies` (codes, comma-separated)."""
    if cycle is None:
        return _empty(snapshot)
    kind = request.GET.get("kind") or "month"
    if kind not in charts.TREND_KINDS:
        raise BadChoice("kind", _("趋势的期间类型应为 week、month 或 quarter"))
    codes = [c for c in (request.GET.get("agencies") or "").split(",") if c.strip()]
    if len(codes) > charts.TREND_MAX_AGENCIES:
        raise BadChoice("agencies", _("最多同时比较 %(n)d 个机关") % {"n": charts.TREND_MAX_AGENCIES})
    if not codes and snapshot is not None:
        codes = charts.trend_defaults(snapshot, group)
    found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise BadChoice("agencies", _("没有这个机关：%(code)s") % {"code": "、".join(unknown)})
    data = charts.trends(cycle, kind, [found[c] for c in codes], group)
    data["choices"] = [{"agency": c.agency.code, "name": c.agency.name}
                       for c in charts.cards_shown(snapshot, group)] if snapshot else []
    return data


@_json_view
def funnel(request, cycle, snapshot, group):
    """The rectification funnel of the cycle."""
    return charts.funnel(cycle, group) if cycle else _empty(snapshot)


@_json_view
def responses(request, cycle, snapshot, group):
    """Survey responses per day and channel in the snapshot's period."""
    return charts.responses(snapshot, group) if snapshot else _empty(snapshot)


@login_required
def panel(request):
    """The chart panel with its own period and group switches; htmx swaps it in place."""
    require_role(request.user, Role.ADMIN, Role.LEADER)
    try:
        cycle, snapshot, group = _choices(request)
    except BadChoice as exc:
        return JsonResponse({exc.field: [exc.message]}, status=400)
    return render(request, "scoring/partials/charts_panel.html", panel_context(cycle, snapshot, group))


def panel_context(cycle, snapshot, group, *, periods=None, groups=None) -> dict:
    """What the panel's template needs: the switches, the query its charts fetch with, the trend's agencies."""
    query = {"cycle": cycle.code if cycle else "", "period": snapshot.period if snapshot else "", "group": group}
    cards = charts.cards_shown(snapshot, group) if snapshot else []
    chosen = set(charts.trend_defaults(snapshot, group, cards=cards)) if snapshot else set()
    return {"charts_cycle": cycle, "charts_snapshot": snapshot, "charts_group": group,
            "charts_query": urlencode(query),
            "charts_agencies": [(c.agency.code, c.agency.name, c.agency.code in chosen) for c in cards],
            "charts_periods": periods if periods is not None else (
                selectors.snapshot_periods(cycle=cycle) if cycle else []),
            "charts_groups": groups if groups is not None else (
                AgencyGroup.objects.order_by("order", "code").values_list("code", "name")),
            "charts_kinds": [("week", _("按周")), ("month", _("按月")), ("quarter", _("按季度"))]}
