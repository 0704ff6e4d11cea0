"""Bulk import of public-survey responses from CSV (paper forms, kiosks, other channels' exports).

Columns: `agency, window, submitted_at, channel, <dimension codes…>, opinion` (any order).
All or nothing: if any row is bad, nothing is stored and the report names every bad row by
its line (up to MAX_REPORTED of them).

PostgreSQL, at COPY speed, in ONE transaction:
1. the file is streamed with COPY into a temporary staging table of text columns (the
   process reads it in 64 KiB chunks: its memory stays flat in the file size);
2. every row is parsed and checked in SQL (agency and window by join, the time, channel,
   levels, the opinion's length) into a second temporary table with the problems of each
   row; if any row has one, the first MAX_REPORTED are reported with their lines and the
   transaction rolls back;
3. one `INSERT … SELECT` stores the responses, one more their opinions and their first
   history step;
4. the monthly and the daily rollups get the imported rows with ONE `GROUP BY … ON CONFLICT
   DO UPDATE` each (surveys/rollups.py): additive, so live submissions meanwhile are neither lost nor
   counted twice.
COPY counts records, not lines (an opinion may span lines): only when there are errors is
the file read again, streaming, to turn record numbers into line numbers.

SQLite keeps a streaming path: rows parsed in Python and bulk-inserted in batches, then the
touched months recounted.

Fingerprints: an imported row is one respondent of its own, so the duplicate rule (about
one device online) does not apply to imports. A row's fingerprint is a keyed hash of the
file's content digest followed by its record number: two paper forms never collapse, and
importing the same file twice is recognised and refused.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import DataError, connection, transaction
from django.utils import timezone

from agencies.models import Agency, Window
from agencies.scheme import DIMENSIONS
from agencies.services import cycle_inputs_changed

from . import privacy, rollups
from .choices import Channel, OpinionStatus, ResponseStatus
from .models import Opinion, OpinionEvent, Response, Survey, rating_column
from .services import OPINION_MAX_LENGTH, OPINION_RECEIVED_NOTE, month_of, rollups_rebuild

BATCH = 5000
MAX_REPORTED = 200
FIXED_COLUMNS = ("agency", "window", "submitted_at", "channel", "opinion")
COPY_CHUNK = 1 << 16


class ImportRejected(Exception):
    """The file had bad rows; nothing was stored. `errors` are `第 N 行：…` messages."""

    def __init__(self, errors: list[str], bad_rows: int, summary: str = ""):
        super().__init__(summary or f"{bad_rows} 行有误，未写入任何数据")
        self.errors, self.bad_rows = errors, bad_rows


@dataclass
class ImportReport:
    rows: int = 0
    opinions: int = 0
    rollup_rows: int = 0
    months: set = field(default_factory=set)


@dataclass
class _Row:
    agency_id: int
    window_id: int | None
    channel: str
    at: datetime
    ratings: dict[str, int | None]
    opinion: str
    fingerprint: str


def header_problems(survey: Survey, header: list[str]) -> str:
    """What is wrong with a header row ('' when nothing)."""
    header = [h.strip() for h in header]
    missing = [c for c in (*FIXED_COLUMNS, *survey.dimensions) if c not in header]
    unknown = [c for c in header if c not in FIXED_COLUMNS and c not in survey.dimensions]
    repeated = sorted({c for c in header if header.count(c) > 1})
    problems = ([f"缺少列：{', '.join(missing)}"] if missing else []) + (
        [f"未知列：{', '.join(unknown)}"] if unknown else []) + (
        [f"重复列：{', '.join(repeated)}"] if repeated else [])
    return "；".join(problems)


def file_key(digest: str) -> str:
    """The keyed prefix of every fingerprint of one file's rows."""
    return privacy.keyed_hash("import", digest)[:40]


def row_fingerprint(digest: str, record: int) -> str:
    """The fingerprint of the file's `record`-th data row (1 = the row after the header)."""
    return f"{file_key(digest)}:{record}"


def _legacy_fingerprint(digest: str, line: int) -> str:
    """How imports fingerprinted rows before record numbers (a keyed hash of digest and line)."""
    return privacy.keyed_hash("import", f"{digest}:{line}")


def _refuse_reimport(survey: Survey, digest: str) -> None:
    if Response.objects.filter(survey=survey, fingerprint__in=[row_fingerprint(digest, 1),
                                                               _legacy_fingerprint(digest, 2)]).exists():
        raise ImportRejected([], 0, summary="该文件已导入过（内容相同），未重复写入")


class _RowReader:
    """Turns CSV records into _Row objects, or raises ValueError with a message for the report (SQLite)."""

    def __init__(self, survey: Survey, digest: str):
        self.survey, self.digest = survey, digest
        self.agencies = dict(Agency.objects.filter(active=True, has_service_window=True).values_list("code", "pk"))
        self.windows = {(a, w): pk for a, w, pk in Window.objects.values_list("agency__code", "code", "pk")}
        self.now = timezone.now()

    def parse(self, record: dict[str, str], number: int) -> _Row:
        get = {k.strip(): (v or "").strip() for k, v in record.items() if k is not None}
        problems = []
        agency_id = self.agencies.get(get["agency"])
        if agency_id is None:
            problems.append(f"agency：未知机关或不参加网上民评「{get['agency']}」")
        window_id = None
        if get["window"]:
            window_id = self.windows.get((get["agency"], get["window"]))
            if window_id is None:
                problems.append(f"window：该机关没有窗口「{get['window']}」")
        channel = get["channel"] or Channel.IMPORT
        if channel not in Channel.values:
            problems.append(f"channel：未知渠道「{channel}」")
        at = None
        try:
            at = datetime.fromisoformat(get["submitted_at"])
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
            if not (self.survey.opens_at <= at < self.survey.closes_at) or at > self.now:
                problems.append(f"submitted_at：不在调查开放期内或晚于当前「{get['submitted_at']}」")
        except ValueError:
            problems.append(f"submitted_at：无法识别的时间「{get['submitted_at']}」")
        ratings = {}
        for dimension in self.survey.dimensions:
            value = get[dimension]
            if value == "":
                ratings[dimension] = None
            elif value in {"1", "2", "3", "4", "5"}:
                ratings[dimension] = int(value)
            else:
                problems.append(f"{dimension}：等级须为 1–5 或留空（不适用）「{value}」")
        if not problems and all(v is None for v in ratings.values()):
            problems.append("至少需对一个维度作出评价")
        if len(get["opinion"]) > OPINION_MAX_LENGTH:
            problems.append(f"opinion：意见不超过 {OPINION_MAX_LENGTH} 字")
        if problems:
            raise ValueError("；".join(problems))
        return _Row(agency_id=agency_id, window_id=window_id, channel=channel, at=at, ratings=ratings,
                    opinion=get["opinion"], fingerprint=row_fingerprint(self.digest, number))


class _Progressing(io.RawIOBase):
    """A binary file that reports every chunk read (bytes) to `progress`."""

    def __init__(self, raw, progress: Callable[[int], None] | None):
        super().__init__()
        self.raw, self.progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        if n and self.progress:
            self.progress(n)
        return n


def responses_import(*, survey: Survey, path: str, digest: str,
                     progress: Callable[[int], None] | None = None,
                     stage: Callable[[str], None] | None = None) -> ImportReport:
    """Import one CSV file (UTF-8, BOM allowed) all-or-nothing. Raises ImportRejected with a line-numbered report.

    `progress` is called with the number of bytes read as the file streams in; `stage`
    with the name of each step after that (checking, storing, counting).
    """
    with open(path, "rb") as raw:
        source = io.BufferedReader(_Progressing(raw, progress), COPY_CHUNK)
        if connection.vendor == "postgresql":
            return _import_postgresql(survey, source, digest, path, stage or (lambda _: None))
        lines = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
        return _import_streaming(survey, lines, digest)


# --- SQLite: streaming, row by row ----------------------------------------------------------

def _write_batch(survey: Survey, rows: list[_Row]) -> int:
    """Store a batch of responses and their opinions; returns the number of opinions."""
    created = Response.objects.bulk_create([
        Response(survey=survey, agency_id=row.agency_id, window_id=row.window_id, channel=row.channel,
                 status=ResponseStatus.VALID, fingerprint=row.fingerprint, submitted_at=row.at,
                 **{rating_column(d): level for d, level in row.ratings.items()})
        for row in rows])
    ids = {response.fingerprint: response.pk for response, row in zip(created, rows, strict=True) if row.opinion}
    opinions = Opinion.objects.bulk_create([
        Opinion(survey=survey, agency_id=row.agency_id, window_id=row.window_id, response_id=ids[row.fingerprint],
                text=row.opinion, receipt=privacy.new_receipt(), created_at=row.at) for row in rows if row.opinion])
    OpinionEvent.objects.bulk_create([
        OpinionEvent(opinion=opinion, at=opinion.created_at, status=OpinionStatus.NEW, note=OPINION_RECEIVED_NOTE)
        for opinion in opinions])
    return len(opinions)


def _import_streaming(survey: Survey, lines: Iterable[str], digest: str) -> ImportReport:
    reader = csv.DictReader(lines)
    problems = header_problems(survey, reader.fieldnames or [])
    if problems:
        raise ImportRejected([f"第 1 行（表头）：{problems}"], 1)
    parser = _RowReader(survey, digest)
    # Everything below is one transaction: an exception (a bad row found) rolls back what was written.
    report, errors, bad_rows, batch = ImportReport(), [], 0, []
    with transaction.atomic():
        _refuse_reimport(survey, digest)
        for number, record in enumerate(reader, start=1):
            try:
                row = parser.parse(record, number)
            except ValueError as exc:
                bad_rows += 1
                if len(errors) < MAX_REPORTED:
                    errors.append(f"第 {reader.line_num} 行：{exc}")
                batch = []  # once a row is bad nothing will be kept; stop writing, keep checking
            else:
                report.rows += 1
                if not bad_rows:
                    batch.append(row)
                    report.months.add(month_of(row.at))
                    if len(batch) >= BATCH:
                        report.opinions += _write_batch(survey, batch)
                        batch = []
        if bad_rows:
            _raise_rejected(errors, bad_rows)
        if batch:
            report.opinions += _write_batch(survey, batch)
        report.rollup_rows = rollups_rebuild(survey=survey, months=report.months)
    return report


def _raise_rejected(errors: list[str], bad_rows: int):
    if bad_rows > len(errors):
        errors.append(f"……另有 {bad_rows - len(errors)} 行有误未列出")
    raise ImportRejected(errors, bad_rows)


# --- PostgreSQL: COPY into staging, checks in SQL, one INSERT … SELECT --------------------------

_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
_ZONED = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$"
_SAFE_TIME_FUNCTION = f"""
CREATE OR REPLACE FUNCTION pg_temp.import_time(value text) RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
  IF value !~ '{_TIME}' THEN RETURN NULL; END IF;
  IF value ~ '{_ZONED}' THEN RETURN value::timestamptz; END IF;
  RETURN value::timestamp AT TIME ZONE '{settings.TIME_ZONE}';
EXCEPTION WHEN others THEN RETURN NULL;
END $$"""


def _staging_column(name: str) -> str:
    return connection.ops.quote_name(f"c_{name}")


def _fast_time(expr: str) -> str:
    """The time of a checked-format value, by plain casts (a date like 02-30 raises: see _check)."""
    # Once the shape is checked, a sign or a Z after the date (10 characters) can only be the offset: no second regex.
    zoned = f"(strpos(substr({expr}, 11), '+') > 0 OR strpos(substr({expr}, 11), '-') > 0 OR {expr} LIKE '%%Z')"
    return (f"CASE WHEN {expr} ~ '{_TIME}' THEN CASE WHEN {zoned} THEN {expr}::timestamptz "
            f"ELSE {expr}::timestamp AT TIME ZONE '{settings.TIME_ZONE}' END END")


def _checked_sql(survey: Survey, safe_time: bool) -> str:
    """SELECT each staged row parsed, with `problems` ('' when the row is good), as the Python path words them."""
    q = connection.ops.quote_name
    text = {c: f"btrim(coalesce(s.{_staging_column(c)}, ''))" for c in (*FIXED_COLUMNS, *survey.dimensions)}
    at = "pg_temp.import_time(t.v_submitted_at)" if safe_time else _fast_time("t.v_submitted_at")
    channels = ", ".join(f"'{c}'" for c in Channel.values)
    level = {d: f"CASE WHEN t.v_{d} IN ('1', '2', '3', '4', '5') THEN t.v_{d}::smallint END" for d in survey.dimensions}
    first = [
        "CASE WHEN p.agency_id IS NULL THEN 'agency：未知机关或不参加网上民评「' || p.v_agency || '」' END",
        "CASE WHEN p.v_window <> '' AND p.window_id IS NULL THEN 'window：该机关没有窗口「' || p.v_window || '」' END",
        f"CASE WHEN p.channel NOT IN ({channels}) THEN 'channel：未知渠道「' || p.channel || '」' END",
        "CASE WHEN p.ts IS NULL THEN 'submitted_at：无法识别的时间「' || p.v_submitted_at || '」' "
        "WHEN NOT (p.ts >= %(opens)s AND p.ts < %(closes)s AND p.ts <= %(now)s) "
        "THEN 'submitted_at：不在调查开放期内或晚于当前「' || p.v_submitted_at || '」' END",
        *(f"CASE WHEN p.v_{d} <> '' AND p.{q(rating_column(d))} IS NULL "
          f"THEN '{d}：等级须为 1–5 或留空（不适用）「' || p.v_{d} || '」' END" for d in survey.dimensions),
    ]
    all_unrated = " AND ".join(f"p.{q(rating_column(d))} IS NULL" for d in survey.dimensions)
    agency, window = q(Agency._meta.db_table), q(Window._meta.db_table)
    # Every dimension's column, NULL where the survey does not ask it: the rollup GROUP BY counts them all.
    ratings = ", ".join(f"p.{q(rating_column(d))}" if d in survey.dimensions
                        else f"NULL::smallint AS {q(rating_column(d))}" for d in DIMENSIONS)
    return f"""
SELECT p.ord, p.agency_id, p.window_id, p.channel, p.ts AS submitted_at, p.opinion, {ratings},
       concat_ws('；', nullif(CASE WHEN c.found = '' AND {all_unrated}
                              THEN '至少需对一个维度作出评价' ELSE c.found END, ''),
                 CASE WHEN char_length(p.opinion) > {OPINION_MAX_LENGTH}
                      THEN 'opinion：意见不超过 {OPINION_MAX_LENGTH} 字' END) AS problems
FROM (
  SELECT t.ord, t.v_agency, t.v_window, t.v_submitted_at, t.opinion,
         CASE WHEN a.active AND a.has_service_window THEN a.id END AS agency_id, w.id AS window_id,
         CASE WHEN t.v_channel = '' THEN '{Channel.IMPORT}' ELSE t.v_channel END AS channel,
         {at} AS ts,
         {', '.join(f'{level[d]} AS {q(rating_column(d))}, t.v_{d}' for d in survey.dimensions)}
  FROM (SELECT s.ord, {', '.join(f'{expr} AS v_{c}' for c, expr in text.items() if c != 'opinion')},
               {text['opinion']} AS opinion
        FROM import_staging s OFFSET 0) t
  LEFT JOIN {agency} a ON a.code = t.v_agency
  LEFT JOIN {window} w ON w.agency_id = a.id AND w.code = t.v_window AND t.v_window <> ''
  OFFSET 0  -- each row's values are computed once, not once per mention below
) p
CROSS JOIN LATERAL (SELECT concat_ws('；', {', '.join(first)}) AS found) c"""


def _lines_of(path: str, records: list[int]) -> dict[int, int]:
    """Record number (1 = first data row) → the line it ends on, reading the file once more (streaming)."""
    wanted, found = set(records), {}
    if not wanted:
        return found
    last = max(wanted)
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for number, _ in enumerate(reader, start=1):
            if number in wanted:
                found[number] = reader.line_num
            if number >= last:
                break
    return found


def _copy_error(error, path: str) -> ImportRejected:
    """COPY refused the file's shape (too few or too many fields, stray line ends): name the record's line."""
    where = getattr(getattr(error, "diag", None), "context", None) or ""
    message = (getattr(getattr(error, "diag", None), "message_primary", None) or str(error)).splitlines()[0]
    found = re.search(r"\bline (\d+)", where)
    record = int(found[1]) if found else None
    text = "列数与表头不符" if message.startswith(("missing data", "extra data")) else f"文件格式有误（{message}）"
    if record is None:
        return ImportRejected([text], 1)
    return ImportRejected([f"第 {_lines_of(path, [record]).get(record, record + 1)} 行：{text}"], 1)


def _import_postgresql(survey: Survey, source, digest: str, path: str, stage: Callable[[str], None]) -> ImportReport:
    q = connection.ops.quote_name
    header_line = source.readline()
    header = next(csv.reader([header_line.decode("utf-8-sig")]), [])
    problems = header_problems(survey, header)
    if problems:
        raise ImportRejected([f"第 1 行（表头）：{problems}"], 1)
    header = [h.strip() for h in header]
    report = ImportReport()
    with transaction.atomic(), connection.cursor() as cursor:
        _refuse_reimport(survey, digest)
        columns = ", ".join(f"{_staging_column(c)} text" for c in header)
        cursor.execute(f"CREATE TEMPORARY TABLE import_staging (ord bigint GENERATED ALWAYS AS IDENTITY, {columns}) "
                       "ON COMMIT DROP")
        import psycopg2

        try:
            with transaction.atomic():
                cursor.copy_expert(f"COPY import_staging ({', '.join(map(_staging_column, header))}) "
                                   "FROM STDIN WITH (FORMAT csv, ENCODING 'UTF8')", source, COPY_CHUNK)
        except (psycopg2.DataError, DataError) as exc:
            error = exc.__cause__ if isinstance(exc, DataError) else exc
            if getattr(error, "pgcode", "") in {"22021", "22P05"}:  # invalid byte sequence, untranslatable
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "not UTF-8") from None
            raise _copy_error(error, path) from None
        stage("检查")
        params = {"opens": survey.opens_at, "closes": survey.closes_at, "now": timezone.now()}
        try:
            with transaction.atomic():
                cursor.execute(f"CREATE TEMPORARY TABLE import_checked ON COMMIT DROP AS {_checked_sql(survey, False)}",
                               params)
        except DataError:
            # A value of the right shape that is no time (2026-02-30): check again, row by row for the time.
            cursor.execute(_SAFE_TIME_FUNCTION)
            cursor.execute(f"CREATE TEMPORARY TABLE import_checked ON COMMIT DROP AS {_checked_sql(survey, True)}",
                           params)
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE problems <> '') FROM import_checked")
        report.rows, bad_rows = cursor.fetchone()
        if bad_rows:
            cursor.execute("SELECT ord, problems FROM import_checked WHERE problems <> '' ORDER BY ord LIMIT %s",
                           [MAX_REPORTED])
            bad = cursor.fetchall()
            lines = _lines_of(path, [number for number, _ in bad])
            _raise_rejected([f"第 {lines.get(number, number + 1)} 行：{text}" for number, text in bad], bad_rows)
        if not report.rows:
            return report
        stage("写入")
        ratings = [q(rating_column(d)) for d in DIMENSIONS]
        response = q(Response._meta.db_table)
        prefix = f"{file_key(digest)}:"
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Response._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "ALTER TABLE import_checked ADD COLUMN id bigint; "
            "UPDATE import_checked SET id = nextval(%s::regclass) WHERE opinion <> ''", [sequence])
        cursor.execute(
            f"INSERT INTO {response} (id, survey_id, agency_id, window_id, channel, status, fingerprint, submitted_at, "
            f"{', '.join(ratings)}) "
            f"SELECT COALESCE(id, nextval(%s::regclass)), %s, agency_id, "
            f"window_id, channel, %s, %s || ord, submitted_at, {', '.join(ratings)} FROM import_checked",
            [sequence, survey.pk, ResponseStatus.VALID, prefix])
        report.opinions = _store_opinions(cursor, survey)
        stage("汇总")
        for daily in (False, True):
            cursor.execute(rollups.upsert_grouped_sql("import_checked", survey=str(int(survey.pk)), daily=daily))
            report.rollup_rows += cursor.rowcount
        cursor.execute(f"SELECT DISTINCT date_trunc('month', submitted_at AT TIME ZONE '{settings.TIME_ZONE}')::date "
                       "FROM import_checked")
        report.months = {month for (month,) in cursor.fetchall()}
        cycle_inputs_changed(survey.cycle_id)  # one bump for the whole import (the streaming path: rollups_rebuild)
    return report


def _receipt_letters(column: str) -> str:
    """10 letters from the random bytes in `column` (a UUID's, PostgreSQL's strong random source; version bits
    skipped); unbiased, as 256 = 8 × 32."""
    return " || ".join(f"substr('{privacy.RECEIPT_ALPHABET}', get_byte({column}, {i}) %% 32 + 1, 1)"
                       for i in (0, 1, 2, 3, 4, 5, 9, 10, 11, 12))


def _store_opinions(cursor, survey: Survey) -> int:
    q = connection.ops.quote_name
    opinion, event = q(Opinion._meta.db_table), q(OpinionEvent._meta.db_table)
    cursor.execute(
        f"WITH stored AS (INSERT INTO {opinion} (survey_id, agency_id, window_id, response_id, text, contact, "
        f"contact_masked, receipt, status, created_at) "
        f"SELECT %s, agency_id, window_id, id, opinion, '', '', {_receipt_letters('random_bytes')}, %s, submitted_at "
        f"FROM (SELECT *, uuid_send(gen_random_uuid()) AS random_bytes FROM import_checked WHERE opinion <> '' "
        f"OFFSET 0) c ORDER BY ord RETURNING id, created_at) "
        f"INSERT INTO {event} (opinion_id, at, status, note) SELECT id, created_at, %s, %s FROM stored",
        [survey.pk, OpinionStatus.NEW, OpinionStatus.NEW, OPINION_RECEIVED_NOTE])
    return cursor.rowcount
