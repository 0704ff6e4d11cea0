"""Reads of surveys for pages, the API and scoring.

Scoring asks for level counts up to a period's end. Whole months come from the monthly
rollup rows and the whole days of a partly covered month from the daily ones (both kept in
each submission's statement); only a part of a day — never the case for a period, which
ends at local midnight — is aggregated from the response rows with one GROUP BY. A
province-sized year is 2,000 agencies × 12 months = 24 k monthly rows, plus at most
2,000 × 30 daily rows for the month a period ends in.

Measured with bench/bench_surveys.py (200 agencies × 1,000 responses, PostgreSQL 15): the
whole cycle from rollups in 23 ms against 175 ms for a GROUP BY over the rows; a period
ending mid-month 50 ms. The rollups grow with agencies × months, the GROUP BY with responses.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies.models import Agency, AgencyGroup, Cycle, Window
from agencies.scheme import DIMENSIONS

from . import privacy
from .choices import EvaluatorCategory, OpinionStatus, ResponseStatus, SurveyKind
from .models import (
    Ballot,
    BallotDaily,
    BallotMonthly,
    Invitation,
    Opinion,
    OpinionEvent,
    RatingDaily,
    RatingMonthly,
    Response,
    Survey,
    ballot_level_column,
    count_column,
    rating_column,
)

LEVELS = range(1, 6)


@dataclass(frozen=True)
class LevelCounts:
    """What scoring needs of one agency: respondents and the count of each level per dimension/category."""

    n: int = 0
    counts: dict[str, dict[int, int]] = field(default_factory=dict)


def surveys_open_public() -> QuerySet[Survey]:
    now = timezone.now()
    return Survey.objects.filter(kind=SurveyKind.PUBLIC, opens_at__lte=now, closes_at__gt=now).select_related("cycle")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_spans(start: datetime, until: datetime) -> tuple[date | None, date | None, list[tuple[datetime, datetime]]]:
    """Split [start, until) into whole local months [first, last) and the partial spans around them."""
    first = timezone.localdate(start)
    first_whole = first if first.day == 1 and _start_of(first) == start else _next_month(first.replace(day=1))
    last_whole = timezone.localdate(until).replace(day=1)  # months before this one are whole
    if first_whole >= last_whole:
        return None, None, [(start, until)] if start < until else []
    spans = []
    if start < _start_of(first_whole):
        spans.append((start, _start_of(first_whole)))
    if _start_of(last_whole) < until:
        spans.append((_start_of(last_whole), until))
    return first_whole, last_whole, spans


def _day_spans(start: datetime, until: datetime) -> tuple[date | None, date | None, list[tuple[datetime, datetime]]]:
    """Split [start, until) into whole local days [first, last) and the partial spans around them."""
    first = timezone.localdate(start)
    first_whole = first if _start_of(first) == start else first + timedelta(days=1)
    last_whole = timezone.localdate(until)  # days before this one are whole
    if first_whole >= last_whole:
        return None, None, [(start, until)] if start < until else []
    spans = []
    if start < _start_of(first_whole):
        spans.append((start, _start_of(first_whole)))
    if _start_of(last_whole) < until:
        spans.append((_start_of(last_whole), until))
    return first_whole, last_whole, spans


def _until_day_whole(spans: list[tuple[datetime, datetime]], surveys, until: datetime
                     ) -> tuple[list[tuple[datetime, datetime]], date | None]:
    """Whether the last partial span, from the local midnight of `until`'s day to `until`, may be read as that
    day's daily rollup rows: yes when no response of `surveys` lies at or after `until` (a recompute "until
    now"), for then every row of the day is before `until` and the day's rollup counts it, as the whole days
    and months around it are counted. It saves reading the day's response rows (some 40,000 of them at a
    province's volume) on every recompute of a running period. Returns the spans still to read from the rows,
    and the day to read from the rollups (None: none).
    """
    if not spans or spans[-1][1] != until:
        return spans, None
    day = timezone.localdate(until)
    if spans[-1][0] != _start_of(day) or Response.objects.filter(survey__in=surveys, submitted_at__gte=until).exists():
        return spans, None
    return spans[:-1], day


_PAIRS = [(d, level) for d in DIMENSIONS for level in LEVELS]  # the order of the count columns


def _merge(result: dict[int, list], agency_id: int, n: int, values) -> None:
    """Add one row's counts (aligned with _PAIRS) to the agency's; levels appear as first counted."""
    entry = result.get(agency_id)
    if entry is None:
        entry = result[agency_id] = [0, {}]
    entry[0] += n or 0
    counts = entry[1]
    for (d, level), value in zip(_PAIRS, values, strict=True):
        if value:
            levels = counts.get(d)
            if levels is None:
                levels = counts[d] = {}
            levels[level] = levels.get(level, 0) + value


def public_level_counts(*, cycle: Cycle, until: datetime) -> dict[int, LevelCounts]:
    """agency_id → counts of the valid responses to the cycle's public surveys in [cycle start, until)."""
    start = _start_of(cycle.starts_on)
    # The ids, not a subquery: the planner then knows how many rollup rows come, and sums them in a hash table
    # rather than sorting 20,000 wide rows on disk.
    surveys = list(Survey.objects.filter(cycle=cycle, kind=SurveyKind.PUBLIC).values_list("id", flat=True))
    first, last, spans = _month_spans(start, until)
    columns = [count_column(d, level) for d, level in _PAIRS]
    result: dict[int, list] = {}
    sums = {c + "_sum": Sum(c) for c in columns}
    if first is not None:
        rows = (RatingMonthly.objects.filter(survey__in=surveys, month__gte=first, month__lt=last)
                .values("agency_id").annotate(total_n=Sum("n"), **sums)
                .values_list("agency_id", "total_n", *sums))
        for row in rows:
            _merge(result, row[0], row[1], row[2:])
    # The partly covered months: their whole days from the daily rollups, in one query.
    days, raw_spans = Q(), []
    for span_start, span_end in spans:
        first_day, last_day, rest = _day_spans(span_start, span_end)
        if first_day is not None:
            days |= Q(day__gte=first_day, day__lt=last_day)
        raw_spans += rest
    raw_spans, until_day = _until_day_whole(raw_spans, surveys, until)
    if until_day is not None:
        days |= Q(day=until_day)
    if days:
        rows = (RatingDaily.objects.filter(days, survey__in=surveys)
                .values("agency_id").annotate(total_n=Sum("n"), **sums)
                .values_list("agency_id", "total_n", *sums))
        for row in rows:
            _merge(result, row[0], row[1], row[2:])
    level_counts = {
        count_column(d, level): Count("id", filter=Q(**{rating_column(d): level}))
        for d in DIMENSIONS for level in LEVELS
    }
    for span_start, span_end in raw_spans:
        rated = Q()
        for d in DIMENSIONS:
            rated |= Q(**{f"{rating_column(d)}__isnull": False})
        rows = (Response.objects.filter(survey__in=surveys, status=ResponseStatus.VALID,
                                        submitted_at__gte=span_start, submitted_at__lt=span_end)
                .values("agency_id").annotate(total_n=Count("id", filter=rated), **level_counts)
                .values_list("agency_id", "total_n", *columns))
        for row in rows:
            _merge(result, row[0], row[1], row[2:])
    return {agency_id: LevelCounts(n=n, counts=counts) for agency_id, (n, counts) in result.items()}


def appraisal_level_counts(*, cycle: Cycle, until: datetime) -> dict[int, LevelCounts]:
    """agency_id → counts by evaluator category of the cycle's appraisal ballots submitted before `until`.

    Read from the daily ballot rollups (kept in each ballot's transaction): 2,000 agencies ×
    4 categories × the appraisal's days, never the ratings themselves. Ballots keep only
    their date, so a period ending at local midnight counts the ballots of the days before it.
    """
    levels = [ballot_level_column(level) for level in LEVELS]
    rows = (BallotDaily.objects
            .filter(survey__cycle=cycle, survey__kind=SurveyKind.APPRAISAL,
                    day__gte=cycle.starts_on, day__lt=timezone.localdate(until))
            .values("agency_id", "category").annotate(**{f"{c}_sum": Sum(c) for c in levels})
            .values_list("agency_id", "category", *(f"{c}_sum" for c in levels)))
    result: dict[int, list] = {}
    for agency_id, category, *counts in rows:
        entry = result.get(agency_id)
        if entry is None:
            entry = result[agency_id] = [0, defaultdict(dict)]
        for level, count in zip(LEVELS, counts, strict=True):
            if count:
                entry[0] += count
                entry[1][category][level] = count
    return {agency_id: LevelCounts(n=n, counts=dict(counts)) for agency_id, (n, counts) in result.items() if n}


# --- the same counts as arrays, for the recompute -------------------------------------

def _named_rows(queryset) -> tuple[list[str], list[tuple]]:
    """The rows of a values() queryset straight from the cursor, with their column names.

    A recompute reads some 50,000 rollup rows of 40 counts; the ORM's per-value converters cost three
    times the query itself, and integers need no converting. Names come from the cursor, so the order
    Django gives the annotations in does not matter.
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (no survey of the kind): no rows, no query
        return [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [column[0] for column in cursor.description], cursor.fetchall()


def _add_rows(target: np.ndarray, rows_of: np.ndarray, names: list[str], rows: list[tuple], id_name: str,
              value_names: list[str], sign: int = 1) -> None:
    """Add each row's values (columns `value_names`) into target[rows_of[row's agency id]], or take them away
    (`sign` −1); other agencies dropped."""
    if not rows:
        return
    data = np.array(rows, dtype=object)
    ids = data[:, names.index(id_name)].astype(np.int64)
    known = ids < len(rows_of)
    slots = np.full(len(ids), -1, dtype=np.int64)
    slots[known] = rows_of[ids[known]]
    kept = slots >= 0
    values = data[:, [names.index(name) for name in value_names]]
    values = np.where(values == None, 0, values).astype(np.int64)  # noqa: E711 (an element-wise test)
    np.add.at(target, slots[kept], values[kept] if sign > 0 else -values[kept])


def agency_rows(agency_ids: list[int]) -> np.ndarray:
    """agency id → its row among `agency_ids` (−1: none), as an array indexed by id."""
    rows_of = np.full(max(agency_ids, default=0) + 1, -1, dtype=np.int64)
    rows_of[np.array(agency_ids, dtype=np.int64)] = np.arange(len(agency_ids))
    return rows_of


@dataclass(frozen=True)
class DayPlan:
    """How whole local days [first, end) are read from the rollups: the `months` whole from the monthly rows,
    plus the daily rows of the day ranges `added`, minus those of the ranges `taken` (days of a month read
    whole that lie outside the period). Ranges are [start, end) of dates."""

    months: list[date]
    added: list[tuple[date, date]]
    taken: list[tuple[date, date]]


def day_plan(first: date, end: date, *, today: date) -> DayPlan:
    """The cheapest reading of the whole days [first, end): every month the period covers whole from its monthly
    row; a month it covers in part either from the days inside the period, or as its monthly row less the days
    outside the period, whichever reads fewer daily rows (days after `today` hold none). So a period reads at
    most about half a month of daily rows at either end: a week ending on the 23rd reads November less its
    last 8 days rather than its first 22, and a period running to today reads today's month whole.
    """
    months, added, taken = [], [], []
    month = first.replace(day=1)
    while month < end:
        following = _next_month(month)
        inside_from, inside_to = max(first, month), min(end, following)
        if inside_from >= inside_to:
            pass
        elif (inside_from, inside_to) == (month, following):
            months.append(month)
        else:
            last_data = min(following, today + timedelta(days=1))  # the days after it hold no rows
            outside = (inside_from - month).days + max(0, (last_data - inside_to).days)
            if outside < (inside_to - inside_from).days:
                months.append(month)
                taken += [(month, inside_from)] if inside_from > month else []
                taken += [(inside_to, following)] if inside_to < following else []
            else:
                added.append((inside_from, inside_to))
        month = following
    return DayPlan(months=months, added=added, taken=taken)


def _days_q(ranges: list[tuple[date, date]]) -> Q:
    q = Q()
    for range_start, range_end in ranges:
        q |= Q(day__gte=range_start, day__lt=range_end)
    return q


def public_level_array(*, cycle: Cycle, until: datetime, rows_of: np.ndarray,
                       count: int) -> tuple[np.ndarray, np.ndarray]:
    """`public_level_counts` as arrays: (count, dimensions, 5) counts in DIMENSIONS order and (count,) n.

    The whole days of [cycle start, until) as `day_plan` reads them (monthly rows, daily rows added and taken
    away); a day `until` ends partway through from its response rows, unless none lies at or after `until`
    (then its daily rows count it: `_until_day_whole`). Read without the ORM's converters (`_named_rows`).
    """
    start = _start_of(cycle.starts_on)
    # The ids, not a subquery: the planner then knows how many rollup rows come, and sums them in a hash table
    # rather than sorting 20,000 wide rows on disk.
    surveys = list(Survey.objects.filter(cycle=cycle, kind=SurveyKind.PUBLIC).values_list("id", flat=True))
    columns = [count_column(d, level) for d, level in _PAIRS]
    sums = {c + "_sum": Sum(c) for c in columns}
    flat = np.zeros((count, 1 + len(columns)), dtype=np.int64)  # n, then the counts
    wanted = ["total_n", *sums]
    if until <= start:
        return flat[:, 1:].reshape(count, len(DIMENSIONS), len(LEVELS)), flat[:, 0].copy()
    until_day = timezone.localdate(until)
    raw_spans: list[tuple[datetime, datetime]] = []
    end_day = until_day
    if _start_of(until_day) < until:  # `until` is not a midnight: its day is partly in the period
        partial = [(max(start, _start_of(until_day)), until)]
        partial, whole = _until_day_whole(partial, surveys, until)
        if whole is not None:
            end_day = until_day + timedelta(days=1)
        raw_spans = partial
    plan = day_plan(timezone.localdate(start), end_day, today=timezone.localdate())
    if plan.months:
        names, rows = _named_rows(RatingMonthly.objects.filter(survey__in=surveys, month__in=plan.months)
                                  .values("agency_id").annotate(total_n=Sum("n"), **sums))
        _add_rows(flat, rows_of, names, rows, "agency_id", wanted)
    for ranges, sign in ((plan.added, 1), (plan.taken, -1)):
        if ranges:
            names, rows = _named_rows(RatingDaily.objects.filter(_days_q(ranges), survey__in=surveys)
                                      .values("agency_id").annotate(total_n=Sum("n"), **sums))
            _add_rows(flat, rows_of, names, rows, "agency_id", wanted, sign=sign)
    level_counts = {count_column(d, level): Count("id", filter=Q(**{rating_column(d): level}))
                    for d in DIMENSIONS for level in LEVELS}
    rated = Q()
    for d in DIMENSIONS:
        rated |= Q(**{f"{rating_column(d)}__isnull": False})
    for span_start, span_end in raw_spans:
        names, rows = _named_rows(Response.objects.filter(survey__in=surveys, status=ResponseStatus.VALID,
                                                          submitted_at__gte=span_start, submitted_at__lt=span_end)
                                  .values("agency_id").annotate(total_n=Count("id", filter=rated), **level_counts))
        _add_rows(flat, rows_of, names, rows, "agency_id", ["total_n", *columns])
    return flat[:, 1:].reshape(count, len(DIMENSIONS), len(LEVELS)), flat[:, 0].copy()


def appraisal_level_array(*, cycle: Cycle, until: datetime, rows_of: np.ndarray, count: int,
                          categories: list[str]) -> tuple[np.ndarray, list[str]]:
    """`appraisal_level_counts` as a (count, categories, 5) array: the ballots of the days [cycle start, the day
    of `until`) as `day_plan` reads them. A category met that is not in `categories` is added at the end (the
    method refuses it, naming it)."""
    levels = [ballot_level_column(level) for level in LEVELS]
    sums = {f"{c}_sum": Sum(c) for c in levels}
    surveys = list(Survey.objects.filter(cycle=cycle, kind=SurveyKind.APPRAISAL).values_list("id", flat=True))
    plan = day_plan(cycle.starts_on, timezone.localdate(until), today=timezone.localdate())
    read: list[tuple[int, list[str], list[tuple]]] = []  # (sign, column names, rows)
    if plan.months:
        read.append((1, *_named_rows(BallotMonthly.objects.filter(survey__in=surveys, month__in=plan.months)
                                     .values("agency_id", "category").annotate(**sums))))
    for ranges, sign in ((plan.added, 1), (plan.taken, -1)):
        if ranges:
            read.append((sign, *_named_rows(BallotDaily.objects.filter(_days_q(ranges), survey__in=surveys)
                                            .values("agency_id", "category").annotate(**sums))))
    given, categories = list(categories), list(categories)
    read = [(sign, names, rows) for sign, names, rows in read if rows]
    for _, names, rows in read:
        column = names.index("category")
        categories += sorted({row[column] for row in rows} - set(categories))
    flat = np.zeros((count, len(categories), len(LEVELS)), dtype=np.int64)
    for sign, names, rows in read:
        column = names.index("category")
        by_category: dict[str, list[tuple]] = defaultdict(list)
        for row in rows:
            by_category[row[column]].append(row)
        for position, category in enumerate(categories):
            if by_category.get(category):
                _add_rows(flat[:, position, :], rows_of, names, by_category[category], "agency_id",
                          [f"{c}_sum" for c in levels], sign=sign)
    # A category met only on days a month read whole lost again (taken away) was never in the period.
    kept = [i for i, category in enumerate(categories) if i < len(given) or flat[:, i].any()]
    return flat[:, kept], [categories[i] for i in kept]


def opinion_by_receipt(receipt: str) -> Opinion | None:
    return (Opinion.objects.filter(receipt=receipt.strip().upper()).select_related("agency")
            .prefetch_related("events").first())


# --- merges: the one walk every routine uses ------------------------------------------

MERGE_DEPTH_MAX = 50  # far beyond any real chain; only a corrupted cycle of merges gets near it


def _merge_root_id(pk: int, parent_of: Callable[[int], int | None]) -> int:
    """The one merge walk: follow `parent_of` (an opinion's `merged_into`) to its end, a cycle guarded."""
    seen = {pk}
    while (parent := parent_of(pk)) is not None and parent not in seen and len(seen) < MERGE_DEPTH_MAX:
        seen.add(parent)
        pk = parent
    return pk


def opinion_merge_root(opinion: Opinion) -> Opinion:
    """The opinion handled for `opinion` and everything merged into it: follow `merged_into` to its end.

    A chain (A → B → C) leads to C whatever the statuses along it; a cycle of merges (which
    triage never makes, but data may hold) stops at the last opinion not yet seen.
    """
    def parent_of(pk: int) -> int | None:
        if pk == opinion.pk:
            return opinion.merged_into_id
        return Opinion.objects.filter(pk=pk).values_list("merged_into_id", flat=True).first()

    root_id = _merge_root_id(opinion.pk, parent_of)
    return opinion if root_id == opinion.pk else Opinion.objects.select_related("agency").get(pk=root_id)


def opinions_merged_into(root: Opinion) -> list[Opinion]:
    """Every opinion whose merge root is `root` (directly or through a chain), oldest first; not `root` itself.

    One query for every merge edge, then the same walk as `opinion_merge_root` in memory.
    """
    edges = dict(Opinion.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id"))
    members = [pk for pk in edges if pk != root.pk and _merge_root_id(pk, edges.get) == root.pk]
    return list(Opinion.objects.filter(pk__in=members).order_by("created_at", "pk")) if members else []


@dataclass(frozen=True)
class OpinionProgress:
    """What /track/ shows for a receipt: the citizen's own opinion and the progress of the one handled for it."""

    opinion: Opinion
    root: Opinion
    history: list[OpinionEvent]

    @property
    def status(self) -> str:
        return self.root.status

    @property
    def status_label(self) -> str:
        return self.root.get_status_display()


def opinion_progress(receipt: str) -> OpinionProgress | None:
    """The progress a citizen sees for a receipt; a merged opinion follows its merge root, rejection included.

    History: the opinion's own steps up to its merge, then the root's steps after its receipt.
    """
    opinion = opinion_by_receipt(receipt)
    if opinion is None:
        return None
    root = opinion_merge_root(opinion)
    own = list(opinion.events.all())
    if root.pk == opinion.pk:
        return OpinionProgress(opinion=opinion, root=root, history=own)
    before_merge = [e for e in own if e.status in (OpinionStatus.NEW, OpinionStatus.MERGED)]
    handled = [e for e in root.events.all() if e.status != OpinionStatus.NEW]
    return OpinionProgress(opinion=opinion, root=root, history=before_merge + handled)


def survey_public(slug: str) -> Survey | None:
    """The public survey with this slug (open or not), else None."""
    return Survey.objects.filter(slug=slug, kind=SurveyKind.PUBLIC).select_related("cycle").first()


def survey_appraisal(slug: str) -> Survey | None:
    return Survey.objects.filter(slug=slug, kind=SurveyKind.APPRAISAL).select_related("cycle").first()


def agencies_rated_publicly() -> QuerySet[Agency]:
    """The agencies citizens may rate: active, with a service window."""
    return Agency.objects.filter(active=True, has_service_window=True).select_related("group")


def groups_with_agencies(*, window_agencies_only: bool) -> list[AgencyGroup]:
    """Agency groups in order, each with `.listed` = its active agencies (two queries in all)."""
    agencies = agencies_rated_publicly() if window_agencies_only else Agency.objects.filter(active=True)
    groups = AgencyGroup.objects.prefetch_related(
        Prefetch("agencies", queryset=agencies.order_by("code").prefetch_related("windows"), to_attr="listed"))
    return [group for group in groups if group.listed]


def window_of(agency: Agency, code: str) -> Window | None:
    return Window.objects.filter(agency=agency, code=code).first()


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a token opens (looked up by its keyed hash), else None."""
    return Invitation.objects.filter(token_hash=privacy.token_hash(token)).select_related("survey").first()


@dataclass(frozen=True)
class CategoryRate:
    category: str
    label: str
    issued: int
    used: int

    @property
    def rate(self) -> float | None:
        return self.used / self.issued if self.issued else None


def invitation_response_rates(survey: Survey) -> list[CategoryRate]:
    """Per evaluator category: tokens issued and used — an unrepresentative panel shows here."""
    rows = {row["category"]: row for row in Invitation.objects.filter(survey=survey).values("category").annotate(
        issued=Count("id"), used=Count("id", filter=Q(used_at__isnull=False)))}
    return [CategoryRate(category=c.value, label=c.label, issued=rows.get(c.value, {}).get("issued", 0),
                         used=rows.get(c.value, {}).get("used", 0)) for c in EvaluatorCategory]


def _count_per_survey(queryset: QuerySet):
    """A correlated COUNT for each survey row, 0 when there is none."""
    counts = queryset.filter(survey=OuterRef("pk")).order_by().values("survey").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counts), 0)


def surveys_for_office() -> QuerySet[Survey]:
    """Every survey with its counts, for the office's list (one query).

    One counted subquery per kind of row: joining responses, opinions and ballots at once
    multiplies them (25 k responses × 1.7 k opinions) and took 40 s on the demo city.
    """
    return (Survey.objects.select_related("cycle").order_by("-opens_at")
            .annotate(valid=_count_per_survey(Response.objects.filter(status=ResponseStatus.VALID)),
                      stored=_count_per_survey(Response.objects.all()),
                      opinion_count=_count_per_survey(Opinion.objects.all()),
                      ballot_count=_count_per_survey(Ballot.objects.all())))


def responses_behind(*, cycle: Cycle, agency: Agency, until: datetime, dimension: str | None = None,
                     level: int | None = None) -> QuerySet[Response]:
    """The valid responses to the cycle's public surveys that an agency's level counts up to `until` are made of,
    newest first; with `dimension` those that rated it (with `level`, at that level). Each with its window and
    its opinion (whose contact only ever shows masked)."""
    responses = Response.objects.filter(
        survey__cycle=cycle, survey__kind=SurveyKind.PUBLIC, agency=agency, status=ResponseStatus.VALID,
        submitted_at__gte=_start_of(cycle.starts_on), submitted_at__lt=until)
    if dimension is not None:
        column = rating_column(dimension)
        responses = responses.filter(**({column: level} if level is not None else {f"{column}__isnull": False}))
    elif level is not None:
        rated = Q()
        for d in DIMENSIONS:
            rated |= Q(**{rating_column(d): level})
        responses = responses.filter(rated)
    return responses.select_related("window", "opinion").order_by("-submitted_at", "-id")
