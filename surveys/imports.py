"""Bulk import of public-survey responses from CSV (paper forms, kiosks, other channels' exports).

Columns: `agency, window, submitted_at, channel, <dimension codes…>, opinion`. The file is
read row by row (never whole), validated, and written in batches inside ONE transaction:
if any row is bad, nothing is stored and the report names every bad row by its line.

On PostgreSQL the response rows go in with COPY; on SQLite with bulk INSERTs. Either way
the monthly rollups are then rebuilt for the touched months with one INSERT … SELECT …
GROUP BY each (not one UPSERT per row), and opinions get receipts and their first history
step as if submitted online.

Fingerprints: an imported row is one respondent of its own. Its fingerprint is a keyed hash
of the file's content digest and the row's line, so the duplicate rule (which is about one
device online) never collapses two paper forms, and importing the same file twice is
recognised and refused.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Window
from agencies.scheme import DIMENSIONS

from . import privacy
from .choices import Channel, OpinionStatus, ResponseStatus
from .models import Opinion, OpinionEvent, Response, Survey, rating_column
from .services import OPINION_MAX_LENGTH, OPINION_RECEIVED_NOTE, month_of, rollups_rebuild

BATCH = 5000
MAX_REPORTED = 200
FIXED_COLUMNS = ("agency", "window", "submitted_at", "channel", "opinion")


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


class _RowReader:
    """Turns CSV records into _Row objects, or raises ValueError with a message for the report."""

    def __init__(self, survey: Survey, digest: str):
        self.survey, self.digest = survey, digest
        self.agencies = dict(Agency.objects.filter(active=True, has_service_window=True).values_list("code", "pk"))
        self.windows = {(a, w): pk for a, w, pk in Window.objects.values_list("agency__code", "code", "pk")}
        self.now = timezone.now()

    def check_header(self, header: list[str]) -> None:
        header = [h.strip() for h in header]
        missing = [c for c in (*FIXED_COLUMNS, *self.survey.dimensions) if c not in header]
        unknown = [c for c in header if c not in FIXED_COLUMNS and c not in self.survey.dimensions]
        problems = ([f"缺少列：{', '.join(missing)}"] if missing else []) + (
            [f"未知列：{', '.join(unknown)}"] if unknown else [])
        if problems:
            raise ValueError("；".join(problems))

    def parse(self, record: dict[str, str], line: int) -> _Row:
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
                    opinion=get["opinion"], fingerprint=row_fingerprint(self.digest, line))


def row_fingerprint(digest: str, line: int) -> str:
    return privacy.keyed_hash("import", f"{digest}:{line}")


RESPONSE_COLUMNS = ["survey_id", "agency_id", "window_id", "channel", "status", "fingerprint", "submitted_at",
                    *(rating_column(d) for d in DIMENSIONS)]


def _copy_responses(survey: Survey, rows: list[_Row]) -> None:
    """PostgreSQL's COPY: the fastest way to put many rows into a table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([survey.pk, row.agency_id, "" if row.window_id is None else row.window_id, row.channel,
                         ResponseStatus.VALID, row.fingerprint, row.at.isoformat(),
                         *("" if row.ratings.get(d) is None else row.ratings[d] for d in DIMENSIONS)])
    buffer.seek(0)
    quoted = connection.ops.quote_name
    columns = ", ".join(quoted(c) for c in RESPONSE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {quoted(Response._meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)",
                           buffer)


def _write_batch(survey: Survey, rows: list[_Row]) -> int:
    """Store a batch of responses and their opinions; returns the number of opinions."""
    if connection.vendor == "postgresql":
        _copy_responses(survey, rows)
        with_opinion = [row for row in rows if row.opinion]
        ids = dict(Response.objects.filter(survey=survey, fingerprint__in=[r.fingerprint for r in with_opinion])
                   .values_list("fingerprint", "pk"))
    else:
        created = Response.objects.bulk_create([
            Response(survey=survey, agency_id=row.agency_id, window_id=row.window_id, channel=row.channel,
                     status=ResponseStatus.VALID, fingerprint=row.fingerprint, submitted_at=row.at,
                     **{rating_column(d): level for d, level in row.ratings.items()})
            for row in rows])
        ids = {response.fingerprint: response.pk for response, row in zip(created, rows, strict=True) if row.opinion}
        with_opinion = [row for row in rows if row.opinion]
    opinions = Opinion.objects.bulk_create([
        Opinion(survey=survey, agency_id=row.agency_id, window_id=row.window_id, response_id=ids[row.fingerprint],
                text=row.opinion, receipt=privacy.new_receipt(), created_at=row.at) for row in with_opinion])
    OpinionEvent.objects.bulk_create([
        OpinionEvent(opinion=opinion, at=opinion.created_at, status=OpinionStatus.NEW, note=OPINION_RECEIVED_NOTE)
        for opinion in opinions])
    return len(opinions)


def responses_import(*, survey: Survey, lines: Iterable[str], digest: str,
                     progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import one CSV file all-or-nothing. Raises ImportRejected with a row-numbered report."""
    reader = csv.DictReader(lines)
    parser = _RowReader(survey, digest)
    try:
        parser.check_header(reader.fieldnames or [])
    except ValueError as exc:
        raise ImportRejected([f"第 1 行（表头）：{exc}"], 1) from None
    # Everything below is one transaction: an exception (a bad row found) rolls back what was written.
    report, errors, bad_rows, batch = ImportReport(), [], 0, []
    with transaction.atomic():
        if Response.objects.filter(survey=survey, fingerprint=row_fingerprint(digest, 2)).exists():
            raise ImportRejected([], 0, summary="该文件已导入过（内容相同），未重复写入")
        for record in reader:
            line = reader.line_num
            try:
                row = parser.parse(record, line)
            except ValueError as exc:
                bad_rows += 1
                if len(errors) < MAX_REPORTED:
                    errors.append(f"第 {line} 行：{exc}")
                batch = []  # once a row is bad nothing will be kept; stop writing, keep checking
            else:
                report.rows += 1
                if not bad_rows:
                    batch.append(row)
                    report.months.add(month_of(row.at))
                    if len(batch) >= BATCH:
                        report.opinions += _write_batch(survey, batch)
                        batch = []
            if progress:
                progress(1)
        if bad_rows:
            if bad_rows > len(errors):
                errors.append(f"……另有 {bad_rows - len(errors)} 行有误未列出")
            raise ImportRejected(errors, bad_rows)
        if batch:
            report.opinions += _write_batch(survey, batch)
        report.rollup_rows = rollups_rebuild(survey=survey, months=report.months)
    return report
