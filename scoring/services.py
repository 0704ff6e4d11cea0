"""Every write of scoring: one function per state change.

The ledger and the snapshots are append-only; a correction is a reversing entry. Other
apps book through `score_entry_book` / `score_entry_reverse` inside their own
transaction (a confirmed finding, an overdue notice, an upheld appeal).
"""
from __future__ import annotations

import io
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from agencies.choices import CycleStatus
from agencies.models import Agency, Cycle
from agencies.services import cycle_inputs_changed, cycle_refuse_locked
from conduct_eval.consistent import consistent_reads
from conduct_eval.errors import ConflictError
from surveys import rollups as surveys_rollups

from . import documents, method
from .choices import EntryKind, EntrySource
from .method import columns as method_columns
from .models import (
    Assessment,
    Indicator,
    Publication,
    PublicRelease,
    RankingSnapshot,
    RecomputeRequest,
    Scorecard,
    ScorecardInterval,
    ScoreEntry,
    SnapshotDocument,
)
from .periods import CYCLE, Period, PeriodError, period_parse
from .selectors import may_assess, scheme_of, scoring_input_table, snapshot_newest
from .signals import final_snapshot_published

logger = logging.getLogger(__name__)

MAX_ENTRY_POINTS = Decimal("100")
# Seconds after which a recompute claimed by a worker that never finished is taken to be dead.
DEFAULT_RECOMPUTE_LEASE = 900
SWEEP_BATCH = 50
# A claim on a publication older than this is taken to be a dead worker's: the sweep may claim it again.
PUBLICATION_LEASE = timedelta(minutes=10)
_INPUT_FIELDS = tuple(f.name for f in fields(method.AgencyInput))


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: "必须是数字"}) from None
    if not number.is_finite():
        raise ValidationError({field: "必须是数字"})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({field: "最多两位小数"})
    return number


def _refuse_locked(cycle: Cycle) -> None:
    cycle_refuse_locked(cycle)


def _insert_once(entry: ScoreEntry) -> ScoreEntry:
    """Insert `entry`; if its source_key is already booked (even by a concurrent writer), return that entry."""
    if entry.source_key:
        existing = ScoreEntry.objects.filter(source_key=entry.source_key).first()
        if existing:
            return existing
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a clash
            entry.save()
    except IntegrityError:
        if entry.source_key:
            existing = ScoreEntry.objects.filter(source_key=entry.source_key).first()
            if existing:
                return existing
        if entry.reverses_id and ScoreEntry.objects.filter(reverses_id=entry.reverses_id).exists():
            raise ConflictError("该台账已被冲销过") from None
        raise
    return entry


@transaction.atomic
def score_entry_book(*, cycle: Cycle, agency: Agency, kind: str, points, reason: str,
                     source: str = EntrySource.MANUAL, source_key: str | None = None, actor=None) -> ScoreEntry:
    """Book one ledger entry. Points are a positive magnitude (0 for a veto, whose reason is required).

    Idempotent by `source_key`: booking the same key again returns the first entry.
    """
    if kind not in EntryKind.values:
        raise ValidationError({"kind": f"类别应为 {', '.join(EntryKind.values)}"})
    if source not in EntrySource.values:
        raise ValidationError({"source": f"来源应为 {', '.join(EntrySource.values)}"})
    points = _decimal(points, "points")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "必须填写事由"})
    if kind == EntryKind.VETO:
        if points != 0:
            raise ValidationError({"points": "一票否决的分值必须为 0"})
    elif not 0 < points <= MAX_ENTRY_POINTS:
        raise ValidationError({"points": f"分值必须大于 0 且不超过 {MAX_ENTRY_POINTS}"})
    _refuse_locked(cycle)
    entry = ScoreEntry(cycle=cycle, agency=agency, kind=kind, points=points, reason=reason[:500], source=source,
                       source_key=source_key or None, created_by=actor)
    return _booked(entry)


def _booked(entry: ScoreEntry) -> ScoreEntry:
    """Insert `entry` once; a new row raises the cycle's input version in the same transaction."""
    stored = _insert_once(entry)
    if stored is entry:
        cycle_inputs_changed(entry.cycle_id)
    return stored


@transaction.atomic
def score_entry_reverse(*, entry: ScoreEntry, reason: str, actor=None, source_key: str | None = None) -> ScoreEntry:
    """Cancel `entry` with a reversing entry of negated points. One reversal per entry; a reversal is final."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "必须填写冲销理由"})
    if source_key:
        existing = ScoreEntry.objects.filter(source_key=source_key).first()
        if existing:
            return existing
    if entry.is_reversal:
        raise ConflictError("冲销记录不能再被冲销")
    if ScoreEntry.objects.filter(reverses=entry).exists():
        raise ConflictError("该台账已被冲销过")
    _refuse_locked(entry.cycle)
    reversal = ScoreEntry(cycle=entry.cycle, agency=entry.agency, kind=entry.kind, points=-entry.points,
                          reason=reason[:500], source=entry.source, source_key=source_key or None,
                          reverses=entry, created_by=actor)
    return _booked(reversal)


@transaction.atomic
def indicator_create(*, cycle: Cycle, code: str, name: str, max_points, assessor_unit: str) -> Indicator:
    _refuse_locked(cycle)
    max_points = _decimal(max_points, "max_points")
    if max_points <= 0:
        raise ValidationError({"max_points": "满分必须大于 0"})
    if Indicator.objects.filter(cycle=cycle, code=code).exists():
        raise ValidationError({"code": f"指标编码 {code} 在本周期已存在"})
    indicator = Indicator(cycle=cycle, code=code, name=name, max_points=max_points, assessor_unit=assessor_unit)
    indicator.full_clean()
    indicator.save()  # the cycle's input version rises by scoring.receivers (every save of an indicator)
    return indicator


@transaction.atomic
def assessment_put(*, indicator: Indicator, agency: Agency, points, note: str = "", actor=None) -> Assessment:
    """Give `agency` points on `indicator` (0 ≤ points ≤ max): a new revision; the latest counts."""
    if actor is not None and not may_assess(actor, indicator):
        raise PermissionDenied("只能为本单位负责的指标打分")
    points = _decimal(points, "points")
    if not 0 <= points <= indicator.max_points:
        raise ValidationError({"points": f"得分必须在 0 到 {indicator.max_points} 之间"})
    _refuse_locked(indicator.cycle)
    # The indicator row serialises concurrent saves of its cells, so revisions never clash.
    Indicator.objects.select_for_update().filter(pk=indicator.pk).first()
    last = Assessment.objects.filter(indicator=indicator, agency=agency).order_by("-revision").first()
    if last and last.points == points and last.note == (note or ""):
        return last  # saving an unchanged cell adds no revision
    assessment = Assessment.objects.create(indicator=indicator, agency=agency,
                                           revision=(last.revision + 1) if last else 1, points=points,
                                           note=(note or "")[:500], assessed_by=actor)
    cycle_inputs_changed(indicator.cycle_id)
    return assessment


def snapshot_precheck(*, cycle: Cycle, period: str, final: bool) -> Period:
    """The period to compute, or why not: a bad period (400), a final result of an open cycle or a second one (409)."""
    if final:
        if period != CYCLE:
            raise ValidationError({"period": "年度最终结果只能按整个周期（cycle）计算"})
        if cycle.status not in (CycleStatus.CLOSED, CycleStatus.PUBLISHED):
            raise ConflictError("评议周期结束后才能生成年度最终结果")
        if RankingSnapshot.objects.filter(cycle=cycle, final=True).exists():
            raise ConflictError("本周期的年度最终结果已生成")
    try:
        return period_parse(period, starts_on=cycle.starts_on, ends_on=cycle.ends_on)
    except PeriodError as exc:
        raise ValidationError({"period": str(exc)}) from None


def snapshot_unchanged(*, cycle: Cycle, period: str = CYCLE) -> RankingSnapshot | None:
    """The newest snapshot of `period` if nothing it counted can have changed since; else None. Two small reads.

    Nothing changed when the newest (non-final) snapshot of the period read the cycle's current input version
    (every write of an input raises it in its own transaction: `agencies.services.cycle_inputs_changed`) and the
    period still ends where it did (the cycle's dates may have moved). A write committed between the two reads
    is as if it came just after this recompute: its own bump asks for the next one.
    """
    row = Cycle.objects.filter(pk=cycle.pk).values_list("inputs_version", "starts_on", "ends_on").first()
    if row is None:
        return None
    version, starts_on, ends_on = row
    try:
        span = period_parse(period, starts_on=starts_on, ends_on=ends_on)
    except PeriodError:
        return None  # the full path names the error
    newest = snapshot_newest(cycle=cycle, period=span.name)
    if (newest is not None and not newest.final and newest.inputs_version == version
            and newest.until == span.until):
        return newest
    return None


def snapshot_compute(*, cycle: Cycle, period: str = CYCLE, final: bool = False, actor=None,
                     intervals: bool = True) -> RankingSnapshot:
    """Recompute `cycle` for `period` and store the snapshot (unless an identical one is the newest).

    Unchanged inputs since the newest snapshot (by the cycle's input version) return it at once, without
    reading any input (`snapshot_unchanged`); otherwise every input is read and the digest compared.

    The final annual snapshot needs a closed cycle, is stored once, and writes its publication row (the
    outbox of its consequences) in the same transaction; that is carried out after the commit, and by the
    sweep should that fail (`publication_carry_out`).

    The advisory 95% intervals come after the official result, in a transaction of their own
    (`snapshot_intervals_store`): the ranking is committed, and served, before they are resampled. With
    `intervals=False` they are left to the caller (or to the sweep, `snapshot_intervals_sweep`).
    """
    # Responses stored uncounted (the Redis path) join the rollups first: that raises the input version, so the
    # unchanged check below sees them too.
    surveys_rollups.catch_up()
    if not final:
        unchanged = snapshot_unchanged(cycle=cycle, period=period)
        if unchanged is not None:
            return unchanged
    span = snapshot_precheck(cycle=cycle, period=period, final=final)
    starts_on, ends_on = cycle.starts_on, cycle.ends_on
    with consistent_reads() as view:
        # One snapshot of the database for every input: the scheme, the agencies, the survey counts, the
        # assessments and the ledger, so that no commit lands between two of these reads. The cycle row is
        # read first, so its input version is the version of exactly these inputs.
        cycle = Cycle.objects.get(pk=cycle.pk)
        version = cycle.inputs_version
        if (cycle.starts_on, cycle.ends_on) != (starts_on, ends_on):
            span = snapshot_precheck(cycle=cycle, period=period, final=final)  # the dates moved meanwhile
        scheme = scheme_of(cycle)
        read = scoring_input_table(cycle=cycle, until=span.until, view=view)
    digest = method.table_digest(read.table, scheme)
    if not final:
        newest = snapshot_newest(cycle=cycle, period=span.name)
        # The digest decides for a snapshot stored before versions existed. One with an older version and the
        # same digest (a write that changed nothing after all) is stored again under the new version, so the
        # dashboard no longer shows the inputs as changed and the next recompute takes the quick path.
        if (newest is not None and newest.digest == digest and newest.inputs_version in (None, version)
                and newest.until == span.until):
            return newest
    prepared, official = method_columns.official(read.table, scheme)
    # The document (JSON, then zlib, which lets go of the interpreter while it compresses) is made in a thread
    # while the snapshot row and the scorecard rows are stored: 40 ms of work beside 30 ms of waiting on the
    # database. It reads only the computed result, never the database.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ce-document") as executor:
        body = executor.submit(documents.document_body, prepared=prepared, official=official,
                               agency_ids=read.agency_ids, entry_ids=read.entry_ids,
                               assessment_ids=read.assessment_ids)
        try:
            with transaction.atomic():
                snapshot = RankingSnapshot.objects.create(cycle=cycle, period=span.name, until=span.until,
                                                          final=final, digest=digest, inputs_version=version,
                                                          scheme=scheme, computed_by=actor)
                _scorecards_store(snapshot, read.agency_ids, prepared, official)
                SnapshotDocument.objects.create(snapshot=snapshot, body=body.result())
                if final:
                    publication = Publication.objects.create(snapshot=snapshot)
                    transaction.on_commit(lambda: publication_enqueue(publication_id=publication.pk), robust=True)
        except IntegrityError:
            raise ConflictError("本周期的年度最终结果已生成") from None
    if intervals:
        try:
            with transaction.atomic():  # a savepoint inside a caller's transaction: a failure undoes only this
                snapshot_intervals_store(snapshot=snapshot, computed=(prepared, official))
        except Exception:  # advisory: the ranking stands without them, and the sweep tries again
            logger.exception("95%% intervals of snapshot %s failed; the sweep tries again", snapshot.pk)
    return snapshot


INTERVAL_KEYS = ("total_low", "total_high", "rank_low", "rank_high", "rank_in_group_low", "rank_in_group_high")
INTERVALS_SWEEP_DAYS = 3


def snapshot_intervals_store(*, snapshot: RankingSnapshot, computed: tuple | None = None) -> int:
    """Resample and store the 95% intervals of a stored snapshot's scorecards, once; returns how many were stored.

    `computed` is the snapshot's own official result, `method.columns.official(...)` (its recompute has it at
    hand); without it the result is computed again from the inputs the snapshot stored (its document, or the
    rows of a snapshot stored before documents) and its scheme, so the intervals are the same either way (the
    method is deterministic: fixed draws and seed). Snapshots stored before the intervals lived apart carry
    them inside their cards and get no second copy. Readers see them through `Scorecard.full_card`.
    """
    scorecards = Scorecard.objects.filter(snapshot=snapshot)
    missing = list(scorecards.filter(interval__isnull=True).filter(Q(card_json__isnull=True)
                                                                    | Q(card_json__total_low=None))
                   .values_list("pk", "agency__code"))
    if not missing:
        return 0
    if computed is not None:
        prepared, official = computed
    elif scorecards.filter(card_json__isnull=True).exists():
        prepared, official = method_columns.official(documents.document_of(snapshot).table(), snapshot.scheme)
    else:  # stored before documents: the inputs of every row (their JSON documents are read only on this path)
        inputs = [method.AgencyInput(**{name: row.inputs_json[name] for name in _INPUT_FIELDS})
                  for row in scorecards.select_related("agency")]
        prepared, official = method_columns.official(method.input_table(inputs, snapshot.scheme), snapshot.scheme)
    cards = method.intervals_of(prepared, official)
    shown = {card.agency: card.to_dict() for card in cards}
    with transaction.atomic():
        ScorecardInterval.objects.bulk_create(
            [ScorecardInterval(scorecard_id=pk, values={key: shown[code][key] for key in INTERVAL_KEYS})
             for pk, code in missing], batch_size=1000, ignore_conflicts=True)
        transaction.on_commit(lambda: snapshot_cached_forget(snapshot))
    return len(missing)


def snapshot_cached_forget(snapshot: RankingSnapshot) -> None:
    """Drop what was cached of a snapshot before its intervals were stored: the rankings API's body, and the
    dashboard's parts (all of them re-rendered once, as after a rename: they are keyed by snapshot, not listed)."""
    from . import dashboard_parts
    from .api.views import ranking_body_key

    dashboard_parts.names_changed()  # never raises: a cache that is down holds no part to go stale
    try:
        cache.delete_many([ranking_body_key(snapshot), f"{ranking_body_key(snapshot)}:token"])
    except Exception:  # a cache that is down holds nothing to forget
        logger.warning("cache unreachable: the rankings body of snapshot %s lives out its time", snapshot.pk)


def snapshot_intervals_sweep(*, at: datetime | None = None) -> int:
    """The intervals of recent snapshots whose own recompute did not store them (it failed, or left them to the
    sweep); returns how many snapshots got them. Older snapshots keep what they have."""
    at = at or timezone.now()
    # A scorecard with no interval stored and none inside its card (snapshots stored before they lived apart).
    without = Q(scorecards__card_json__isnull=True) | Q(scorecards__card_json__total_low=None)
    recent = (RankingSnapshot.objects.filter(without, computed_at__gte=at - timedelta(days=INTERVALS_SWEEP_DAYS),
                                             scorecards__interval__isnull=True)
              .distinct().order_by("computed_at"))
    done = 0
    for snapshot in recent:
        try:
            done += snapshot_intervals_store(snapshot=snapshot) > 0
        except Exception:  # one failing snapshot must not stop the others
            logger.exception("95%% intervals of snapshot %s failed; the next sweep tries again", snapshot.pk)
    return done


def recompute_request(*, cycle: Cycle, period: str = CYCLE, final: bool = False, actor=None) -> str:
    """Ask for a recompute; returns the task id.

    Embedded default (no Redis): done now, before the answer. Full stack: checked now (a bad
    period or a premature final result is refused at once), written to the outbox with the
    caller's transaction and handed to the broker after the commit. A broker that is down costs
    one quick failed publish, never the request: the sweep runs the recompute when it returns.
    """
    snapshot_precheck(cycle=cycle, period=period, final=final)
    task_id = str(uuid.uuid4())
    if settings.REDIS_URL:
        request = RecomputeRequest.objects.create(task_id=task_id, cycle=cycle, period=period, final=final,
                                                  requested_by=actor if actor and actor.pk else None)
        transaction.on_commit(lambda: recompute_publish(request.pk), robust=True)
    else:
        snapshot_compute(cycle=cycle, period=period, final=final, actor=actor)
    return task_id


def recompute_changed(*, at: datetime | None = None) -> list[int]:
    """The debounced recompute: ask once for the whole-cycle ranking of every open cycle whose inputs changed
    more than RECOMPUTE_DEBOUNCE seconds ago and after its newest snapshot. Returns the cycles asked for.

    A burst of bookings keeps pushing `inputs_changed_at` forward, so it yields one recompute once it has
    been quiet for the debounce, not one per write. A request still pending for the cycle is enough (the
    worker reads the inputs when it runs); and a version is asked for once (remembered in the cache for a
    day), so a recompute that stores nothing new (a snapshot from before input versions whose digest is
    unchanged) is not asked for again every minute. Closed and published cycles are not recomputed here.
    """
    from .selectors import inputs_changed_since

    at = at or timezone.now()
    quiet_since = at - timedelta(seconds=getattr(settings, "RECOMPUTE_DEBOUNCE", 120))
    asked = []
    for cycle in Cycle.objects.filter(status=CycleStatus.OPEN, inputs_changed_at__lte=quiet_since).order_by("id"):
        if inputs_changed_since(cycle) is None:
            continue
        if RecomputeRequest.objects.filter(cycle=cycle, period=CYCLE, final=False, done_at__isnull=True).exists():
            continue
        key = f"scoring:recompute-changed:{cycle.pk}:{cycle.inputs_version}:{cycle.inputs_changed_at.timestamp()}"
        if cache.get(key):
            continue
        try:
            with transaction.atomic():
                recompute_request(cycle=cycle, period=CYCLE)
        except Exception:  # one failing cycle must not stop the others; the next minute tries again
            logger.exception("debounced recompute of cycle %s failed", cycle.pk)
            continue
        cache.set(key, True, 24 * 3600)
        asked.append(cycle.pk)
    return asked


def recompute_publish(request_id: int) -> bool:
    """Hand one outbox row to the workers; False (and the row stays for the sweep) if the broker is down."""
    from . import tasks  # tasks call services; imported here to keep the import graph one-way

    try:
        # One attempt, bounded by the broker's socket timeouts: a request must not wait on a dead
        # broker, and the sweep is the retry. (retry=False would skip those timeouts: 5 s on a hung Redis.)
        tasks.recompute_requested.apply_async((request_id,), retry=True, retry_policy={"max_retries": 0})
    except Exception as exc:  # any broker failure (refused, timeout): the row stays pending
        logger.warning("broker unavailable (%s): recompute request %s left for the sweep", exc, request_id)
        return False
    RecomputeRequest.objects.filter(pk=request_id, published_at__isnull=True).update(published_at=timezone.now())
    return True


def recompute_lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "RECOMPUTE_CLAIM_LEASE", DEFAULT_RECOMPUTE_LEASE))


def recompute_run(*, request_id: int) -> int | None:
    """Run one requested recompute unless it is done or another worker has it; returns the snapshot id.

    A refused one (the cycle changed since the request: a bad period, a final result already
    stored) is marked done with the reason rather than retried for ever.
    """
    claimed_at = timezone.now()
    if RecomputeRequest.objects.filter(pk=request_id, done_at__isnull=True, claimed_at__isnull=True).update(
            claimed_at=claimed_at) != 1:
        return None
    request = RecomputeRequest.objects.select_related("cycle", "requested_by").get(pk=request_id)
    try:
        snapshot = snapshot_compute(cycle=request.cycle, period=request.period, final=request.final,
                                    actor=request.requested_by)
    except (ValidationError, ConflictError) as exc:
        RecomputeRequest.objects.filter(pk=request_id).update(done_at=timezone.now(), last_error=str(exc)[:300])
        return None
    except Exception as exc:
        # Give the row back at once so a retry (or the sweep) need not wait out the lease.
        RecomputeRequest.objects.filter(pk=request_id, claimed_at=claimed_at).update(
            claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:300])
        raise
    RecomputeRequest.objects.filter(pk=request_id).update(done_at=timezone.now(), snapshot_id=snapshot.pk,
                                                          last_error="")
    return snapshot.pk


def recompute_sweep(*, at=None) -> int:
    """Release claims older than the lease, then run what is still pending (oldest first). Returns the number run."""
    at = at or timezone.now()
    RecomputeRequest.objects.filter(done_at__isnull=True, claimed_at__lt=at - recompute_lease()).update(
        claimed_at=None)
    ran = 0
    for request_id in RecomputeRequest.objects.filter(done_at__isnull=True, claimed_at__isnull=True).order_by(
            "id").values_list("id", flat=True)[:SWEEP_BATCH]:
        try:
            ran += recompute_run(request_id=request_id) is not None
        except Exception:  # one failing recompute must not stop the sweep; the row stays pending
            logger.exception("recompute request %s failed; the next sweep tries again", request_id)
    return ran


_SCORECARD_COLUMNS = ("agency_id", "group_code", "total", "rank_overall", "rank_in_group", "outcome", "veto")


def _scorecards_store(snapshot: RankingSnapshot, agency_ids: list[int], prepared, official) -> None:
    """Insert a snapshot's scorecard rows: what lists filter and sort on; the rest is in its document.

    On PostgreSQL one COPY of 2,000 short lines; elsewhere (SQLite) `bulk_create`. No signal is lost:
    bulk_create sends none either.
    """
    table = prepared.table
    totals = official.cents["total"]
    rows = [(agency_ids[i], table.groups[i], method_columns.cents_decimal(totals[i]), official.ranks[i],
             official.group_ranks[i], official.outcomes[i], bool(table.veto[i])) for i in official.order]
    if not rows:
        return
    if connection.vendor != "postgresql":
        Scorecard.objects.bulk_create([
            Scorecard(snapshot=snapshot, **dict(zip(_SCORECARD_COLUMNS, row, strict=True))) for row in rows
        ], batch_size=500)
        return
    groups = {group: _copy_text(group) for group in set(table.groups)}
    lines = "".join(f"{snapshot.pk}\t{agency_id}\t{groups[group]}\t{total}\t{_copy_int(rank)}\t"
                    f"{_copy_int(group_rank)}\t{outcome}\t{'t' if veto else 'f'}\n"
                    for agency_id, group, total, rank, group_rank, outcome, veto in rows)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {Scorecard._meta.db_table} (snapshot_id, {', '.join(_SCORECARD_COLUMNS)}) "
                           "FROM STDIN", io.StringIO(lines))


def _copy_int(value: int | None) -> str:
    return r"\N" if value is None else str(value)


def _copy_text(value: str) -> str:
    """A text field of COPY's text format: backslash, tab and line ends escaped."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# --- publication of a final result: the outbox of its consequences ---------------------------

def publication_enqueue(*, publication_id: int) -> None:
    """After the commit: carry the publication out now (embedded default) or hand it to a worker (full stack).

    A broker that is down only delays it: the row stays pending for `publications_sweep`.
    """
    if not settings.REDIS_URL:
        publication_carry_out(publication_id=publication_id)
        return
    from . import tasks

    try:
        tasks.publication_carry_out.delay(publication_id)
    except Exception as exc:  # any broker failure: the row waits for the sweep
        logger.warning("broker unavailable (%s): publication %s left for the sweep", exc, publication_id)


def publication_carry_out(*, publication_id: int, at: datetime | None = None) -> bool:
    """Carry out a final snapshot's consequences once; True if this call did it.

    The claim is a compare-and-set committed first (a second worker, a rerun or the sweep finds it taken
    and returns); then `final_snapshot_published` is announced and `done_at` written in one transaction, so
    the commendation list, reminder talks and notices exist entirely or not at all. A receiver that fails
    leaves the row pending with its error (shown on the dashboard) for the sweep or the office's retry.
    """
    at = at or timezone.now()
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=at - PUBLICATION_LEASE)
    claimed = (Publication.objects.filter(claimable, pk=publication_id, done_at__isnull=True)
               .update(claimed_at=at, attempts=F("attempts") + 1))
    if claimed != 1:
        return False
    publication = Publication.objects.select_related("snapshot__cycle").get(pk=publication_id)
    try:
        with transaction.atomic():
            final_snapshot_published.send(sender=RankingSnapshot, snapshot=publication.snapshot)
            Publication.objects.filter(pk=publication_id, claimed_at=at).update(done_at=timezone.now(),
                                                                                last_error="")
    except Exception as exc:
        logger.exception("publication %s of snapshot %s failed; it is retried", publication_id,
                         publication.snapshot_id)
        Publication.objects.filter(pk=publication_id, claimed_at=at).update(
            claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:300])
        return False
    return True


def publications_sweep(*, at: datetime | None = None) -> int:
    """Carry out every publication still pending (never claimed, failed, or claimed by a dead worker)."""
    at = at or timezone.now()
    pending = (Publication.objects.filter(done_at__isnull=True)
               .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=at - PUBLICATION_LEASE))
               .order_by("created_at", "id").values_list("id", flat=True)[:100])
    return sum(publication_carry_out(publication_id=pk, at=at) for pk in list(pending))


# --- provisional results in public (公开化 / 实时评价) -----------------------------------------

@transaction.atomic
def snapshot_release(*, snapshot: RankingSnapshot, actor=None) -> PublicRelease:
    """Show a period snapshot's provisional ranking on /public/ (again, if it was withdrawn); idempotent.

    Only a snapshot of a cycle still under way: a final annual result is public through the cycle's
    publication, and a published cycle shows nothing but its final result.
    """
    if snapshot.final:
        raise ConflictError("年度最终结果随评议周期公布而公开，无需单独公开")
    if snapshot.cycle.status not in (CycleStatus.OPEN, CycleStatus.CLOSED):
        raise ConflictError("只能公开进行中或已结束待公布的评议周期的阶段性排名")
    release = PublicRelease.objects.select_for_update().filter(snapshot=snapshot).first()
    if release is None:
        return PublicRelease.objects.create(snapshot=snapshot, released_by=actor)
    if release.withdrawn_at is not None:
        release.withdrawn_at, release.withdrawn_by = None, None
        release.released_by, release.released_at = actor, timezone.now()
        release.save(update_fields=["withdrawn_at", "withdrawn_by", "released_by", "released_at"])
    return release


@transaction.atomic
def snapshot_release_withdraw(*, snapshot: RankingSnapshot, actor=None) -> PublicRelease | None:
    """Take a provisional ranking off /public/; the row stays as the record that it was shown."""
    release = PublicRelease.objects.select_for_update().filter(snapshot=snapshot, withdrawn_at__isnull=True).first()
    if release is not None:
        release.withdrawn_at, release.withdrawn_by = timezone.now(), actor
        release.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return release
