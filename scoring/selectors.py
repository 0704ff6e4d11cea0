"""Reads of scoring for pages, the API and tasks.

The inputs of a recompute are aggregates computed by the database (GROUP BY), never a
Python loop over responses, entries or assessments.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from agencies.access import has_role, is_admin, scope
from agencies.choices import CycleStatus, Role
from agencies.models import Agency, Cycle
from agencies.scheme import normalize_scheme
from conduct_eval.consistent import ReadView
from surveys.selectors import (
    agency_rows,
    appraisal_level_array,
    public_level_array,
)

from .choices import EntryKind
from .method import AgencyInput, InputTable
from .method.defaults import CATEGORIES, DIMENSIONS
from .models import Assessment, Indicator, Publication, PublicRelease, RankingSnapshot, Scorecard, ScoreEntry
from .periods import periods_ended


def scheme_of(cycle: Cycle) -> dict[str, Any]:
    """The cycle's complete scheme (the defaults overlaid with what the office set)."""
    return normalize_scheme(cycle.scheme)


# --- ledger ---------------------------------------------------------------------------

def score_entry_by_source(source_key: str) -> ScoreEntry | None:
    """The entry another app booked under `source_key` (e.g. "finding:12"), if any."""
    return ScoreEntry.objects.filter(source_key=source_key).first()


def score_entry_live_by_source(source_key: str) -> ScoreEntry | None:
    """The entry booked under `source_key` if it still counts (not reversed), else None."""
    return ScoreEntry.objects.filter(source_key=source_key, reverses__isnull=True, reversed_by__isnull=True).first()


def score_entries_visible(*, user, cycle: Cycle) -> QuerySet[ScoreEntry]:
    """The cycle's ledger as `user` may see it (a liaison: its own agency only)."""
    entries = ScoreEntry.objects.filter(cycle=cycle).select_related("agency", "reverses", "created_by")
    return scope(entries, user).order_by("-created_at", "-id")


def veto_reasons_of(snapshot: RankingSnapshot) -> dict[int, str]:
    """agency_id → the reasons of the 一票否决 entries that counted in `snapshot` (live when computed); one query.

    What a vetoed agency is told instead of a rank it does not answer to: its veto and why.
    """
    cutoff = min(snapshot.until, snapshot.computed_at)
    reversed_by_then = ScoreEntry.objects.filter(reverses=OuterRef("pk"), created_at__lt=cutoff)
    rows = (ScoreEntry.objects.filter(cycle_id=snapshot.cycle_id, kind=EntryKind.VETO, reverses__isnull=True,
                                      created_at__lt=cutoff)
            .exclude(Exists(reversed_by_then)).order_by("created_at", "id").values_list("agency_id", "reason"))
    reasons: dict[int, list[str]] = {}
    for agency_id, reason in rows:
        reasons.setdefault(agency_id, []).append(reason)
    return {agency_id: "；".join(texts) for agency_id, texts in reasons.items()}


def entries_behind(*, cycle: Cycle, agency: Agency, until: datetime) -> QuerySet[ScoreEntry]:
    """The ledger entries that make an agency's inspection, bonus, deduction and veto up to `until`."""
    return (ScoreEntry.objects.filter(cycle=cycle, agency=agency, created_at__lt=until)
            .select_related("reverses", "created_by").order_by("created_at", "id"))


# --- organizational assessment --------------------------------------------------------

def indicators_of(*, cycle: Cycle, user=None) -> QuerySet[Indicator]:
    """The cycle's indicators; for an assessor only those of its unit."""
    indicators = Indicator.objects.filter(cycle=cycle).order_by("assessor_unit", "code")
    if user is None or is_admin(user) or has_role(user, Role.LEADER):
        return indicators
    if has_role(user, Role.ASSESSOR):
        return indicators.filter(assessor_unit=user.assessor_unit)
    return indicators.none()


def may_assess(user, indicator: Indicator) -> bool:
    """An administrator, or an assessor of the indicator's member unit."""
    return is_admin(user) or (has_role(user, Role.ASSESSOR) and user.assessor_unit == indicator.assessor_unit)


def assessments_latest(*, cycle: Cycle, until: datetime | None = None) -> QuerySet[Assessment]:
    """The latest revision of each (indicator, agency) pair given before `until` (default: now)."""
    revisions = Assessment.objects.filter(indicator__cycle=cycle)
    if until is not None:
        revisions = revisions.filter(assessed_at__lt=until)
    later = revisions.filter(indicator=OuterRef("indicator"), agency=OuterRef("agency"),
                             revision__gt=OuterRef("revision"))
    return revisions.filter(~Exists(later))


# --- inputs of the method -------------------------------------------------------------

def scoring_inputs(*, cycle: Cycle, until: datetime) -> list[AgencyInput]:
    """Every active agency's aggregates up to `until`, as the method's `AgencyInput`s, sorted by code.

    The rows of `scoring_input_table`, which the recompute reads: one reading of the database for both.
    """
    return scoring_input_table(cycle=cycle, until=until).table.agency_inputs()


@dataclass(frozen=True)
class ScoringInputs:
    """What a recompute reads: the method's inputs as one table, and what each agency's scorecard counted."""

    table: InputTable
    agency_ids: list[int]  # row i of the table is agency agency_ids[i]
    entry_ids: list[list[int]]  # per row: the ledger entries counted, in booking order
    assessment_ids: list[list[int]]  # per row: the assessment revisions counted, by indicator


def _cents_of(value) -> int:
    """A stored number of 2 decimals in whole cents (a Decimal on PostgreSQL, a float or int on SQLite)."""
    return round(float(value) * 100)


def scoring_input_table(*, cycle: Cycle, until: datetime, view: ReadView | None = None) -> ScoringInputs:
    """Every active agency's aggregates up to `until` as one `InputTable`, sorted by code, and the ids counted.

    Six queries whatever the volume (agencies, monthly and daily public rollups, ballot rollups, assessment
    revisions, ledger entries), read as arrays: no Python object per agency or per rollup row. The same
    numbers as `scoring_inputs` (which is this table's rows). Given the `ReadView` of the caller's
    `consistent_reads`, the public survey counts (the largest read) are read on a second connection sharing
    that view while the others are read here.
    """
    agencies = sorted(Agency.objects.filter(active=True)
                      .values_list("id", "code", "group__code", "has_service_window"), key=lambda row: row[1])
    agency_ids = [row[0] for row in agencies]
    count = len(agencies)
    rows_of = agency_rows(agency_ids)
    public = (view or ReadView("default", shareable=False)).alongside(
        public_level_array, cycle=cycle, until=until, rows_of=rows_of, count=count)
    appraisal_counts, categories = appraisal_level_array(cycle=cycle, until=until, rows_of=rows_of, count=count,
                                                         categories=list(CATEGORIES))
    points = np.zeros(count, dtype=np.int64)
    maxima = np.zeros(count, dtype=np.int64)
    assessed = np.zeros(count, dtype=np.int64)
    assessment_ids: list[list[int]] = [[] for _ in range(count)]
    data = _latest_assessments(cycle, until)
    if len(data):
        slots = np.where(data[:, 0] < len(rows_of), rows_of[np.minimum(data[:, 0], len(rows_of) - 1)], -1)
        kept = slots >= 0
        np.add.at(points, slots[kept], data[kept, 2])
        np.add.at(maxima, slots[kept], data[kept, 3])
        np.add.at(assessed, slots[kept], 1)
        for row, pk in zip(slots[kept].tolist(), data[kept, 1].tolist(), strict=True):
            assessment_ids[row].append(pk)
    points, maxima, assessed = points.tolist(), maxima.tolist(), assessed.tolist()
    # The ledger: sums net of reversals, a veto live while its entries outnumber their reversals.
    sums = {kind: [0] * count for kind in (EntryKind.INSPECTION, EntryKind.BONUS, EntryKind.DEDUCTION)}
    net = {kind: [0] * count for kind in (EntryKind.INSPECTION, EntryKind.VETO)}
    entry_ids: list[list[int]] = [[] for _ in range(count)]
    for agency_id, pk, kind, given, reverses_id in (ScoreEntry.objects.filter(cycle=cycle, created_at__lt=until)
                                                    .order_by("created_at", "id")
                                                    .values_list("agency_id", "id", "kind", "points",
                                                                 "reverses_id")):
        row = int(rows_of[agency_id]) if agency_id < len(rows_of) else -1
        if row < 0:
            continue
        entry_ids[row].append(pk)
        if kind in sums:
            sums[kind][row] += _cents_of(given)
        if kind in net:
            net[kind][row] += -1 if reverses_id is not None else 1
    exact = _exact_cents()
    public_counts, public_n = public.result()
    return ScoringInputs(
        table=InputTable(
            codes=tuple(row[1] for row in agencies),
            groups=tuple(row[2] for row in agencies),
            windows=np.array([bool(row[3]) for row in agencies], dtype=bool).reshape(count),
            dimensions=tuple(DIMENSIONS),
            public_counts=public_counts,
            public_n=public_n,
            categories=tuple(categories),
            appraisal_counts=appraisal_counts,
            appraisal_n=appraisal_counts.sum(axis=(1, 2)),
            assessment_points=tuple(exact(c) if n else None for c, n in zip(points, assessed, strict=True)),
            assessment_max=tuple(exact(c) if n else None for c, n in zip(maxima, assessed, strict=True)),
            assessment_n=np.array(assessed, dtype=np.int64).reshape(count),
            inspection_deduction=tuple(exact(c) for c in sums[EntryKind.INSPECTION]),
            inspection_n=np.array(net[EntryKind.INSPECTION], dtype=np.int64).reshape(count),
            bonus=tuple(exact(c) for c in sums[EntryKind.BONUS]),
            deduction=tuple(exact(c) for c in sums[EntryKind.DEDUCTION]),
            veto=np.array(net[EntryKind.VETO], dtype=np.int64).reshape(count) > 0,
        ),
        agency_ids=agency_ids,
        entry_ids=entry_ids,
        assessment_ids=assessment_ids,
    )


def _latest_assessments(cycle: Cycle, until: datetime) -> np.ndarray:
    """Rows of (agency id, assessment id, points in cents, the indicator's maximum in cents), int64: the latest
    revision before `until` of every (indicator, agency) of the cycle, by agency and indicator.

    One query reads every revision as integers (points have 2 decimals, so the cents are exact), and numpy
    keeps the latest of each: no Python object per revision, and no sort in the database (a window or
    DISTINCT ON over 10,000 revisions cost 15–30 ms there, the read alone 5). Not the anti-join of
    `assessments_latest` either: with statistics not yet gathered, as after a cycle's assessments are loaded,
    PostgreSQL plans it per row, 0.4 s for one indicator of 2,000 agencies and quadratic in them.
    """
    q = connection.ops.quote_name
    assessment, indicator = q(Assessment._meta.db_table), q(Indicator._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.agency_id, a.indicator_id, a.revision, a.id, CAST(ROUND(a.points * 100) AS BIGINT), "
            f"CAST(ROUND(i.max_points * 100) AS BIGINT) "
            f"FROM {assessment} a JOIN {indicator} i ON i.id = a.indicator_id "
            f"WHERE i.cycle_id = %s AND a.assessed_at < %s",
            [cycle.pk, connection.ops.adapt_datetimefield_value(until)])
        rows = cursor.fetchall()
    if not rows:
        return np.zeros((0, 4), dtype=np.int64)
    data = np.array(rows, dtype=np.int64)
    data = data[np.lexsort((data[:, 2], data[:, 1], data[:, 0]))]  # by agency, indicator, revision
    last = np.ones(len(data), dtype=bool)  # the last revision of each (agency, indicator) run
    last[:-1] = (data[1:, 0] != data[:-1, 0]) | (data[1:, 1] != data[:-1, 1])
    return data[last][:, [0, 3, 4, 5]]


def _exact_cents():
    """cents → Fraction(cents, 100), each distinct value made once (most sums are 0)."""
    made: dict[int, Fraction] = {}

    def exact(cents: int) -> Fraction:
        value = made.get(cents)
        if value is None:
            value = made[cents] = Fraction(cents, 100)
        return value

    return exact


# --- snapshots ------------------------------------------------------------------------

def snapshot_newest(*, cycle: Cycle, period: str | None = None) -> RankingSnapshot | None:
    """The newest snapshot of the cycle (of `period` when given); the final one wins for `cycle`."""
    snapshots = RankingSnapshot.objects.filter(cycle=cycle)
    if period:
        snapshots = snapshots.filter(period=period)
    return snapshots.order_by("-computed_at", "-id").first()


def inputs_changed_since(cycle: Cycle, newest: RankingSnapshot | None = None) -> datetime | None:
    """When the cycle's inputs last changed, if its newest snapshot did not count that change; else None.

    What the dashboard shows as 数据已变更，待重新计算 and the debounced recompute acts on. Only for a cycle
    whose provisional result may still be recomputed (open or closed, no final result yet). A snapshot with no
    input version (stored before versions existed) is compared by time. `newest`: the cycle's newest snapshot,
    when the caller has read it already.
    """
    if cycle.status not in (CycleStatus.OPEN, CycleStatus.CLOSED) or cycle.inputs_changed_at is None:
        return None
    newest = newest if newest is not None else snapshot_newest(cycle=cycle)
    if newest is None or newest.final:
        return None
    if newest.inputs_version is None:
        stale = cycle.inputs_changed_at > newest.computed_at
    else:
        stale = cycle.inputs_version > newest.inputs_version
    return cycle.inputs_changed_at if stale else None


def snapshot_periods(*, cycle: Cycle) -> list[str]:
    """The periods that have a stored snapshot, latest first, the whole cycle last."""
    periods = set(RankingSnapshot.objects.filter(cycle=cycle).order_by().values_list("period", flat=True))
    return sorted(periods - {"cycle"}, reverse=True) + (["cycle"] if "cycle" in periods else [])


def scorecards_of(snapshot: RankingSnapshot) -> QuerySet[Scorecard]:
    """A snapshot's scorecards in rank order; unrated agencies (no rank) last."""
    # Through the snapshot's own manager: every card knows its snapshot (and so its document) without a query.
    return (snapshot.scorecards.select_related("agency", "agency__group", "interval")
            .order_by(F("rank_overall").asc(nulls_last=True), "agency__code"))


def scorecard_of(snapshot: RankingSnapshot, *, agency_code: str | None = None,
                 agency_id: int | None = None) -> Scorecard | None:
    """One agency's scorecard in `snapshot` (by code or id), or None if the snapshot has none for it."""
    cards = snapshot.scorecards.select_related("agency", "agency__group", "interval")
    cards = cards.filter(agency__code=agency_code) if agency_code is not None else cards.filter(agency_id=agency_id)
    return cards.first()


def rankings_visible(user, cycle: Cycle) -> bool:
    """Rankings are for administrators and leaders; anyone once the cycle is published."""
    return has_role(user, Role.ADMIN, Role.LEADER) or cycle.status == CycleStatus.PUBLISHED


def total_trend(*, cycle: Cycle, agency: Agency) -> list[dict[str, Any]]:
    """An agency's total and rank as of each stored period's end, in time order, in one query.

    Every period result counts from the cycle's start, so weeks, months and quarters lie on
    one curve; of snapshots ending at the same moment (a recompute, or 2026-03 and 2026-Q1)
    the newest counts.
    """
    rows = (Scorecard.objects.filter(snapshot__cycle=cycle, agency=agency)
            .order_by("snapshot__computed_at", "snapshot_id")
            .values_list("snapshot__period", "snapshot__until", "total", "rank_overall"))
    newest = {until: (period, total, rank) for period, until, total, rank in rows}
    return [{"period": period, "until": until, "total": total, "rank_overall": rank}
            for until, (period, total, rank) in sorted(newest.items())]


def publication_of(*, cycle: Cycle) -> Publication | None:
    """The outbox row of the cycle's final result (its consequences carried out or not), if it has one."""
    return Publication.objects.filter(snapshot__cycle=cycle, snapshot__final=True).first()


def snapshot_published(*, cycle_code: str | None = None) -> tuple[Cycle | None, RankingSnapshot | None]:
    """The published cycle (the newest, or the one named) and its final snapshot, if any.

    Only a published cycle's final annual result is public; a cycle that is not published
    is answered as if it did not exist.
    """
    cycles = Cycle.objects.filter(status=CycleStatus.PUBLISHED)
    if cycle_code:
        cycles = cycles.filter(code=cycle_code)
    cycle = cycles.order_by("-starts_on").first()
    if cycle is None:
        return None, None
    return cycle, RankingSnapshot.objects.filter(cycle=cycle, final=True).select_related("cycle").first()


def periods_unfiled(*, cycle: Cycle, kind: str, today: date) -> list[str]:
    """The cycle's weeks, months or quarters that have ended by `today` and still need their snapshot, oldest first.

    Those after the newest one filed: a period-end job that missed its scheduled time
    (downtime, a stopped beat) files each of them on its next run. A period counts as filed
    by a snapshot computed after it ended; one the office computed while it was running
    counted only part of it.
    """
    ended = periods_ended(kind, starts_on=cycle.starts_on, ends_on=cycle.ends_on, today=today)
    stored = set(RankingSnapshot.objects.filter(cycle=cycle, period__in=ended, computed_at__gte=F("until"))
                 .values_list("period", flat=True))
    last = max((i for i, name in enumerate(ended) if name in stored), default=-1)
    return ended[last + 1:]


# --- what the public sees -----------------------------------------------------------------

def release_current(*, cycle: Cycle | None = None) -> RankingSnapshot | None:
    """The provisional ranking the office shows on /public/: the newest released period snapshot of a cycle
    still under way (of `cycle` when given). A published cycle shows its final result instead."""
    releases = (PublicRelease.objects.filter(withdrawn_at__isnull=True,
                                             snapshot__cycle__status__in=[CycleStatus.OPEN, CycleStatus.CLOSED])
                .select_related("snapshot__cycle"))
    if cycle is not None:
        releases = releases.filter(snapshot__cycle=cycle)
    release = releases.order_by("-snapshot__until", "-released_at", "-id").first()
    return release.snapshot if release else None


def snapshots_public() -> list[RankingSnapshot]:
    """Every snapshot the public may see, oldest first: the final results of published cycles and the period
    results the office has released (and not withdrawn) of cycles under way."""
    finals = Q(final=True, cycle__status=CycleStatus.PUBLISHED)
    released = Q(public_release__withdrawn_at__isnull=True, public_release__isnull=False,
                 cycle__status__in=[CycleStatus.OPEN, CycleStatus.CLOSED])
    return list(RankingSnapshot.objects.filter(finals | released).select_related("cycle")
                .order_by("until", "computed_at", "id"))


def scorecards_of_agency(snapshots: list[RankingSnapshot], *, agency_id: int) -> dict[int, Scorecard]:
    """snapshot id → the agency's scorecard, over `snapshots`, in one query (its public page's history)."""
    cards = Scorecard.objects.filter(snapshot__in=snapshots, agency_id=agency_id).select_related("agency", "interval")
    by_id = {snapshot.pk: snapshot for snapshot in snapshots}
    for card in cards:
        card.snapshot = by_id[card.snapshot_id]  # the snapshot at hand, so its document is read once
    return {card.snapshot_id: card for card in cards}


def release_of(snapshot: RankingSnapshot) -> PublicRelease | None:
    """The snapshot's release row while it is shown in public."""
    return PublicRelease.objects.filter(snapshot=snapshot, withdrawn_at__isnull=True).first()
