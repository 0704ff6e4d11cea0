"""Set-based upkeep of the monthly and daily rollup rows (PostgreSQL), for the bulk paths: import
and the benchmark data set.

A live submission adds itself to its month's and its day's rows with an UPSERT each
(surveys/services.py). A bulk path instead adds a whole set of rows with ONE `INSERT …
SELECT … GROUP BY … ON CONFLICT DO UPDATE SET n = n + excluded.n, …` per rollup table: each
(survey, agency, local month or day) row is touched once, whatever the number of responses.
Adding (rather than deleting and recounting) needs no table lock: a live submission
committing meanwhile adds to the same row under the row lock the UPSERT takes, and is
counted exactly once.

`rebuild` recounts a survey's rows from scratch (one DELETE and one GROUP BY), for data put
into the table without counting (the benchmark data set).

Appraisal ballots have daily and monthly rollups (BallotDaily, BallotMonthly: survey, agency,
category, day or month → count per level), added in the ballot's own transaction by `ballot_add`
(one UPSERT each, of as many rows as the ballot rates agencies) and recounted by `ballot_rebuild`
(one GROUP BY, and the months from the days). These two run on SQLite too.
"""
from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from agencies.scheme import DIMENSIONS
from agencies.services import cycle_inputs_changed

from .choices import ResponseStatus
from .models import (
    LEVEL_RANGE,
    Ballot,
    BallotDaily,
    BallotMonthly,
    BallotRating,
    RatingDaily,
    RatingMonthly,
    Response,
    Survey,
    ballot_level_column,
    count_column,
    rating_column,
)

PAIRS = [(d, level) for d in DIMENSIONS for level in LEVEL_RANGE]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def upsert_grouped_sql(source: str, *, survey: str = "survey_id", at: str = "submitted_at",
                       daily: bool = False) -> str:
    """Add the valid rows of `source` (a table or a parenthesised SELECT with the rating columns,
    `agency_id` and the `survey`/`at` expressions) into the monthly (or daily) rollups, one GROUP BY."""
    table = _q((RatingDaily if daily else RatingMonthly)._meta.db_table)
    key = "day" if daily else "month"
    columns = ["n", *(count_column(d, level) for d, level in PAIRS)]
    counts = ", ".join(f"COUNT(*) FILTER (WHERE {_q(rating_column(d))} = {level})" for d, level in PAIRS)
    local = f"({at} AT TIME ZONE '{settings.TIME_ZONE}')"
    bucket = f"{local}::date" if daily else f"date_trunc('month', {local})::date"
    return (f"INSERT INTO {table} (survey_id, agency_id, {key}, {', '.join(map(_q, columns))}) "
            f"SELECT {survey}, agency_id, {bucket}, COUNT(*), {counts} FROM {source} src "
            f"GROUP BY 1, 2, 3 "
            f"ON CONFLICT (survey_id, agency_id, {key}) DO UPDATE SET "
            + ", ".join(f"{_q(c)} = {table}.{_q(c)} + excluded.{_q(c)}" for c in columns))


def rebuild(*, survey_id: int) -> int:
    """Recount every monthly and daily rollup row of a survey from its valid responses; returns the rows written."""
    source = (f"(SELECT * FROM {_q(Response._meta.db_table)} WHERE survey_id = %s "
              f"AND status = '{ResponseStatus.VALID}')")
    written = 0
    with connection.cursor() as cursor:
        for daily, model in ((False, RatingMonthly), (True, RatingDaily)):
            cursor.execute(f"DELETE FROM {_q(model._meta.db_table)} WHERE survey_id = %s", [survey_id])
            cursor.execute(upsert_grouped_sql(source, daily=daily), [survey_id])
            written += cursor.rowcount
        # Every valid row is in the recount now: the catch-up must not add the uncounted ones again.
        cursor.execute(f"UPDATE {_q(Response._meta.db_table)} SET counted = true WHERE survey_id = %s AND NOT counted",
                       [survey_id])
    cycle_inputs_changed(Survey.objects.filter(pk=survey_id).values_list("cycle_id", flat=True).first())
    return written


def ballot_add(ballot: Ballot, ratings: dict[int, int]) -> None:
    """Count one stored ballot (agency id → level) into its day's and its month's rollup rows: one UPSERT each,
    in the caller's transaction."""
    if not ratings:
        return
    levels = [ballot_level_column(level) for level in LEVEL_RANGE]
    for model, key, bucket in ((BallotDaily, "day", ballot.submitted_on),
                               (BallotMonthly, "month", ballot.submitted_on.replace(day=1))):
        table = _q(model._meta.db_table)
        rows, params = [], []
        for agency_id, level in sorted(ratings.items()):  # sorted: concurrent ballots lock rows in one order
            rows.append(f"(%s, %s, %s, %s, {', '.join('1' if lv == level else '0' for lv in LEVEL_RANGE)})")
            params += [ballot.survey_id, agency_id, ballot.category, bucket]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (survey_id, agency_id, category, {key}, {', '.join(map(_q, levels))}) "
                f"VALUES {', '.join(rows)} ON CONFLICT (survey_id, agency_id, category, {key}) DO UPDATE SET "
                + ", ".join(f"{_q(c)} = {table}.{_q(c)} + excluded.{_q(c)}" for c in levels), params)


def ballot_rebuild(*, survey_id: int) -> int:
    """Recount an appraisal survey's daily ballot rollups from its ratings (one GROUP BY), and its monthly ones
    from those; returns the daily rows written."""
    table = _q(BallotDaily._meta.db_table)
    levels = [ballot_level_column(level) for level in LEVEL_RANGE]
    counts = ", ".join(f"SUM(CASE WHEN r.level = {level} THEN 1 ELSE 0 END)" for level in LEVEL_RANGE)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE survey_id = %s", [survey_id])
        cursor.execute(
            f"INSERT INTO {table} (survey_id, agency_id, category, day, {', '.join(map(_q, levels))}) "
            f"SELECT b.survey_id, r.agency_id, b.category, b.submitted_on, {counts} "
            f"FROM {_q(BallotRating._meta.db_table)} r JOIN {_q(Ballot._meta.db_table)} b ON b.id = r.ballot_id "
            f"WHERE b.survey_id = %s GROUP BY b.survey_id, r.agency_id, b.category, b.submitted_on", [survey_id])
        written = cursor.rowcount
    BallotMonthly.objects.filter(survey_id=survey_id).delete()
    monthly = (BallotDaily.objects.filter(survey_id=survey_id).annotate(month_of=TruncMonth("day"))
               .values("agency_id", "category", "month_of").annotate(**{f"{c}_sum": Sum(c) for c in levels})
               .order_by())
    BallotMonthly.objects.bulk_create([
        BallotMonthly(survey_id=survey_id, agency_id=row["agency_id"], category=row["category"],
                      month=row["month_of"], **{c: row[f"{c}_sum"] for c in levels})
        for row in monthly.iterator(chunk_size=5000)], batch_size=5000)
    return written


# --- the catch-up of rows inserted uncounted -------------------------------------------------
#
# Why the Redis-decided submission path (surveys/fastpath.py) is safe, and what it costs:
#
# * Answer. One Lua script in Redis decides, in one round trip, the per-address rate limit and
#   whether the (survey, agency, fingerprint) already has a valid response within
#   SURVEY_DEDUP_HOURS; then one autocommitted INSERT stores the row with counted = false. When
#   Redis holds no duplicate key (first submission, or keys lost to a Redis restart or
#   eviction), the view asks the database (one indexed EXISTS on response_dedup) before
#   answering, so the immediate answer `valid` / `duplicate` is the database's answer even just
#   after a restart. Only two requests of one device racing inside the same few milliseconds
#   with Redis empty can both be told `valid`; the batch below keeps the database right.
# * Authority. `catch_up` re-checks every uncounted valid row against the rows themselves, in
#   submission order: a row that duplicates an earlier valid row is marked `duplicate` before it
#   is counted. The immediate answer is right in every case but two, both needing the same device
#   twice within milliseconds: (a) Redis lost its keys and two requests race between the script
#   and the INSERT; (b) one request goes the database path (it carries an opinion, or Redis was
#   briefly unreachable) while the other takes the hot path. Then both may be told `valid`; the
#   batch stores the later one as `duplicate` (scoring counts it once, as if it had come a moment
#   later), the row and any opinion are kept, and the device was not told anything the contract
#   forbids (DESIGN.md: the answer says whether the response counts; the office's view of the row,
#   the stored status, is the authority). In case (b) with the hot-path row the earlier one, the
#   database path's row was counted inline and stays valid: two valid rows of one device, at most
#   once per device and race — the price of not locking the hot path; accepted.
# * Lateness. Celery beat runs `catch_up` every 5 s (surveys/schedule.py), so rollups lag live
#   submissions by up to about 5 s plus a batch's time; every snapshot computation calls
#   `catch_up` first (scoring.services.snapshot_compute), so no recompute misses a row.
# * Worker down. Rows wait uncounted (the partial index response_uncounted keeps the queue
#   cheap to find) and the next snapshot computation or beat tick counts them; nothing is lost,
#   dashboards that read rollups directly lag until then.
# * Redis down. The view falls back to today's database path (services.response_submit: an
#   advisory lock, one INSERT … SELECT that classifies and counts): slower, never a 500. Its rows
#   are counted at once (counted = true), so the catch-up never sees them. The embedded default
#   (SQLite, no Redis) always takes that path.
# * Redis restarted. The rate counters start again from zero (a client may get one more window's
#   worth); the duplicate keys are rebuilt lazily: a miss makes the INSERT … SELECT consult the
#   database, and a duplicate found there re-arms the key with the earlier row's expiry.
# * Exactly once. Rows are taken FOR UPDATE SKIP LOCKED and marked counted in the same
#   transaction as the rollup UPSERT, after the rollup tables are locked (ROW EXCLUSIVE, the
#   order `services.rollups_rebuild` also takes), so two catch-ups never count a row twice,
#   and running it again finds nothing.

CATCH_UP_BATCH = 20000


def _recheck_duplicates(cursor, ids: list[int]) -> int:
    """Mark `duplicate` every valid row of `ids` that has an earlier valid row of its device within the
    window; rows are decided in submission order, so a chain's later row sees its predecessor's new status."""
    table = _q(Response._meta.db_table)
    earlier = (f"EXISTS (SELECT 1 FROM {table} e WHERE e.survey_id = r.survey_id AND e.agency_id = r.agency_id "
               f"AND e.fingerprint = r.fingerprint AND e.status = '{ResponseStatus.VALID}' AND e.id <> r.id "
               f"AND e.submitted_at > r.submitted_at - make_interval(hours => %s) "
               f"AND (e.submitted_at < r.submitted_at OR (e.submitted_at = r.submitted_at AND e.id < r.id)))")
    hours = settings.SURVEY_DEDUP_HOURS
    cursor.execute(f"SELECT r.id FROM {table} r WHERE r.id = ANY(%s) AND r.status = '{ResponseStatus.VALID}' "
                   f"AND {earlier} ORDER BY r.submitted_at, r.id", [ids, hours])
    marked = 0
    for (row_id,) in cursor.fetchall():  # rare: only rows Redis let through (a race, or keys lost)
        cursor.execute(f"UPDATE {table} r SET status = '{ResponseStatus.DUPLICATE}' WHERE r.id = %s AND {earlier}",
                       [row_id, hours])
        marked += cursor.rowcount
    return marked


def catch_up(*, batch: int = CATCH_UP_BATCH) -> int:
    """Count the rows not yet counted into the rollups, batch by batch; returns the rows taken.

    Each batch is one transaction: take the oldest uncounted rows (FOR UPDATE SKIP LOCKED), re-check
    their duplicates against the rows, add the valid ones to the monthly and daily rollups with one
    INSERT … SELECT … GROUP BY … ON CONFLICT each, mark them counted and bump the input version of
    their cycles once. Running it twice counts each row once. See the comment block above.
    """
    from django.db import transaction

    from .models import Survey

    if connection.vendor != "postgresql":
        return _catch_up_rowwise()
    table = _q(Response._meta.db_table)
    with connection.cursor() as cursor:  # the usual answer, from the partial index alone: nothing to count
        cursor.execute(f"SELECT 1 FROM {table} WHERE NOT counted LIMIT 1")
        if cursor.fetchone() is None:
            return 0
    taken = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {_q(RatingMonthly._meta.db_table)}, {_q(RatingDaily._meta.db_table)} "
                           "IN ROW EXCLUSIVE MODE")
            cursor.execute(f"SELECT id FROM {table} WHERE NOT counted ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                           [batch])
            ids = [row_id for (row_id,) in cursor.fetchall()]
            if not ids:
                return taken
            _recheck_duplicates(cursor, ids)
            source = f"(SELECT * FROM {table} WHERE id = ANY(%s) AND status = '{ResponseStatus.VALID}')"
            for daily in (False, True):
                cursor.execute(upsert_grouped_sql(source, daily=daily), [ids])
            cursor.execute(f"UPDATE {table} SET counted = true WHERE id = ANY(%s) RETURNING survey_id", [ids])
            surveys = {survey_id for (survey_id,) in cursor.fetchall()}
            for cycle_id in sorted(set(Survey.objects.filter(pk__in=surveys).values_list("cycle_id", flat=True))):
                cycle_inputs_changed(cycle_id)
        taken += len(ids)
        if len(ids) < batch:
            return taken


def _catch_up_rowwise() -> int:
    """SQLite (no Redis path writes uncounted rows there; tests and hand-made rows): the same, row by row."""
    from django.db import transaction

    from .services import _rollup_add

    if not Response.objects.filter(counted=False).exists():
        return 0
    with transaction.atomic():
        rows = list(Response.objects.filter(counted=False).select_related("survey").order_by("submitted_at", "id"))
        for row in rows:
            if row.status == ResponseStatus.VALID and Response.objects.filter(
                    survey_id=row.survey_id, agency_id=row.agency_id, fingerprint=row.fingerprint,
                    status=ResponseStatus.VALID, submitted_at__lte=row.submitted_at,
                    submitted_at__gt=row.submitted_at - _dedup_window()).exclude(pk=row.pk).filter(
                    models_q_earlier(row)).exists():
                row.status = ResponseStatus.DUPLICATE
                Response.objects.filter(pk=row.pk).update(status=row.status)
            if row.status == ResponseStatus.VALID:
                _rollup_add(row)
        Response.objects.filter(pk__in=[r.pk for r in rows]).update(counted=True)
        for cycle_id in sorted({r.survey.cycle_id for r in rows}):
            cycle_inputs_changed(cycle_id)
    return len(rows)


def _dedup_window():
    from datetime import timedelta
    return timedelta(hours=settings.SURVEY_DEDUP_HOURS)


def models_q_earlier(row):
    from django.db.models import Q
    return Q(submitted_at__lt=row.submitted_at) | Q(submitted_at=row.submitted_at, pk__lt=row.pk)
