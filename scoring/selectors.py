"""Reads of scoring for pages, the API and tasks.

The inputs of a recompute are aggregates computed by the database (GROUP BY), never a
Python loop over responses, entries or assessments.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from agencies.access import has_role, is_admin, scope
from agencies.choices import CycleStatus, Role
from agencies.models import Agency, Cycle
from agencies.scheme import normalize_scheme
from surveys.selectors import appraisal_level_counts, public_level_counts

from .choices import EntryKind
from .method import AgencyInput
from .models import Assessment, Indicator, Publication, PublicRelease, RankingSnapshot, Scorecard, ScoreEntry
from .periods import periods_ended

ZERO = Decimal("0")
CENT = Decimal("0.01")


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


def ledger_totals(*, cycle: Cycle, until: datetime) -> dict[int, dict[str, Any]]:
    """agency_id → sums of the ledger booked before `until` (reversals cancel), in one GROUP BY."""
    reversal = Q(reverses__isnull=False)

    def net_count(kind: str):
        return Count("id", filter=Q(kind=kind) & ~reversal) - Count("id", filter=Q(kind=kind) & reversal)

    rows = (ScoreEntry.objects.filter(cycle=cycle, created_at__lt=until).order_by().values("agency_id")
            .annotate(inspection=Sum("points", filter=Q(kind=EntryKind.INSPECTION)),
                      inspection_n=net_count(EntryKind.INSPECTION),
                      bonus=Sum("points", filter=Q(kind=EntryKind.BONUS)),
                      deduction=Sum("points", filter=Q(kind=EntryKind.DEDUCTION)),
                      veto=net_count(EntryKind.VETO)))
    return {row["agency_id"]: {"inspection": _cents(row["inspection"]), "inspection_n": row["inspection_n"],
                               "bonus": _cents(row["bonus"]), "deduction": _cents(row["deduction"]),
                               "veto": row["veto"] > 0} for row in rows}


def _cents(total) -> Decimal:
    """A ledger sum to the ledger's own precision (2 decimals).

    Every entry is booked in cents, so the exact sum is a whole number of cents; SQLite sums DECIMAL columns
    as floats (0.51 − 0.50 comes back 0.00999…), which this puts back. A no-op on PostgreSQL.
    """
    return ZERO if total is None else Decimal(total).quantize(CENT)


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


def snapshot_counted_ids(*, cycle: Cycle, until: datetime) -> dict[int, dict[str, list[int]]]:
    """agency_id → the ids of the ledger entries and assessment revisions a snapshot up to `until` counts.

    Two reads of ids only; kept on each scorecard so its drill-down lists exactly what it counted.
    """
    counted: dict[int, dict[str, list[int]]] = {}

    def of(agency_id: int) -> dict[str, list[int]]:
        return counted.setdefault(agency_id, {"entry_ids": [], "assessment_ids": []})

    for agency_id, entry_id in (ScoreEntry.objects.filter(cycle=cycle, created_at__lt=until)
                                .order_by("created_at", "id").values_list("agency_id", "id")):
        of(agency_id)["entry_ids"].append(entry_id)
    latest: dict[tuple[int, int], tuple[int, int]] = {}
    for agency_id, indicator_id, revision, pk in (Assessment.objects.filter(indicator__cycle=cycle,
                                                                             assessed_at__lt=until).order_by()
                                                  .values_list("agency_id", "indicator_id", "revision", "id")):
        known = latest.get((agency_id, indicator_id))
        if known is None or revision > known[0]:
            latest[(agency_id, indicator_id)] = (revision, pk)
    for (agency_id, _), (_, pk) in sorted(latest.items()):
        of(agency_id)["assessment_ids"].append(pk)
    return counted


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


def assessment_totals(*, cycle: Cycle, until: datetime) -> dict[int, dict[str, Any]]:
    """agency_id → {points, max_points, n} over the indicators assessed before `until`, in one query.

    Every revision is read (one row per indicator, agency and revision) and the latest of each
    pair kept here, rather than asking the database for `assessments_latest`: its anti-join is
    planned per row, and with statistics not yet gathered (a cycle's assessments just loaded)
    PostgreSQL scans all of an indicator's assessments for each of them, 0.4 s for one indicator
    of 2,000 agencies and quadratic in the agencies. Reading the revisions grows linearly.
    """
    rows = (Assessment.objects.filter(indicator__cycle=cycle, assessed_at__lt=until).order_by()
            .values_list("agency_id", "indicator_id", "revision", "points", "indicator__max_points"))
    latest: dict[tuple[int, int], tuple] = {}
    for row in rows:
        known = latest.get(row[:2])
        if known is None or row[2] > known[2]:
            latest[row[:2]] = row
    totals: dict[int, dict[str, Any]] = {}
    for agency_id, _, _, points, max_points in latest.values():
        total = totals.get(agency_id)
        if total is None:
            totals[agency_id] = {"agency_id": agency_id, "points": points, "max_points": max_points, "n": 1}
        else:
            total["points"] += points
            total["max_points"] += max_points
            total["n"] += 1
    return totals


# --- inputs of the method -------------------------------------------------------------

def scoring_inputs(*, cycle: Cycle, until: datetime) -> list[AgencyInput]:
    """Every active agency's aggregates up to `until`, as the method's `AgencyInput`s, sorted by code.

    Five queries whatever the volume: agencies, public counts, appraisal counts,
    assessments, ledger.
    """
    # Plain tuples: 2,000 Agency instances with their groups cost a tenth of a second for four fields.
    agencies = (Agency.objects.filter(active=True).order_by("code")
                .values_list("id", "code", "group__code", "has_service_window"))
    public = public_level_counts(cycle=cycle, until=until)
    appraisal = appraisal_level_counts(cycle=cycle, until=until)
    assessed = assessment_totals(cycle=cycle, until=until)
    ledger = ledger_totals(cycle=cycle, until=until)
    inputs = []
    for agency_id, code, group_code, has_service_window in agencies:
        pub, app = public.get(agency_id), appraisal.get(agency_id)
        ass = assessed.get(agency_id)
        led = ledger.get(agency_id, {})
        inputs.append(AgencyInput(
            code=code, group=group_code, has_service_window=has_service_window,
            public_counts=pub.counts if pub else {}, public_n=pub.n if pub else 0,
            appraisal_counts=app.counts if app else {}, appraisal_n=app.n if app else 0,
            assessment_points=ass["points"] if ass else None, assessment_max=ass["max_points"] if ass else None,
            assessment_n=ass["n"] if ass else 0,
            inspection_deduction=led.get("inspection", ZERO), inspection_n=led.get("inspection_n", 0),
            bonus=led.get("bonus", ZERO), deduction=led.get("deduction", ZERO), veto=led.get("veto", False),
        ))
    return inputs


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
    return (Scorecard.objects.filter(snapshot=snapshot).select_related("agency", "agency__group", "interval")
            .order_by(F("rank_overall").asc(nulls_last=True), "agency__code"))


def scorecard_of(snapshot: RankingSnapshot, *, agency_code: str | None = None,
                 agency_id: int | None = None) -> Scorecard | None:
    """One agency's scorecard in `snapshot` (by code or id), or None if the snapshot has none for it."""
    cards = Scorecard.objects.select_related("agency", "agency__group", "interval").filter(snapshot=snapshot)
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
    return {card.snapshot_id: card for card in cards}


def release_of(snapshot: RankingSnapshot) -> PublicRelease | None:
    """The snapshot's release row while it is shown in public."""
    return PublicRelease.objects.filter(snapshot=snapshot, withdrawn_at__isnull=True).first()
