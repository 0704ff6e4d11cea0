"""The dashboard's charts as JSON-ready data: each function answers one question about a snapshot.

Snapshots are read through `scoring.selectors` only; numbers are JSON numbers (floats), names are in
the page's language. The views (scoring/chart_views.py) check the request and pick the snapshot.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Cycle
from agencies.scheme import DEFAULT_SCHEME, DIMENSIONS
from rectification.choices import NoticeStatus
from rectification.models import RectificationNotice
from rectification.selectors import notice_stats
from surveys.choices import Channel
from surveys.models import Response

from . import selectors
from .models import RankingSnapshot, Scorecard
from .periods import period_parse
from .templatetags.scoring_labels import period_label

TREND_KINDS = {"week": re.compile(r"^\d{4}-W\d{2}$"), "month": re.compile(r"^\d{4}-\d{2}$"),
               "quarter": re.compile(r"^\d{4}-Q[1-4]$")}
TREND_DEFAULT_EACH_END = 3  # the trend chart starts with the top and bottom three of the shown snapshot
TREND_MAX_AGENCIES = 12


def _float(value) -> float | None:
    return None if value is None else float(value)


def cards_shown(snapshot: RankingSnapshot, group: str) -> list[Scorecard]:
    """The snapshot's scorecards in rank order, of one group when given."""
    cards = list(selectors.scorecards_of(snapshot))
    if group:
        cards = [c for c in cards if c.group_code == group]
        cards.sort(key=lambda c: (c.rank_in_group is None, c.rank_in_group or 0, c.agency.code))
    return cards


def fitted_axis(values: list[float]) -> dict:
    """Bounds that fit the data: its min and max widened by 5% of the range (at least a point), in whole points."""
    if not values:
        return {"min": 0, "max": 100}
    low, high = min(values), max(values)
    pad = max(1.0, (high - low) * 0.05)
    return {"min": math.floor(low - pad), "max": math.ceil(high + pad)}


def ranking(snapshot: RankingSnapshot, group: str) -> dict:
    """Dot plot: each agency's total with its 95% interval, coloured by outcome, on a fitted axis."""
    rows = []
    for card in cards_shown(snapshot, group):
        total = float(card.total)
        shown = card.full_card
        low, high = _float(shown.get("total_low")), _float(shown.get("total_high"))
        rows.append({"agency": card.agency.code, "name": card.agency.name, "total": total,
                     "low": low if low is not None else total, "high": high if high is not None else total,
                     "rank": card.rank_in_group if group else card.rank_overall, "outcome": card.outcome,
                     "outcome_label": card.get_outcome_display()})
    bounds = [r["low"] for r in rows] + [r["high"] for r in rows]
    return {"rows": rows, "axis": fitted_axis(bounds), "in_group": bool(group)}


def _level_points(snapshot: RankingSnapshot) -> dict[str, float]:
    points = (snapshot.scheme or {}).get("level_points") or DEFAULT_SCHEME["level_points"]
    return {str(level): float(p) for level, p in points.items()}


def heatmap(snapshot: RankingSnapshot, group: str) -> dict:
    """Agencies × the eight dimensions: the mean score of each dimension from the snapshot's stored counts."""
    points = _level_points(snapshot)
    # Agencies nobody rated in the public survey (no service window) have no row.
    cards = [c for c in cards_shown(snapshot, group)
             if any(sum(int(n) for n in by_level.values()) for by_level in
                    ((c.inputs or {}).get("public_counts") or {}).values())]
    cells, means = [], []
    for y, card in enumerate(cards):
        counts = (card.inputs or {}).get("public_counts") or {}
        for x, code in enumerate(DIMENSIONS):
            by_level = counts.get(code) or {}
            n = sum(int(c) for level, c in by_level.items() if str(level) in points)
            if not n:
                continue
            mean = round(sum(points[str(level)] * int(c) for level, c in by_level.items()
                             if str(level) in points) / n, 2)
            cells.append([x, y, mean, n])
            means.append(mean)
    return {"agencies": [c.agency.name for c in cards], "codes": [c.agency.code for c in cards],
            "dimensions": [_(name) for name in DIMENSIONS.values()], "cells": cells,
            "scale": fitted_axis(means) if means else {"min": 0, "max": 100}}


def _newest_per_period(cycle: Cycle, kind: str) -> list[RankingSnapshot]:
    """The newest snapshot of every stored `kind` period of the cycle, in time order."""
    pattern = TREND_KINDS[kind]
    newest: dict[str, RankingSnapshot] = {}
    for snapshot in RankingSnapshot.objects.filter(cycle=cycle).order_by("computed_at", "id"):
        if pattern.match(snapshot.period):
            newest[snapshot.period] = snapshot
    return sorted(newest.values(), key=lambda s: (s.until, s.period))


def trend_defaults(snapshot: RankingSnapshot, group: str, cards: list[Scorecard] | None = None) -> list[str]:
    """The agencies the trend starts with: the top and bottom few of the shown snapshot (ranked ones).
    `cards`: the snapshot's `cards_shown`, when the caller has read them already."""
    ranked = [c.agency.code for c in (cards if cards is not None else cards_shown(snapshot, group))
              if (c.rank_in_group if group else c.rank_overall) is not None]
    if len(ranked) <= 2 * TREND_DEFAULT_EACH_END:
        return ranked
    return ranked[:TREND_DEFAULT_EACH_END] + ranked[-TREND_DEFAULT_EACH_END:]


def trends(cycle: Cycle, kind: str, agencies: list, group: str) -> dict:
    """Total and rank of each chosen agency across the cycle's weekly, monthly or quarterly snapshots."""
    snapshots = _newest_per_period(cycle, kind)
    series = []
    for agency in agencies:
        cards = selectors.scorecards_of_agency(snapshots, agency_id=agency.pk)
        totals, ranks = [], []
        for snapshot in snapshots:
            card = cards.get(snapshot.pk)
            totals.append(float(card.total) if card else None)
            ranks.append((card.rank_in_group if group else card.rank_overall) if card else None)
        series.append({"agency": agency.code, "name": agency.name, "totals": totals, "ranks": ranks})
    values = [t for s in series for t in s["totals"] if t is not None]
    ranks = [r for s in series for r in s["ranks"] if r is not None]
    return {"kind": kind, "periods": [s.period for s in snapshots],
            "labels": [period_label(s.period) for s in snapshots], "series": series,
            "axis": fitted_axis(values), "rank_max": max(ranks) if ranks else 1, "in_group": bool(group)}


def funnel(cycle: Cycle, group: str) -> dict:
    """The rectification funnel of the cycle (of one group): issued → responded → verified, on time and overdue."""
    if group:
        notices = RectificationNotice.objects.filter(cycle=cycle, agency__group__code=group)
        figures = notices.exclude(status=NoticeStatus.WITHDRAWN).aggregate(
            issued=Count("id"), verified=Count("id", filter=Q(status=NoticeStatus.VERIFIED)),
            on_time=Count("id", filter=Q(status=NoticeStatus.VERIFIED, overdue=False)),
            overdue=Count("id", filter=Q(overdue=True)))
    else:
        notices = RectificationNotice.objects.filter(cycle=cycle)
        stats = notice_stats(cycle=cycle)
        figures = {key: stats[key] for key in ("issued", "verified", "on_time", "overdue")}
    # Responded: the liaison has answered at least once (whatever happened to the answer since).
    figures["responded"] = (notices.exclude(status=NoticeStatus.WITHDRAWN)
                            .filter(Q(responded_at__isnull=False) | Q(status=NoticeStatus.VERIFIED)).count())
    figures["late"] = figures["verified"] - figures["on_time"]
    stages = [("issued", _("已下发")), ("responded", _("已反馈")), ("verified", _("已核验"))]
    return {"stages": [{"key": key, "label": label, "value": figures[key]} for key, label in stages],
            "on_time": figures["on_time"], "overdue": figures["overdue"], "late": figures["late"],
            "labels": {"on_time": _("按期整改"), "overdue": _("逾期")}}


def responses(snapshot: RankingSnapshot, group: str) -> dict:
    """Public survey responses of the snapshot's period (of one group) per day and channel."""
    cycle = snapshot.cycle
    span = period_parse(snapshot.period, starts_on=cycle.starts_on, ends_on=cycle.ends_on)
    start = timezone.make_aware(datetime.combine(span.first_day, time.min))
    end = min(timezone.make_aware(datetime.combine(span.end_day, time.min)), snapshot.until)
    rows = Response.objects.filter(survey__cycle=cycle, submitted_at__gte=start, submitted_at__lt=end)
    if group:
        rows = rows.filter(agency__group__code=group)
    counts = (rows.annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()))
              .values("day", "channel").annotate(n=Count("id")).order_by())
    by_day: dict = {}
    for row in counts:
        by_day.setdefault(row["day"], {})[row["channel"]] = row["n"]
    last = (end - timedelta(microseconds=1)).astimezone(timezone.get_current_timezone()).date()
    days = []
    day = span.first_day
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    channels = [(value, label) for value, label in Channel.choices
                if any(value in by_day.get(d, {}) for d in days)]
    return {"days": [d.isoformat() for d in days],
            "series": [{"channel": value, "label": str(label),
                        "counts": [by_day.get(d, {}).get(value, 0) for d in days]} for value, label in channels],
            "total": sum(sum(v.values()) for d, v in by_day.items() if d in set(days))}

