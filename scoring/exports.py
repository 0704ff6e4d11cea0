"""Exports of a ranking snapshot — the "三挂钩" hand-over to cadre management — as CSV and XLSX.

An export reads the stored snapshot through the same `ranking_row` the API and the pages
use and never recomputes, so the numbers handed over are the numbers shown. Its cost is a
fixed handful of queries whatever the number of agencies: the scorecards (with agency and
group) and the group names.

pandas is imported when an export is asked for, not by every web worker at startup.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import F
from django.utils import translation
from django.utils.timezone import localtime

from agencies.models import AgencyGroup
from agencies.scheme import CATEGORIES, COMPONENTS, DIMENSIONS

from .choices import Outcome
from .models import RankingSnapshot, Scorecard
from .rankings import ranking_row
from .selectors import scorecards_of, veto_reasons_of

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEET_RANKINGS, SHEET_PARTS, SHEET_CARDS, SHEET_ABOUT = "排名", "各维度均值", "计分明细", "说明"


@dataclass(frozen=True)
class Export:
    filename: str  # 排名_2026_2026-Q3.xlsx
    ascii_filename: str  # rankings_2026_2026-Q3.xlsx, for clients that do not read `filename*`
    content_type: str
    content: bytes

    @property
    def content_disposition(self) -> str:
        """`attachment` with the Chinese name as RFC 5987 `filename*` and an ASCII fallback."""
        return f"attachment; filename=\"{self.ascii_filename}\"; filename*=UTF-8''{quote(self.filename)}"


def _yes(flag: Any) -> str:
    return "是" if flag else "否"


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _text(value: str) -> str:
    """Text a spreadsheet must not read as a formula (an agency name starting with "=" stays a name)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


COMPONENT_FIELDS = ("得分", "样本数", "是否计入", "未计入原因")
RANKING_COLUMNS = [
    "总名次", "组内名次", "机关编码", "机关名称", "分组",
    *(f"{label}{field}" for label in COMPONENTS.values() for field in COMPONENT_FIELDS),
    "基础分", "加分", "减分", "一票否决", "一票否决事由", "总分", "总分95%区间下限", "总分95%区间上限", "结果",
]
PARTS_NAMES = {"public_survey": DIMENSIONS, "appraisal": CATEGORIES}


def scorecards_exported(snapshot: RankingSnapshot, *, group: str = "") -> list[Scorecard]:
    """The snapshot's scorecards in the order the dashboard shows them (of one group when given)."""
    scorecards = scorecards_of(snapshot)
    if group:
        scorecards = scorecards.filter(group_code=group).order_by(F("rank_in_group").asc(nulls_last=True),
                                                                  "agency__code")
    return list(scorecards)


def _source_text(label) -> str:
    """A translatable label in Chinese: the hand-over is a Chinese document whatever the page's language."""
    with translation.override(None):
        return str(label)


def ranking_record(scorecard: Scorecard, group_names: dict[str, str],
                   veto_reasons: dict[int, str] | None = None) -> dict[str, Any]:
    """A scorecard as the ranking sheet's row: the API's numbers under Chinese headers.

    An unrated agency has empty ranks and the result 暂不排名; a vetoed one its veto's reason beside 一票否决.
    """
    row = ranking_row(scorecard, veto_reasons)
    record: dict[str, Any] = {
        "总名次": row["rank_overall"], "组内名次": row["rank_in_group"],
        "机关编码": row["agency"], "机关名称": _text(row["agency_name"]),
        "分组": _text(group_names.get(row["group"], row["group"])),
    }
    for code, label in COMPONENTS.items():
        component = row["components"].get(code, {})
        values = (component.get("score"), component.get("n"), _yes(component.get("included")),
                  component.get("reason_label") or "")
        record.update({f"{label}{field}": value for field, value in zip(COMPONENT_FIELDS, values, strict=True)})
    record.update({
        "基础分": row["base"], "加分": row["bonus"], "减分": row["deduction"], "一票否决": _yes(row["veto"]),
        "一票否决事由": _text(row["veto_reason"] or ""),
        "总分": row["total"], "总分95%区间下限": row["total_low"], "总分95%区间上限": row["total_high"],
        "结果": _source_text(Outcome(row["outcome"]).label),
    })
    return record


def parts_record(scorecard: Scorecard, record: dict[str, Any]) -> dict[str, Any]:
    """The per-dimension means of public_survey and per-category means of appraisal, from the card's parts."""
    out = {key: record[key] for key in ("总名次", "机关编码", "机关名称", "分组")}
    components = scorecard.card.get("components", {})
    for component, names in PARTS_NAMES.items():
        parts = (components.get(component) or {}).get("parts") or {}
        for code, name in names.items():
            part = parts.get(code) or {}
            out[f"{name}均分"] = _number(part.get("mean"))
            out[f"{name}样本数"] = part.get("n")
    return out


CARD_COLUMNS = ["总名次", "机关编码", "机关名称", "组成部分", "得分", "权重", "权重占比", "样本数", "是否计入",
                "未计入原因", "样本不足", "名次区间上限", "名次区间下限", "组内名次区间上限", "组内名次区间下限"]


def card_records(scorecard: Scorecard, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The full scorecard, one row per component: score, weight and its share, sample, why left out, the
    small-sample flag, and the agency's 95% rank intervals (overall and in its group)."""
    row = ranking_row(scorecard)
    ranks = {"名次区间上限": row["rank_low"], "名次区间下限": row["rank_high"],
             "组内名次区间上限": row["rank_in_group_low"], "组内名次区间下限": row["rank_in_group_high"]}
    out = []
    for code, label in COMPONENTS.items():
        component = row["components"].get(code, {})
        out.append({"总名次": record["总名次"], "机关编码": record["机关编码"], "机关名称": record["机关名称"],
                    "组成部分": label, "得分": component.get("score"), "权重": component.get("weight"),
                    "权重占比": component.get("weight_share"), "样本数": component.get("n"),
                    "是否计入": _yes(component.get("included")), "未计入原因": component.get("reason_label") or "",
                    "样本不足": _yes(component.get("small_sample")), **ranks})
    return out


def _has_parts(scorecards: list[Scorecard]) -> bool:
    return any((c or {}).get("parts") for s in scorecards for c in s.card.get("components", {}).values())


def _about(snapshot: RankingSnapshot, group: str, count: int) -> list[tuple[str, str]]:
    return [
        ("评议周期", f"{_text(snapshot.cycle.name)}（{snapshot.cycle.code}）"),
        ("期间", "全年累计" if snapshot.period == "cycle" else snapshot.period),
        ("性质", "年度最终结果" if snapshot.final else "阶段性结果（结果待定）"),
        ("统计截止（不含）", f"{localtime(snapshot.until):%Y-%m-%d %H:%M}"),
        ("计算时间", f"{localtime(snapshot.computed_at):%Y-%m-%d %H:%M}"),
        ("输入摘要", snapshot.digest),
        ("分组", group or "全部"),
        ("机关数", str(count)),
    ]


def export_filenames(snapshot: RankingSnapshot, *, group: str, fmt: str) -> tuple[str, str]:
    """(Chinese name, ASCII name): cycle and period codes, the group when one is shown, final or not."""
    codes = [snapshot.cycle.code, snapshot.period, *([group] if group else [])]
    chinese = "_".join(["排名", *codes, *(["最终"] if snapshot.final else [])])
    ascii_ = "_".join(["rankings", *codes, *(["final"] if snapshot.final else [])])
    return f"{chinese}.{fmt}", f"{ascii_}.{fmt}"


def rankings_export(snapshot: RankingSnapshot, *, group: str = "", fmt: str) -> Export:
    """The snapshot's rankings (of one group when given) as CSV, or as XLSX with the means, the full scorecards
    (one row per component) and a note."""
    import pandas as pd

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    scorecards = scorecards_exported(snapshot, group=group)
    group_names = dict(AgencyGroup.objects.values_list("code", "name"))
    reasons = veto_reasons_of(snapshot) if any(card.veto for card in scorecards) else {}
    records = [ranking_record(scorecard, group_names, reasons) for scorecard in scorecards]
    rankings = pd.DataFrame(records, columns=RANKING_COLUMNS)
    buffer = io.BytesIO()
    if fmt == "csv":
        # The BOM lets Excel open the Chinese text as UTF-8.
        buffer.write(rankings.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
    else:
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            _sheet(writer, rankings, SHEET_RANKINGS)
            if _has_parts(scorecards):
                means = [parts_record(s, r) for s, r in zip(scorecards, records, strict=True)]
                _sheet(writer, pd.DataFrame(means), SHEET_PARTS)
            cards = [line for s, r in zip(scorecards, records, strict=True) for line in card_records(s, r)]
            _sheet(writer, pd.DataFrame(cards, columns=CARD_COLUMNS), SHEET_CARDS)
            about = pd.DataFrame(_about(snapshot, group, len(records)), columns=["项目", "内容"])
            _sheet(writer, about, SHEET_ABOUT)
    filename, ascii_filename = export_filenames(snapshot, group=group, fmt=fmt)
    return Export(filename=filename, ascii_filename=ascii_filename, content_type=FORMATS[fmt],
                  content=buffer.getvalue())


def _sheet(writer, frame, name: str) -> None:
    frame.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        for cell in column:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"  # scores and points read 84.50, as on the pages
        widest = max(len(str(cell.value or "")) for cell in column)
        # CJK characters are about twice as wide as Latin ones in Excel's default font.
        sheet.column_dimensions[column[0].column_letter].width = min(40, 2 * widest + 2)
