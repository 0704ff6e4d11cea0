"""Pages and downloads of the reports the office hands on: exports by period and group, the agency dossier
(三挂钩), and the period bulletin (HTML to print, DOCX to edit). Admins and leaders only."""
from __future__ import annotations

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from agencies.access import role_required
from agencies.choices import Role
from agencies.models import Agency

from . import exports, reports
from .models import RankingSnapshot

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _bad(exc: reports.ReportError) -> JsonResponse:
    return JsonResponse({exc.field: [str(exc)]}, status=400, json_dumps_params={"ensure_ascii": False})


def _download(table_or_tables, fmt: str, names: tuple[str, str]):
    """XLSX (every table a sheet) or CSV (the first table, streamed with its BOM)."""
    tables = table_or_tables if isinstance(table_or_tables, list) else [table_or_tables]
    if fmt == "csv":
        response = StreamingHttpResponse(reports.csv_lines(tables[0]), content_type=exports.FORMATS["csv"])
    else:
        response = HttpResponse(reports.xlsx_bytes(tables), content_type=exports.FORMATS["xlsx"])
    response["Content-Disposition"] = reports.content_disposition(*names)
    return response


@role_required(Role.ADMIN, Role.LEADER)
def report_export(request, kind: str, fmt: str):
    """`/dashboard/exports/<kind>.<fmt>?cycle=&period=&group=` — rankings, responses, opinions, notices, ledger."""
    try:
        scope = reports.scope_from(request.GET)
        if kind == "rankings":
            snapshot = reports.rankings_snapshot(scope)
    except reports.ReportError as exc:
        return _bad(exc)
    if kind == "rankings":
        export = exports.rankings_export(snapshot, group=scope.group.code if scope.group else "", fmt=fmt)
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = export.content_disposition
        return response
    build, stem, ascii_stem = reports.TABLES[kind]
    return _download(build(scope), fmt, reports.filenames(stem, ascii_stem, scope.codes, fmt))


@role_required(Role.ADMIN, Role.LEADER)
def agency_dossier(request, agency_code: str, fmt: str):
    """`/agency/dossier/<code>.<fmt>` — one agency across every period and cycle, with its notices and ledger."""
    agency = get_object_or_404(Agency, code=agency_code)
    return _download(reports.dossier_tables(agency), fmt,
                     reports.filenames("机关档案", "dossier", [agency.code], fmt))


def _snapshot(snapshot_id: int) -> RankingSnapshot:
    return get_object_or_404(RankingSnapshot.objects.select_related("cycle"), pk=snapshot_id)


@role_required(Role.ADMIN, Role.LEADER)
def bulletin(request, snapshot_id: int):
    """`/dashboard/bulletin/<id>/` — the period bulletin as a page to print."""
    content = reports.bulletin_of(_snapshot(snapshot_id))
    return render(request, "scoring/bulletin.html", {"bulletin": content, "snapshot": content.snapshot})


@role_required(Role.ADMIN, Role.LEADER)
def bulletin_docx(request, snapshot_id: int):
    """`/dashboard/bulletin/<id>.docx` — the same bulletin as a Word document the office edits and issues."""
    content = reports.bulletin_of(_snapshot(snapshot_id))
    snapshot = content.snapshot
    codes = [snapshot.cycle.code, snapshot.period, *(["final"] if snapshot.final else [])]
    response = HttpResponse(reports.bulletin_docx(content), content_type=DOCX)
    response["Content-Disposition"] = reports.content_disposition(
        *reports.filenames(content.title.replace(" ", "") or "通报", "bulletin", codes, "docx"))
    return response
