"""The dashboard's snapshot-bound parts — one page of its ranking table and its chart panel — rendered once and
then served from the cache.

At 2,000 agencies these are what the page costs: every scorecard read (twice for the panel), 2,000 table rows
and 2,000 options rendered. A snapshot never changes, so, as the rankings API's body (scoring/api/views.py),
a part keyed by the snapshot (its id, digest and time) needs no invalidation when results move: a recompute
stores a new snapshot, and with it come new keys; old entries merely expire unread.

What a part shows beyond the snapshot is in its key too: the page's language, the table's group and page, the
panel's list of periods. The agencies' and groups' names are read live, so a rename (any save or removal of an
agency or a group) replaces the names token every part is stored with, and a part stored under another token
is rendered again (scoring/receivers.py). Nothing in the parts depends on who reads them (admins and leaders
see the same table and panel; the admin-only controls are outside them).

The cache is a convenience: unreachable, the parts are rendered for each request, never refused.
"""
from __future__ import annotations

import contextlib
import hashlib
import uuid
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from agencies.scheme import COMPONENTS

from . import selectors
from .chart_views import panel_context
from .models import RankingSnapshot
from .rankings import group_order, ranking_rows

PAGE_SIZE = 50
PART_SECONDS = 24 * 3600
NAMES_KEY = "scoring:dashboard-names"
TABLE_TARGET = "dashboard-table"  # the table's element id: htmx swaps it when the reader turns a page


def names_changed() -> None:
    """An agency or a group was saved or removed: every part stored before renders again."""
    with contextlib.suppress(Exception):  # a cache that is down holds no part to go stale
        cache.set(NAMES_KEY, uuid.uuid4().hex, None)


def page_asked(value: str | None) -> int:
    """The page the query asks for; anything but a positive number is the first."""
    return int(value) if value and value.isdigit() and 0 < int(value) < 10**6 else 1


def _snapshot_key(snapshot: RankingSnapshot) -> str:
    # The digest and the time too: an id alone could name another snapshot after a database is restored.
    return f"{snapshot.pk}:{snapshot.digest[:16]}:{snapshot.computed_at.timestamp()}"


def _key(kind: str, snapshot: RankingSnapshot, *parts) -> str:
    varying = hashlib.sha1(repr((get_language(), *parts)).encode()).hexdigest()[:20]  # the group comes from the URL
    return f"scoring:dashboard-{kind}:{_snapshot_key(snapshot)}:{varying}"


def _cache_read(keys: list[str]) -> dict:
    try:
        return cache.get_many([NAMES_KEY, *keys])
    except Exception:  # a cache that is down costs a render, not the page
        return {}


def _names_token(found: dict) -> str | None:
    token = found.get(NAMES_KEY)
    if token is None:  # evicted or never set: a fresh token, so that no part stored before it counts
        with contextlib.suppress(Exception):
            cache.add(NAMES_KEY, uuid.uuid4().hex, None)
            token = cache.get(NAMES_KEY)
    return token


def _cache_write(entries: dict[str, str], token: str | None) -> None:
    if token is None or not entries:
        return
    with contextlib.suppress(Exception):  # not stored: the next request renders the part again
        cache.set_many({key: (token, html) for key, html in entries.items()}, PART_SECONDS)


def dashboard_parts(*, cycle, snapshot: RankingSnapshot, group: str, period: str, page: int, periods: list[str],
                    groups) -> dict[str, SafeString]:
    """{"table": one page of the ranking table, "charts": the chart panel} of `snapshot` as HTML.

    `period` is the one the page was asked for ("" for the newest), kept in the table's page links; `groups`
    are the dashboard's (code, name) pairs, which the panel reuses.
    """
    table_key = _key("table", snapshot, cycle.code, period, group, page)
    charts_key = _key("charts", snapshot, cycle.code, group, tuple(periods))
    found = _cache_read([table_key, charts_key])
    token = _names_token(found)
    parts, fresh = {}, {}
    for name, key in (("table", table_key), ("charts", charts_key)):
        held = found.get(key)
        if token is not None and isinstance(held, tuple) and len(held) == 2 and held[0] == token:
            parts[name] = held[1]
    if "table" not in parts:
        html, shown = _table(cycle, snapshot, group, period, page)
        parts["table"] = html
        if shown == page:  # a page past the last shows the last, and is not kept under the asked number
            fresh[table_key] = html
    if "charts" not in parts:
        parts["charts"] = fresh[charts_key] = render_to_string(
            "scoring/partials/charts.html", panel_context(cycle, snapshot, group, periods=periods, groups=groups))
    _cache_write(fresh, token)
    return {name: mark_safe(html) for name, html in parts.items()}  # our templates' output


def _table(cycle, snapshot: RankingSnapshot, group: str, period: str, page: int) -> tuple[str, int]:
    """The table's page as HTML, and the number of the page it shows."""
    from .views import _names, _shown  # the pages' one way of naming the scheme and showing a component

    rows = ranking_rows(snapshot, selectors.scorecards_of(snapshot))
    if group:
        rows = sorted((r for r in rows if r["group"] == group), key=group_order)
    paginator = Paginator(rows, PAGE_SIZE)
    shown = paginator.get_page(page)
    for row in shown.object_list:
        row["cells"] = [_shown(row["components"].get(code, {})) for code in COMPONENTS]
    query = {"cycle": cycle.code, **({"period": period} if period else {}), **({"group": group} if group else {})}

    def href(number) -> str:
        return f"?{urlencode({**query, 'page': number})}"

    links = [(number, href(number) if number != Paginator.ELLIPSIS else "")
             for number in paginator.get_elided_page_range(shown.number, on_each_side=2, on_ends=1)]
    html = render_to_string("scoring/partials/dashboard_table.html", {
        "snapshot": snapshot, "group": group, "rows": shown.object_list, "page": shown, "page_links": links,
        "ellipsis": Paginator.ELLIPSIS, "total": paginator.count, "components": _names(COMPONENTS),
        "target": TABLE_TARGET,
        "previous_href": href(shown.previous_page_number()) if shown.has_previous() else "",
        "next_href": href(shown.next_page_number()) if shown.has_next() else "",
    })
    return html, shown.number
