"""Exports of a ranking snapshot (三挂钩): the API's numbers under Chinese headers, for admins and leaders only."""
import csv
import io
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.exports import RANKING_COLUMNS
from scoring.services import score_entry_book, snapshot_compute
from surveys.models import Survey
from surveys.services import response_submit
from tests.factories import AgencyFactory, AgencyGroupFactory

from .conftest import aware
from .factories import rate_fully, snapshot_with

pytestmark = pytest.mark.django_db

OUTCOME_LABELS = {"commended": "表彰", "warned": "谈话提醒", "none": "—", "unrated": "暂不排名"}
COMPONENT_LABELS = {"public_survey": "网上民评", "appraisal": "年度评议", "organizational": "组织考评",
                    "inspection": "明察暗访"}


@pytest.fixture
def computed(cycle, agency, other_agency):
    """A Q2 snapshot computed by the method: survey means, bonus, deductions, a veto, two groups."""
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    fgw = AgencyFactory(code="fgw", name="市发展改革委", group=economy, has_service_window=False)
    survey = Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                   opens_at=aware(2026, 1, 1), closes_at=aware(2027, 1, 1))
    for device, (target, ratings) in enumerate([
        (agency, {"service_attitude": 5, "efficiency": 4, "fees": 3}),
        (agency, {"service_attitude": 4, "integrity": 2}),
        (other_agency, {"service_attitude": 3, "workflow": 5}),
    ]):
        response_submit(survey=survey, agency=target, ratings=ratings, fingerprint=f"d{device}", at=aware(2026, 4, 2))
    score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="1.25", reason="服务品牌")
    score_entry_book(cycle=cycle, agency=other_agency, kind="deduction", points="0.5", reason="媒体曝光")
    score_entry_book(cycle=cycle, agency=fgw, kind="inspection", points=3, reason="暗访发现")
    score_entry_book(cycle=cycle, agency=fgw, kind="veto", points=0, reason="重大责任事故")
    rate_fully(cycle, fgw)
    return snapshot_compute(cycle=cycle, period="2026-Q2")


def download(client, user, snapshot, fmt, query=""):
    client.force_login(user)
    return client.get(f"/dashboard/{snapshot.pk}/rankings.{fmt}{query}")


def api_rows(client_for, user, cycle, period):
    body = client_for(user).get(f"/api/v1/cycles/{cycle.code}/rankings/?period={period}").json()
    return body["rows"]


def rank_of(cell):
    """A rank cell read back: empty (CSV "", XLSX None, pandas NaN) for an unrated agency."""
    if cell is None or cell == "" or (isinstance(cell, float) and cell != cell):
        return None
    return int(cell)


def assert_same_as_api(records, rows):
    """Every exported record carries the API row's total, ranks, outcome, bonus, deduction and components."""
    assert [r["机关编码"] for r in records] == [row["agency"] for row in rows]
    for record, row in zip(records, rows, strict=True):
        assert Decimal(str(record["总分"])) == Decimal(str(row["total"]))
        assert rank_of(record["总名次"]) == row["rank_overall"] and rank_of(record["组内名次"]) == row["rank_in_group"]
        assert record["结果"] == OUTCOME_LABELS[row["outcome"]]
        assert Decimal(str(record["加分"])) == Decimal(str(row["bonus"]))
        assert Decimal(str(record["减分"])) == Decimal(str(row["deduction"]))
        assert record["一票否决"] == ("是" if row["veto"] else "否")
        for code, label in COMPONENT_LABELS.items():
            component = row["components"][code]
            score = record[f"{label}得分"]
            if component["score"] is None:
                assert score in ("", None), (code, record)
            else:
                assert Decimal(str(score)) == Decimal(str(component["score"])), (code, record)
            assert int(record[f"{label}样本数"]) == component["n"]
            assert record[f"{label}是否计入"] == ("是" if component["included"] else "否")


def test_csv_has_a_bom_chinese_headers_and_the_apis_numbers(client, client_for, cycle, computed, admin):
    response = download(client, admin, computed, "csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="rankings_2026_2026-Q2.csv"' in disposition
    assert f"filename*=UTF-8''{quote('排名_2026_2026-Q2.csv')}" in disposition
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert reader.fieldnames == RANKING_COLUMNS and "总分" in reader.fieldnames
    records = list(reader)
    assert_same_as_api(records, api_rows(client_for, admin, cycle, "2026-Q2"))
    fgw = next(r for r in records if r["机关编码"] == "fgw")
    assert fgw["网上民评未计入原因"] == "无服务窗口" and fgw["结果"] == "谈话提醒" and fgw["分组"] == "综合经济部门"


def test_xlsx_sheets_parse_back_to_the_api_rankings_and_the_dimension_means(client, client_for, cycle, computed,
                                                                             leader):
    response = download(client, leader, computed, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"filename*=UTF-8''{quote('排名_2026_2026-Q2.xlsx')}" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["排名", "各维度均值", "计分明细", "说明"]
    assert [cell.value for cell in book["排名"][1]] == RANKING_COLUMNS
    rankings = pd.read_excel(io.BytesIO(response.content), sheet_name="排名", dtype=object)
    records = rankings.where(rankings.notna(), None).to_dict("records")
    rows = api_rows(client_for, leader, cycle, "2026-Q2")
    assert_same_as_api(records, rows)

    means = {r["机关编码"]: r for r in pd.read_excel(io.BytesIO(response.content), sheet_name="各维度均值",
                                                   dtype=object).to_dict("records")}
    card = computed.scorecards.get(agency__code="gaj").card["components"]["public_survey"]["parts"]
    assert Decimal(str(means["gaj"]["服务态度均分"])) == Decimal(card["service_attitude"]["mean"]) == Decimal("87.5")
    assert means["gaj"]["服务态度样本数"] == 2 and means["gaj"]["廉洁自律样本数"] == 1
    assert pd.isna(means["gaj"]["依法行政均分"])  # nobody rated it
    about = dict(book["说明"].iter_rows(min_row=2, values_only=True))
    assert about["期间"] == "2026-Q2" and about["性质"].startswith("阶段性结果")
    assert about["输入摘要"] == computed.digest


def test_a_group_export_holds_that_groups_rows_in_group_order(client, cycle, computed, admin):
    response = download(client, admin, computed, "csv", "?group=economy")
    records = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["机关编码"] for r in records] == ["fgw"] and records[0]["组内名次"] == "1"
    assert quote("排名_2026_2026-Q2_economy.csv") in response["Content-Disposition"]
    empty = download(client, admin, computed, "xlsx", "?group=nobody")
    assert [c.value for c in openpyxl.load_workbook(io.BytesIO(empty.content))["排名"][1]] == RANKING_COLUMNS


def test_the_final_result_says_so_in_its_name(client, cycle, agency, admin):
    snapshot = snapshot_with(cycle, [agency], final=True)
    response = download(client, admin, snapshot, "xlsx")
    assert quote("排名_2026_cycle_最终.xlsx") in response["Content-Disposition"]
    about = dict(openpyxl.load_workbook(io.BytesIO(response.content))["说明"].iter_rows(min_row=2, values_only=True))
    assert about["性质"] == "年度最终结果" and about["期间"] == "全年累计"


def test_a_name_that_looks_like_a_formula_stays_text(client, cycle, group, admin):
    snapshot = snapshot_with(cycle, [AgencyFactory(code="odd", name="=HYPERLINK(\"http://x\")", group=group)])
    response = download(client, admin, snapshot, "csv")
    assert '"\'=HYPERLINK(""http://x"")"' in response.content.decode("utf-8-sig")


@pytest.mark.parametrize("role", ["liaison", "inspector", "assessor"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_only_admins_and_leaders_may_export(request, client, cycle, agency, role, fmt):
    snapshot = snapshot_with(cycle, [agency])
    assert download(client, request.getfixturevalue(role), snapshot, fmt).status_code == 403


def test_anonymous_is_sent_to_login_and_unknown_things_are_404(client, cycle, agency, admin):
    snapshot = snapshot_with(cycle, [agency])
    response = client.get(f"/dashboard/{snapshot.pk}/rankings.xlsx")
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(admin)
    assert client.get(f"/dashboard/{snapshot.pk + 1}/rankings.csv").status_code == 404
    assert client.get(f"/dashboard/{snapshot.pk}/rankings.pdf").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_cost_does_not_grow_with_agencies(client, cycle, group, admin, fmt, django_assert_max_num_queries):
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    agencies = [AgencyFactory(code=f"a{i:02d}", group=group if i % 2 else economy) for i in range(30)]
    few, many = snapshot_with(cycle, agencies[:3], period="2026-03"), snapshot_with(cycle, agencies)
    client.force_login(admin)
    counts = []
    for snapshot in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/dashboard/{snapshot.pk}/rankings.{fmt}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(6):
        client.get(f"/dashboard/{many.pk}/rankings.{fmt}")
