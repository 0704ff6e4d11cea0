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

Appraisal ballots have daily rollups (BallotDaily: survey, agency, category, day → count per
level), added in the ballot's own transaction by `ballot_add` (one UPSERT of as many rows
as the ballot rates agencies) and recounted by `ballot_rebuild` (one GROUP BY). These two
run on SQLite too.
"""
from __future__ import annotations

from django.conf import settings
from django.db import connection

from agencies.scheme import DIMENSIONS
from agencies.services import cycle_inputs_changed

from .choices import ResponseStatus
from .models import (
    LEVEL_RANGE,
    Ballot,
    BallotDaily,
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
    cycle_inputs_changed(Survey.objects.filter(pk=survey_id).values_list("cycle_id", flat=True).first())
    return written


def ballot_add(ballot: Ballot, ratings: dict[int, int]) -> None:
    """Count one stored ballot (agency id → level) into its day's rollup rows: one UPSERT, in the caller's
    transaction."""
    if not ratings:
        return
    table = _q(BallotDaily._meta.db_table)
    levels = [ballot_level_column(level) for level in LEVEL_RANGE]
    rows, params = [], []
    for agency_id, level in sorted(ratings.items()):  # sorted: concurrent ballots lock rows in one order
        rows.append(f"(%s, %s, %s, %s, {', '.join('1' if lv == level else '0' for lv in LEVEL_RANGE)})")
        params += [ballot.survey_id, agency_id, ballot.category, ballot.submitted_on]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (survey_id, agency_id, category, day, {', '.join(map(_q, levels))}) "
            f"VALUES {', '.join(rows)} ON CONFLICT (survey_id, agency_id, category, day) DO UPDATE SET "
            + ", ".join(f"{_q(c)} = {table}.{_q(c)} + excluded.{_q(c)}" for c in levels), params)


def ballot_rebuild(*, survey_id: int) -> int:
    """Recount an appraisal survey's daily ballot rollups from its ratings (one GROUP BY); returns the rows written."""
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
        return cursor.rowcount
