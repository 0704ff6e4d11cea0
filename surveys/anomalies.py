"""Anomaly hints for the office (DESIGN.md: "a flagged window is reviewed, not silently believed").

Per agency and window over a span: how many responses, the share of them that are
duplicates or suspicious, the share of "ceiling" responses (every rated dimension 非常满意)
against the median of all windows, and the busiest hour against the window's usual hour.
The rating rate (responses ÷ transactions) needs the windows' transaction counts, which
ConductEval does not hold yet; it is left out rather than guessed.

Two GROUP BY queries, never a loop over responses.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext

from agencies.scheme import DIMENSIONS

from .choices import ResponseStatus
from .models import Response, Survey, rating_column

MIN_SAMPLE = 30  # below this a share says nothing
CEILING_SHARE = 0.9  # flagged when at least this share is all 非常满意 …
CEILING_ABOVE_PEERS = 0.3  # … and that is this far above the median window
BURST_MIN = 15  # flagged when one hour brings at least this many responses …
BURST_FACTOR = 5  # … and this many times the window's median busy hour
DOUBTFUL_SHARE = 0.2  # duplicates + suspicious


@dataclass
class WindowHint:
    agency_id: int
    agency_name: str
    window_name: str
    total: int
    valid: int
    doubtful: int
    ceiling: int
    peak_hour: datetime | None = None
    peak: int = 0
    usual: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def ceiling_share(self) -> float | None:
        return self.ceiling / self.valid if self.valid else None

    @property
    def doubtful_share(self) -> float | None:
        return self.doubtful / self.total if self.total else None


def response_anomalies(*, survey: Survey, since: datetime, until: datetime) -> list[WindowHint]:
    """Every agency × window with responses in [since, until), flagged ones first."""
    responses = Response.objects.filter(survey=survey, submitted_at__gte=since, submitted_at__lt=until)
    at_ceiling = Q(status=ResponseStatus.VALID)
    for d in DIMENSIONS:
        at_ceiling &= Q(**{f"{rating_column(d)}__isnull": True}) | Q(**{rating_column(d): 5})
    rows = (responses.values("agency_id", "agency__name", "window_id", "window__name")
            .annotate(total=Count("id"), valid=Count("id", filter=Q(status=ResponseStatus.VALID)),
                      doubtful=Count("id", filter=~Q(status=ResponseStatus.VALID)),
                      ceiling=Count("id", filter=at_ceiling))
            .order_by("agency_id", "window_id"))
    unnamed = gettext("（未指定窗口）")
    hints = {(r["agency_id"], r["window_id"]): WindowHint(
        agency_id=r["agency_id"], agency_name=r["agency__name"], window_name=r["window__name"] or unnamed,
        total=r["total"], valid=r["valid"], doubtful=r["doubtful"], ceiling=r["ceiling"]) for r in rows}
    hourly: dict[tuple, list[tuple[datetime, int]]] = {}
    for r in (responses.annotate(hour=TruncHour("submitted_at")).values("agency_id", "window_id", "hour")
              .annotate(n=Count("id")).order_by()):
        hourly.setdefault((r["agency_id"], r["window_id"]), []).append((r["hour"], r["n"]))
    for key, hours in hourly.items():
        hint = hints[key]
        hint.peak_hour, hint.peak = max(hours, key=lambda h: h[1])
        hint.usual = statistics.median(n for _, n in hours)
    shares = [h.ceiling_share for h in hints.values() if h.valid >= MIN_SAMPLE]
    peers = statistics.median(shares) if shares else 0.0
    for hint in hints.values():
        if hint.valid >= MIN_SAMPLE and hint.ceiling_share >= CEILING_SHARE \
                and hint.ceiling_share - peers >= CEILING_ABOVE_PEERS:
            hint.reasons.append(gettext("满分答卷占 %(share)s，各窗口中位数 %(peers)s") % {
                "share": f"{hint.ceiling_share:.0%}", "peers": f"{peers:.0%}"})
        if hint.peak >= BURST_MIN and hint.peak >= BURST_FACTOR * hint.usual:
            hour = timezone.localtime(hint.peak_hour)
            hint.reasons.append(gettext("%(hour)s时集中提交 %(peak)s 份（平时每小时约 %(usual)s 份）") % {
                "hour": f"{hour:%m-%d %H}", "peak": hint.peak, "usual": f"{hint.usual:g}"})
        if hint.total >= MIN_SAMPLE and hint.doubtful_share >= DOUBTFUL_SHARE:
            hint.reasons.append(gettext("重复或可疑答卷占 %(share)s") % {"share": f"{hint.doubtful_share:.0%}"})
    return sorted(hints.values(), key=lambda h: (not h.reasons, h.agency_name, h.window_name))
