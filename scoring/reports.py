"""Reports the office hands on: exports by period and group, the per-agency dossier (三挂钩), and the bulletin.

Each export is a `Table` — Chinese headers with column widths, and rows read with `values_list(...)
.iterator()` in a fixed number of queries whatever the number of rows — written as XLSX
(openpyxl's write-only workbook, frozen header row, formula-like text stored as text) or streamed
as CSV with a UTF-8 BOM (formula-like text prefixed with an apostrophe, as `exports._text` does).

The rankings export is `scoring.exports.rankings_export` (the same numbers as the API); this module
chooses its snapshot from the period asked for.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.timezone import localtime

from agencies.models import Agency, AgencyGroup, Cycle
from agencies.scheme import DIMENSIONS
from agencies.selectors import cycle_current, groups_named
from rectification.choices import NoticeAction, NoticeSource, NoticeStatus
from rectification.models import NoticeEvent, OpinionTag, RectificationNotice
from surveys.choices import Channel, OpinionStatus, ResponseStatus
from surveys.models import Opinion, Response, rating_column

from . import selectors
from .choices import EntryKind, EntrySource, Outcome
from .exports import RANKING_COLUMNS, _source_text, ranking_record
from .models import RankingSnapshot, Scorecard, ScoreEntry
from .periods import CYCLE, Period, PeriodError, period_parse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ReportError(ValueError):
    """A query parameter of an export that is not valid: `field` names it, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Scope:
    """What an export covers: one cycle, one period of it (the whole cycle by default), one group or all."""

    cycle: Cycle
    period: Period
    group: AgencyGroup | None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.period.first_day, datetime.min.time(), tzinfo=self.period.until.tzinfo)

    def within(self, field: str) -> Q:
        """`field` falls in the period; for the whole cycle, anything of the cycle (a ledger entry booked in
        January for last year's cycle included)."""
        if self.period.name == CYCLE:
            return Q()
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.period.until})

    @property
    def codes(self) -> list[str]:
        return [self.cycle.code, self.period.name, *([self.group.code] if self.group else [])]


def scope_from(params) -> Scope:
    """The scope of `?cycle=&period=&group=` (a cycle by code or name, a group by code, name or an unambiguous part
    of its name); a value that names nothing, or several, raises ReportError naming its field."""
    code = (params.get("cycle") or "").strip()
    cycle = Cycle.objects.filter(Q(code=code) | Q(name=code)).order_by("-starts_on").first() if code else \
        cycle_current()
    if cycle is None:
        raise ReportError("cycle", f"没有这个评议周期：{code}" if code else "还没有评议周期")
    try:
        period = period_parse(params.get("period") or CYCLE, starts_on=cycle.starts_on, ends_on=cycle.ends_on)
    except PeriodError as exc:
        raise ReportError("period", str(exc)) from None
    group = None
    if group_code := (params.get("group") or "").strip():
        found = groups_named(group_code)
        if len(found) != 1:
            raise ReportError("group", f"没有这个分组：{group_code}" if not found else
                              f"“{group_code}”对应多个分组：{'、'.join(g.name for g in found[:5])}")
        group = found[0]
    return Scope(cycle=cycle, period=period, group=group)


# --- tables and their two formats --------------------------------------------------------

@dataclass
class Table:
    title: str                       # the sheet's name
    columns: list[tuple[str, int]]   # (Chinese header, width in Excel's characters)
    rows: Iterable[tuple]
    headers: list[str] = field(init=False)

    def __post_init__(self):
        self.headers = [header for header, _width in self.columns]


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def xlsx_bytes(tables: list[Table]) -> bytes:
    """The tables as one workbook, one sheet each: write-only (rows go straight to disk), header row frozen."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(table.title)
        sheet.freeze_panes = "A2"
        for index, (_header, width) in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.append(table.headers)
        for row in table.rows:
            cells = []
            for value in row:
                value = _cell_value(value)
                if isinstance(value, str) and value.startswith(FORMULA_START):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"  # text, never a formula Excel would evaluate
                    value = cell
                elif isinstance(value, Decimal):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "0.00"
                    value = cell
                cells.append(value)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(table: Table) -> Iterator[str]:
    """The table as CSV lines for a StreamingHttpResponse: the BOM first (Excel then reads UTF-8)."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(table.headers)
    for row in table.rows:
        values = []
        for value in row:
            value = _cell_value(value)
            if isinstance(value, str) and value.startswith(FORMULA_START):
                value = f"'{value}"
            values.append("" if value is None else value)
        yield writer.writerow(values)


def filenames(stem: str, ascii_stem: str, codes: list[str], fmt: str) -> tuple[str, str]:
    return "_".join([stem, *codes]) + f".{fmt}", "_".join([ascii_stem, *codes]) + f".{fmt}"


def content_disposition(filename: str, ascii_filename: str) -> str:
    return f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename)}"


# --- the tables ---------------------------------------------------------------------------

def _labels(choices) -> dict[str, str]:
    return {value: _source_text(label) for value, label in choices.choices}


def _agency_filter(scope: Scope, prefix: str = "agency__") -> Q:
    return Q(**{f"{prefix}group": scope.group}) if scope.group else Q()


AGENCY_COLUMNS = [("机关编码", 12), ("机关名称", 24), ("分组", 16)]


def responses_table(scope: Scope) -> Table:
    """民评答卷 of the period: channel, window, status and the eight ratings (1–5; empty = 不适用)."""
    channels, statuses = _labels(Channel), _labels(ResponseStatus)
    ratings = [rating_column(code) for code in DIMENSIONS]
    rows = (Response.objects.filter(_agency_filter(scope), scope.within("submitted_at"), survey__cycle=scope.cycle)
            .order_by("submitted_at", "id")
            .values_list("id", "submitted_at", "agency__code", "agency__name", "agency__group__name",
                         "window__name", "channel", "status", *ratings))

    def shaped():
        for pk, at, code, name, group, window, channel, status, *values in rows.iterator(chunk_size=2000):
            yield (pk, at, code, name, group, window or "", channels.get(channel, channel),
                   statuses.get(status, status), *values)
    return Table("民评答卷", [("答卷编号", 10), ("提交时间", 18), *AGENCY_COLUMNS, ("窗口", 18), ("渠道", 10),
                          ("状态", 8), *((label, 10) for label in DIMENSIONS.values())], shaped())


def opinions_table(scope: Scope) -> Table:
    """群众意见 of the period with their problem categories; the contact only masked, never in plain text."""
    statuses = _labels(OpinionStatus)
    opinions = Opinion.objects.filter(_agency_filter(scope), scope.within("created_at"), survey__cycle=scope.cycle)
    rows = opinions.order_by("id").values_list("id", "created_at", "agency__code", "agency__name",
                                               "agency__group__name", "window__name", "status", "text",
                                               "contact_masked", "merged_into_id")
    tags = (OpinionTag.objects.filter(opinion__in=opinions.values("id")).order_by("opinion_id", "category__name")
            .values_list("opinion_id", "category__name"))

    def shaped():
        tag_rows = tags.iterator(chunk_size=2000)
        pending = next(tag_rows, None)
        for pk, at, code, name, group, window, status, text, contact, merged in rows.iterator(chunk_size=2000):
            names = []
            while pending is not None and pending[0] <= pk:
                if pending[0] == pk:
                    names.append(pending[1])
                pending = next(tag_rows, None)
            yield (pk, at, code, name, group, window or "", statuses.get(status, status), text, contact,
                   merged or "", "、".join(names))
    return Table("群众意见", [("意见编号", 10), ("提交时间", 18), *AGENCY_COLUMNS, ("窗口", 18), ("状态", 14),
                          ("意见内容", 60), ("联系方式（脱敏）", 16), ("合并至", 10), ("问题类别", 20)], shaped())


def _notices_table(notices, title: str = "整改通知") -> Table:
    sources, statuses, actions = _labels(NoticeSource), _labels(NoticeStatus), _labels(NoticeAction)
    rows = notices.order_by("id").values_list(
        "id", "issued_at", "agency__code", "agency__name", "agency__group__name", "source", "opinion_id", "text",
        "deadline", "recheck_deadline", "status", "overdue", "responded_at", "measures", "verified_at")
    events = (NoticeEvent.objects.filter(notice__in=notices.values("id")).order_by("notice_id", "at", "id")
              .values_list("notice_id", "at", "action", "actor__username", "note"))

    def shaped():
        event_rows = events.iterator(chunk_size=2000)
        pending = next(event_rows, None)
        for (pk, issued, code, name, group, source, opinion, text, deadline, recheck, status, overdue,
             responded, measures, verified) in rows.iterator(chunk_size=2000):
            history = []
            while pending is not None and pending[0] <= pk:
                if pending[0] == pk:
                    _notice, at, action, actor, note = pending
                    step = f"{localtime(at):%Y-%m-%d %H:%M} {actions.get(action, action)}"
                    history.append(step + (f"（{actor}）" if actor else "") + (f"：{note}" if note else ""))
                pending = next(event_rows, None)
            yield (pk, issued, code, name, group, sources.get(source, source), opinion or "", text,
                   deadline.isoformat(), recheck.isoformat() if recheck else "", statuses.get(status, status),
                   bool(overdue), responded, measures, verified, "\n".join(history))
    return Table(title, [("通知编号", 10), ("下发时间", 18), *AGENCY_COLUMNS, ("来源", 16), ("群众意见编号", 12),
                         ("整改事项", 50), ("整改期限", 12), ("重新核查期限", 14), ("状态", 14), ("逾期", 6),
                         ("反馈时间", 18), ("整改措施", 40), ("核验时间", 18), ("办理记录", 60)], shaped())


def notices_table(scope: Scope) -> Table:
    """整改通知 issued in the period, each with its history (办理记录) in one cell, oldest step first."""
    return _notices_table(RectificationNotice.objects.filter(
        _agency_filter(scope), scope.within("issued_at"), cycle=scope.cycle))


def _ledger_table(entries, title: str = "计分台账") -> Table:
    kinds, sources = _labels(EntryKind), _labels(EntrySource)
    rows = entries.order_by("created_at", "id").values_list(
        "id", "created_at", "cycle__code", "agency__code", "agency__name", "agency__group__name", "kind", "points",
        "reason", "source", "reverses_id", "reversed_by__id", "created_by__username")

    def shaped():
        for (pk, at, cycle, code, name, group, kind, points, reason, source, reverses, reversed_by,
             by) in rows.iterator(chunk_size=2000):
            yield (pk, at, cycle, code, name, group, kinds.get(kind, kind), points, reason,
                   sources.get(source, source), reverses or "", reversed_by or "", by or "")
    return Table(title, [("台账编号", 10), ("登记时间", 18), ("评议周期", 10), *AGENCY_COLUMNS, ("类别", 14),
                         ("分值", 8), ("事由", 40), ("来源", 12), ("冲销台账编号", 12), ("被冲销于", 10),
                         ("登记人", 12)], shaped())


def ledger_table(scope: Scope) -> Table:
    """计分台账 booked in the period: bonuses, deductions, inspection deductions, vetoes and their reversals."""
    return _ledger_table(ScoreEntry.objects.filter(
        _agency_filter(scope), scope.within("created_at"), cycle=scope.cycle))


TABLES: dict[str, tuple[Callable[[Scope], Table], str, str]] = {
    "responses": (responses_table, "民评答卷", "responses"),
    "opinions": (opinions_table, "群众意见", "opinions"),
    "notices": (notices_table, "整改通知", "notices"),
    "ledger": (ledger_table, "计分台账", "ledger"),
}


def rankings_snapshot(scope: Scope) -> RankingSnapshot:
    """The newest snapshot of the scope's period, the one the dashboard shows; ReportError when none exists."""
    snapshot = selectors.snapshot_newest(cycle=scope.cycle, period=scope.period.name)
    if snapshot is None:
        raise ReportError("period", f"期间 {scope.period.name} 还没有排名快照")
    return snapshot


# --- the dossier of one agency ---------------------------------------------------------------

DOSSIER_LEAD = [("评议周期", 12), ("期间", 14), ("性质", 16), ("统计截止（不含）", 18)]


def _veto_reasons_of_agency(agency: Agency) -> Callable[[RankingSnapshot], str]:
    """snapshot → the reasons of the agency's vetoes that counted in it, as `selectors.veto_reasons_of` says;
    two queries in all, however many snapshots of however many cycles are asked about."""
    vetoes = list(ScoreEntry.objects.filter(agency=agency, kind=EntryKind.VETO, reverses__isnull=True)
                  .order_by("created_at", "id").values_list("id", "cycle_id", "reason", "created_at"))
    reversals = dict(ScoreEntry.objects.filter(reverses__in=[v[0] for v in vetoes])
                     .values_list("reverses_id", "created_at"))

    def of(snapshot: RankingSnapshot) -> str:
        cutoff = min(snapshot.until, snapshot.computed_at)
        return "；".join(reason for pk, cycle_id, reason, at in vetoes
                        if cycle_id == snapshot.cycle_id and at < cutoff
                        and not (pk in reversals and reversals[pk] < cutoff))
    return of


def dossier_cards(agency: Agency) -> list[Scorecard]:
    """The agency's scorecard of every period of every cycle: the newest snapshot of each (final ones kept)."""
    cards = (Scorecard.objects.filter(agency=agency).select_related("agency", "snapshot__cycle", "interval")
             .order_by("snapshot__cycle__starts_on", "snapshot__until", "snapshot__period", "-snapshot__final",
                       "-snapshot__computed_at", "-snapshot_id"))
    seen, kept = set(), []
    for card in cards:
        key = (card.snapshot.cycle_id, card.snapshot.period, card.snapshot.final)
        if key not in seen:
            seen.add(key)
            kept.append(card)
    return kept


def dossier_tables(agency: Agency) -> list[Table]:
    """历次排名 (every period and cycle, the API's numbers), the agency's notices with history, its ledger."""
    from .templatetags.scoring_labels import period_label

    group_names = dict(AgencyGroup.objects.values_list("code", "name"))
    reason_of = _veto_reasons_of_agency(agency)
    widths = {"机关名称": 24, "分组": 16, "一票否决事由": 30}

    def rows():
        for card in dossier_cards(agency):
            snapshot = card.snapshot
            record = ranking_record(card, group_names, {agency.pk: reason_of(snapshot)} if card.veto else {})
            kind = "年度最终结果" if snapshot.final else "阶段性结果"
            yield (f"{snapshot.cycle.name}（{snapshot.cycle.code}）", _source_label(period_label, snapshot.period),
                   kind, snapshot.until, *(record[column] for column in RANKING_COLUMNS))
    rankings = Table("历次排名", [*DOSSIER_LEAD, *((c, widths.get(c, 12)) for c in RANKING_COLUMNS)], rows())
    return [rankings,
            _notices_table(RectificationNotice.objects.filter(agency=agency), "整改通知"),
            _ledger_table(ScoreEntry.objects.filter(agency=agency), "计分台账")]


def _source_label(function, value) -> str:
    from django.utils import translation
    with translation.override(None):
        return str(function(value))


# --- the bulletin -----------------------------------------------------------------------------

BULLETIN_KINDS = [(re.compile(r"^\d{4}-W\d{2}$"), "week", "周检查通报"),
                  (re.compile(r"^\d{4}-\d{2}$"), "month", "月点评通报"),
                  (re.compile(r"^\d{4}-Q[1-4]$"), "quarter", "季小结通报"),
                  (re.compile(rf"^{CYCLE}$"), "cycle", "年考核通报")]


def period_kind(period: str) -> tuple[str, str]:
    """(kind, the bulletin's title word) of a period code."""
    for pattern, kind, title in BULLETIN_KINDS:
        if pattern.match(period):
            return kind, title
    return "cycle", "年考核通报"


def previous_snapshot(snapshot: RankingSnapshot) -> RankingSnapshot | None:
    """The newest snapshot of the period before this one of the same kind (last week, month, quarter; for the
    annual result, the previous cycle's)."""
    kind, _title = period_kind(snapshot.period)
    if kind == "cycle":
        candidates = RankingSnapshot.objects.filter(period=CYCLE, cycle__starts_on__lt=snapshot.cycle.starts_on)
        return candidates.order_by("-cycle__starts_on", "-final", "-computed_at", "-id").first()
    pattern = next(p for p, k, _t in BULLETIN_KINDS if k == kind)
    candidates = (RankingSnapshot.objects.filter(cycle_id=snapshot.cycle_id, period__lt=snapshot.period,
                                                 period__regex=pattern.pattern)
                  .order_by("-period", "-computed_at", "-id"))
    return candidates.first()


@dataclass
class BulletinRow:
    rank: int | None
    rank_in_group: int | None
    code: str
    name: str
    group: str
    total: Decimal
    outcome: str
    outcome_label: str
    veto_reason: str
    movement: int | None   # places up (+) or down (−) since the previous bulletin; None: not comparable
    previous_rank: int | None

    @property
    def standing(self) -> str:
        """What the bulletin says of the agency's place: its rank, or why it has none."""
        if self.veto_reason:
            return f"一票否决（{self.veto_reason}）"
        if self.rank is None:
            return "暂不排名"
        return f"第{self.rank}名"

    @property
    def movement_text(self) -> str:
        if self.veto_reason:
            return "—"  # a vetoed agency is not ranked against the others
        if self.movement is None:
            return "—" if self.previous_rank is None or self.rank is None else "持平"
        if self.movement > 0:
            return f"上升{self.movement}位"
        if self.movement < 0:
            return f"下降{-self.movement}位"
        return "持平"


@dataclass
class Bulletin:
    snapshot: RankingSnapshot
    title: str
    period_name: str
    previous: RankingSnapshot | None
    rows: list[BulletinRow]
    commended: list[BulletinRow]
    warned: list[BulletinRow]
    vetoed: list[BulletinRow]
    unrated: list[BulletinRow]
    categories: list[tuple[str, int]]
    untagged: int
    opinions: int
    overdue: list[dict]
    stats: dict

    @property
    def rate_text(self) -> str:
        rate = self.stats.get("rate")
        return "—（尚无到期通知）" if rate is None else f"{Decimal(str(rate)) * 100:.1f}%"


def bulletin_of(snapshot: RankingSnapshot) -> Bulletin:
    """The bulletin's content, read from the snapshot (never recomputed) and the period's opinions and notices."""
    from rectification.selectors import notice_stats, opinion_category_counts

    from .templatetags.scoring_labels import period_label

    kind, word = period_kind(snapshot.period)
    cycle = snapshot.cycle
    period = period_parse(snapshot.period, starts_on=cycle.starts_on, ends_on=cycle.ends_on)
    group_names = dict(AgencyGroup.objects.values_list("code", "name"))
    cards = list(selectors.scorecards_of(snapshot))
    reasons = selectors.veto_reasons_of(snapshot) if any(card.veto for card in cards) else {}
    previous = previous_snapshot(snapshot)
    before = (dict(Scorecard.objects.filter(snapshot=previous).values_list("agency_id", "rank_overall"))
              if previous else {})
    outcomes = _labels(Outcome)
    rows = []
    for card in cards:
        was = before.get(card.agency_id)
        rows.append(BulletinRow(
            rank=card.rank_overall, rank_in_group=card.rank_in_group, code=card.agency.code, name=card.agency.name,
            group=group_names.get(card.group_code, card.group_code), total=card.total, outcome=card.outcome,
            outcome_label=outcomes.get(card.outcome, card.outcome),
            veto_reason=(reasons.get(card.agency_id) or "一票否决事项") if card.veto else "",
            movement=(was - card.rank_overall) if was is not None and card.rank_overall is not None else None,
            previous_rank=was))
    start = datetime.combine(period.first_day, datetime.min.time(), tzinfo=period.until.tzinfo)
    opinions = Opinion.objects.filter(survey__cycle=cycle, created_at__gte=start, created_at__lt=period.until)
    counted = sorted(((c["name"], c["count"]) for c in opinion_category_counts(opinions) if c["count"]),
                     key=lambda pair: -pair[1])  # stable: ties keep the office's order of categories
    figures = opinions.aggregate(total=Count("id"), untagged=Count("id", filter=Q(tags__isnull=True)))
    at = min(timezone.now(), snapshot.until)
    overdue = list(RectificationNotice.objects.filter(cycle=cycle, overdue=True)
                   .exclude(status__in=[NoticeStatus.VERIFIED, NoticeStatus.WITHDRAWN])
                   .order_by(F("recheck_deadline").asc(nulls_last=True), "deadline", "id")
                   .values("id", "agency__name", "text", "deadline", "recheck_deadline", "status"))
    statuses = _labels(NoticeStatus)
    period_name = _source_label(period_label, snapshot.period)
    for notice in overdue:
        notice["status_label"] = statuses.get(notice["status"], notice["status"])
    return Bulletin(
        snapshot=snapshot, title=f"{cycle.name if kind == 'cycle' else period_name}{word}",
        period_name=period_name, previous=previous, rows=rows,
        commended=[r for r in rows if r.outcome == Outcome.COMMENDED],
        warned=[r for r in rows if r.outcome == Outcome.WARNED],
        vetoed=[r for r in rows if r.veto_reason], unrated=[r for r in rows if r.rank is None and not r.veto_reason],
        categories=[(name, n) for name, n in counted], untagged=figures["untagged"], opinions=figures["total"],
        overdue=overdue, stats=notice_stats(cycle=cycle, at=at))


def bulletin_docx(bulletin: Bulletin) -> bytes:
    """The bulletin as an editable Word document (python-docx): the office edits it and issues it."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    heading = document.add_heading(bulletin.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    snapshot = bulletin.snapshot
    document.add_paragraph(
        f"{snapshot.cycle.name}，统计截止 {localtime(snapshot.until):%Y-%m-%d %H:%M}（不含），"
        f"计算于 {localtime(snapshot.computed_at):%Y-%m-%d %H:%M}，"
        f"{'年度最终结果' if snapshot.final else '阶段性结果（结果待定）'}。"
        + (f"名次变化与上期（{_source_label(_period_label(), bulletin.previous.period)}）相比。"
           if bulletin.previous else "无上期可比。"))

    for title, rows in (("一、表彰", bulletin.commended), ("二、谈话提醒", bulletin.warned)):
        document.add_heading(title, level=1)
        document.add_paragraph("、".join(f"{r.name}（{r.standing}）" for r in rows) if rows else "无。")
    if bulletin.vetoed or bulletin.unrated:
        document.add_heading("三、一票否决与暂不排名", level=1)
        for row in bulletin.vetoed:
            document.add_paragraph(f"{row.name}：一票否决（{row.veto_reason}），不参与排名。", style="List Bullet")
        for row in bulletin.unrated:
            document.add_paragraph(f"{row.name}：暂不排名。", style="List Bullet")

    document.add_heading("四、排名及名次变化", level=1)
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["名次", "机关", "分组", "总分", "名次变化", "结果"], strict=True):
        cell.text = text
    for row in bulletin.rows:
        cells = table.add_row().cells
        values = [row.standing, row.name, row.group, f"{row.total:.2f}", row.movement_text, row.outcome_label]
        for cell, text in zip(cells, values, strict=True):
            cell.text = text

    document.add_heading("五、群众意见反映的主要问题", level=1)
    if bulletin.categories:
        for name, count in bulletin.categories:
            document.add_paragraph(f"{name}：{count} 条", style="List Bullet")
    document.add_paragraph(f"本期群众意见共 {bulletin.opinions} 条，其中尚未归类 {bulletin.untagged} 条。")

    document.add_heading("六、整改落实情况", level=1)
    stats = bulletin.stats
    document.add_paragraph(
        f"本周期已下发整改通知 {stats['issued']} 件，到期 {stats['due']} 件，核验办结 {stats['verified']} 件，"
        f"整改率 {bulletin.rate_text}；逾期 {stats['overdue']} 件。")
    if bulletin.overdue:
        document.add_paragraph("逾期未办结的整改通知：")
        for notice in bulletin.overdue:
            deadline = notice["recheck_deadline"] or notice["deadline"]
            document.add_paragraph(f"{notice['agency__name']}：{notice['text']}（期限 {deadline:%Y-%m-%d}，"
                                   f"{notice['status_label']}）", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _period_label():
    from .templatetags.scoring_labels import period_label
    return period_label
