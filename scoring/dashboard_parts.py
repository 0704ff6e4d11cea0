"""The dashboard's snapshot-bound parts — one page of its ranking table and its chart panel — rendered once and
then served from the cache.

At 2,000 agencies these are what the page costs: every scorecard read (twice for the panel), 2,000 table rows
and 2,000 options rendered. A snapshot never changes, so, as the rankings API's body (scoring/api/views.py),
a part keyed by the snapshot (its id, digest and time) needs no invalidation when results move: a recompute
stores a new snapshot, and with it come new keys; old entries merely expire unread (PART_SECONDS).

What a part shows beyond the snapshot is in its key too: the page's language, the table's group and page; the
panel is stored with the list of periods it offers, and rendered again when the list differs. The agencies' and
groups' names are read live, so a rename (any save or removal of an agency or a group) replaces the names token
every part is stored with, and a part stored under another token is rendered again (scoring/receivers.py).
Nothing in the parts depends on who reads them (admins and leaders see the same table and panel; the admin-only
controls are outside them).

The cache is a convenience: unreachable, the parts are rendered for each request, never refused; after a
failure it is left alone for DOWN_SECONDS, so that a hung Redis costs one timeout, not one per request.
"""
from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agencies.models import AgencyGroup
from agencies.scheme import COMPONENTS

from . import charts, selectors
from .models import RankingSnapshot
from .rankings import ranking_rows

PAGE_SIZE = 50
# How long a part is kept unread. Also the longest a rename made while the cache could not be reached (so its
# token could not be replaced) may show the old name once the cache is back with the parts it held.
PART_SECONDS = 3600
NAMES_KEY = "scoring:dashboard-names"
TABLE_TARGET = "dashboard-table"  # the table's element id: htmx swaps it when the reader turns a page

logger = logging.getLogger(__name__)


def names_changed() -> None:
    """An agency or a group was saved or removed: every part stored before renders again."""
    if _cache_down():
        return
    try:
        cache.set(NAMES_KEY, uuid.uuid4().hex, None)
    except Exception as exc:  # a cache that is down holds no part to go stale (see PART_SECONDS for after)
        _cache_failed(exc)


# After a failure the cache is left alone for a while: a Redis that hangs would otherwise cost each dashboard
# request its socket timeout (and a rename of 2,000 agencies one per agency). Per process, like the failure.
DOWN_SECONDS = 15.0
_down_until = 0.0


def _cache_down() -> bool:
    return time.monotonic() < _down_until


def _cache_failed(exc: Exception) -> None:
    global _down_until
    _down_until = time.monotonic() + DOWN_SECONDS
    logger.warning("dashboard cache unavailable for %.0f s: %s", DOWN_SECONDS, exc)


def page_asked(value: str | None) -> int:
    """The page the query asks for; anything but a positive number is the first."""
    return int(value) if value and value.isdigit() and 0 < int(value) < 10**6 else 1


def _snapshot_key(snapshot: RankingSnapshot) -> str:
    # The digest and the time too: an id alone could name another snapshot after a database is restored.
    return f"{snapshot.pk}:{snapshot.digest[:16]}:{snapshot.computed_at.timestamp()}"


def _key(kind: str, snapshot: RankingSnapshot, *parts) -> str:
    varying = hashlib.sha1(repr((get_language(), *parts)).encode()).hexdigest()[:20]  # the group comes from the URL
    return f"scoring:dashboard-{kind}:{_snapshot_key(snapshot)}:{varying}"


def _cache_read(keys: list[str]) -> dict | None:
    """The entries found and the names token (under NAMES_KEY); None when the cache cannot be read."""
    if _cache_down():
        return None
    try:
        found = cache.get_many([NAMES_KEY, *keys])
        if found.get(NAMES_KEY) is None:  # evicted or never set: a fresh token, so no part stored before counts
            cache.add(NAMES_KEY, uuid.uuid4().hex, None)
            found[NAMES_KEY] = cache.get(NAMES_KEY)
    except Exception as exc:  # a cache that is down costs a render, not the page
        _cache_failed(exc)
        return None
    return found


def _cache_write(entries: dict[str, tuple], token: str | None) -> None:
    if token is None or not entries or _cache_down():
        return
    try:
        cache.set_many({key: (token, *value) for key, value in entries.items()}, PART_SECONDS)
    except Exception as exc:  # not stored: the next request renders the part again
        _cache_failed(exc)


def dashboard_parts(*, cycle, snapshot: RankingSnapshot | None, group: str, period: str, page: int) -> dict:
    """What the dashboard shows of `snapshot` and of the cycle's snapshots, most of it from the cache:

    {"groups": the (code, name) pairs of the group switch, "periods": the cycle's periods with a snapshot,
     "table": one page of the ranking table as HTML, "charts": the chart panel as HTML} (no table and no panel
    without a snapshot). `period` is the one the page was asked for ("" for the newest snapshot of any), kept
    in the table's page links. One round trip to the cache when everything is there.

    The periods change only when a snapshot is stored, so when the newest of the cycle is shown they are kept
    under its key; for an older period they are read.
    """
    keys = {"groups": "scoring:dashboard-groups"}
    if snapshot is not None:
        if not period:
            keys["periods"] = f"scoring:dashboard-periods:{cycle.pk}:{_snapshot_key(snapshot)}"
        keys["table"] = _key("table", snapshot, cycle.code, period, group, page)
        keys["charts"] = _key("charts", snapshot, cycle.code, group)
    found = _cache_read(list(keys.values())) or {}
    token = found.get(NAMES_KEY)
    held = {}
    for name, key in keys.items():
        value = found.get(key)
        if token is not None and isinstance(value, tuple) and len(value) == 3 and value[0] == token:
            held[name] = value[1:]
    fresh = {}
    if "groups" in held:
        groups = held["groups"][1]
    else:
        groups = list(AgencyGroup.objects.order_by("order", "code").values_list("code", "name"))
        fresh[keys["groups"]] = (None, groups)
    if "periods" in held:
        periods = held["periods"][1]
    else:
        periods = selectors.snapshot_periods(cycle=cycle)
        if "periods" in keys:
            fresh[keys["periods"]] = (None, periods)
    parts = {"groups": groups, "periods": periods}
    if snapshot is not None:
        if "table" in held:
            parts["table"] = held["table"][1]
        else:
            html, shown = _table(cycle, snapshot, group, period, page)
            parts["table"] = html
            if shown == page:  # a page past the last shows the last, and is not kept under the asked number
                fresh[keys["table"]] = (None, html)
        if "charts" in held and held["charts"][0] == periods:  # the panel's period switch lists them too
            parts["charts"] = held["charts"][1]
        else:
            from .chart_views import panel_context  # the chart routes use this module's cache too

            parts["charts"] = render_to_string("scoring/partials/charts.html",
                                               panel_context(cycle, snapshot, group, periods=periods, groups=groups))
            fresh[keys["charts"]] = (periods, parts["charts"])
        parts["table"], parts["charts"] = mark_safe(parts["table"]), mark_safe(parts["charts"])  # our templates'
    _cache_write(fresh, token)
    return parts


def snapshot_data(kind: str, snapshot: RankingSnapshot, group: str, build: Callable[[], Any]) -> Any:
    """What `build()` makes of `snapshot` (of one group), from the cache as the parts are: the chart panel's
    per-snapshot JSON (the dot plot and the heat map read every scorecard to make it)."""
    key = _key(kind, snapshot, group)
    found = _cache_read([key]) or {}
    token, value = found.get(NAMES_KEY), found.get(key)
    if token is not None and isinstance(value, tuple) and len(value) == 3 and value[0] == token:
        return value[2]
    data = build()
    _cache_write({key: (None, data)}, token)
    return data


def _table(cycle, snapshot: RankingSnapshot, group: str, period: str, page: int) -> tuple[str, int]:
    """The table's page as HTML, and the number of the page it shows."""
    from .views import _names, _shown  # the pages' one way of naming the scheme and showing a component

    # In rank order; the overall table reads one page of them, a group's table its members in group order.
    cards = charts.cards_shown(snapshot, group) if group else selectors.scorecards_of(snapshot)
    paginator = Paginator(cards, PAGE_SIZE)
    shown = paginator.get_page(page)
    rows = ranking_rows(snapshot, shown.object_list)
    for row in rows:
        row["cells"] = [{**_shown(row["components"].get(code, {})), "label": _(COMPONENTS[code])}
                        for code in COMPONENTS]
    query = {"cycle": cycle.code, **({"period": period} if period else {}), **({"group": group} if group else {})}

    def href(number) -> str:
        return f"?{urlencode({**query, 'page': number})}"

    links = [(number, href(number) if number != Paginator.ELLIPSIS else "")
             for number in paginator.get_elided_page_range(shown.number, on_each_side=2, on_ends=1)]
    html = render_to_string("scoring/partials/dashboard_table.html", {
        "snapshot": snapshot, "group": group, "rows": rows, "page": shown, "page_links": links,
        "ellipsis": Paginator.ELLIPSIS, "total": paginator.count, "components": _names(COMPONENTS),
        "target": TABLE_TARGET,
        "previous_href": href(shown.previous_page_number()) if shown.has_previous() else "",
        "next_href": href(shown.next_page_number()) if shown.has_next() else "",
    })
    return html, shown.number
