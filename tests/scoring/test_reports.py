"""Reports the office hands on: exports by period and group (XLSX and BOM'd CSV) that match the API row by row,
the agency dossier across every period and cycle, and the period bulletin (printable page and DOCX)."""
import csv
import io
from decimal import Decimal

import docx
import openpyxl
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectification.models import ProblemCategory
from rectification.services.notices import notice_issue
from rectification.services.triage import opinion_tags_change
from scoring.models import Scorecard
from scoring.services import score_entry_book, snapshot_compute
from surveys.models import Opinion, Survey
from surveys.services import response_submit
from tests.factories import AgencyFactory, AgencyGroupFactory

from .conftest import aware
from .factories import card_of, rate_fully, snapshot_with
from .test_exports import assert_same_as_api

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2+3"]


@pytest.fixture
def world(cycle, agency, other_agency):
    """Q2 of the cycle: responses with opinions (formula-like ones among them), tags, a notice with history,
    ledger entries, a veto, two groups; and a Q1 snapshot to compare against."""
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    fgw = AgencyFactory(code="fgw", name="市发展改革委", group=economy, has_service_window=False)
    survey = Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                   opens_at=aware(2026, 1, 1), closes_at=aware(2027, 1, 1))
    texts = [*FORMULAS, "窗口排长队"]
    for device, text in enumerate(texts):
        target = agency if device % 2 == 0 else other_agency
        response_submit(survey=survey, agency=target, ratings={"service_attitude": 1 + device % 5},
                        opinion=text, contact=f"1380013{device:04d}", fingerprint=f"d{device}",
                        at=aware(2026, 4, 2 + device))
    response_submit(survey=survey, agency=agency, ratings={"efficiency": 2}, fingerprint="early",
                    at=aware(2026, 2, 1))  # Q1: outside Q2's exports
    queue = ProblemCategory.objects.get(code="efficiency")  # 办事效率, seeded
    attitude = ProblemCategory.objects.get(code="attitude")  # 服务态度
    opinions = list(Opinion.objects.order_by("created_at"))
    opinion_tags_change(opinion_ids=[o.pk for o in opinions[:3]], add=[queue])
    opinion_tags_change(opinion_ids=[opinions[0].pk], add=[attitude])
    notice = notice_issue(agency=agency, source="opinion", text="整改窗口排队", cycle=cycle, opinion=opinions[-1],
                          issued_at=aware(2026, 4, 20))
    snapshot_compute(cycle=cycle, period="2026-Q1")
    score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="1.25", reason="服务品牌")
    score_entry_book(cycle=cycle, agency=other_agency, kind="deduction", points="0.5", reason="=媒体曝光")
    score_entry_book(cycle=cycle, agency=fgw, kind="veto", points=0, reason="重大责任事故")
    rate_fully(cycle, fgw)
    return {"q2": snapshot_compute(cycle=cycle, period="2026-Q2"), "notice": notice, "fgw": fgw}


def get(client, user, path):
    client.force_login(user)
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def sheet(body, name=0):
    frame = pd.read_excel(io.BytesIO(body), sheet_name=name, dtype=object)
    return frame.where(frame.notna(), None).to_dict("records")


def test_rankings_by_period_and_group_match_the_api(client, client_for, admin, cycle, world):
    response, body = get(client, admin, f"/dashboard/exports/rankings.xlsx?cycle={cycle.code}&period=2026-Q2")
    assert response.status_code == 200
    api = client_for(admin).get(f"/api/v1/cycles/{cycle.code}/rankings/?period=2026-Q2").json()["rows"]
    assert_same_as_api(sheet(body, "排名"), api)
    cards = sheet(body, "计分明细")
    assert len(cards) == 4 * len(api)  # one row per agency and component
    labels = dict(zip(["public_survey", "appraisal", "organizational", "inspection"],
                      ["网上民评", "年度评议", "组织考评", "明察暗访"], strict=True))
    for row in api:
        lines = {c["组成部分"]: c for c in cards if c["机关编码"] == row["agency"]}
        for code, component in row["components"].items():
            line = lines[labels[code]]
            for key, column in (("score", "得分"), ("weight", "权重"), ("weight_share", "权重占比")):
                expected = component[key]
                assert (line[column] is None) if expected is None else \
                    Decimal(str(line[column])) == Decimal(str(expected)), (row["agency"], code, key)
            assert line["样本数"] == component["n"] and line["是否计入"] == ("是" if component["included"] else "否")
        assert {line["名次区间上限"] for line in lines.values()} == {row["rank_low"]}
        assert {line["组内名次区间下限"] for line in lines.values()} == {row["rank_in_group_high"]}
    _r, body = get(client, admin, "/dashboard/exports/rankings.csv?period=2026-Q2&group=economy")
    records = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["机关编码"] for r in records] == ["fgw"] and records[0]["一票否决事由"] == "重大责任事故"


def test_opinions_match_the_api_with_contacts_masked_and_formulas_as_text(client, client_for, admin, cycle, world):
    response, body = get(client, admin, "/dashboard/exports/opinions.xlsx?period=2026-Q2")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.active.freeze_panes == "A2" and book.active.column_dimensions["H"].width == 60
    records = sheet(body)
    api = {o["id"]: o for o in client_for(admin).get("/api/v1/opinions/?page_size=500").json()["results"]}
    assert len(records) == len(FORMULAS) + 1 == len(api)
    names = dict(ProblemCategory.objects.values_list("code", "name"))
    for record in records:
        opinion = api[record["意见编号"]]
        assert record["意见内容"] == opinion["text"] and record["机关编码"] == opinion["agency"]
        assert record["联系方式（脱敏）"] == opinion["contact_masked"] != opinion["contact"]
        assert opinion["contact"] not in str(record)
        assert set(filter(None, (record["问题类别"] or "").split("、"))) == {names[c] for c in opinion["categories"]}
    # Formula-like text is stored as text: no cell of the workbook is a formula, and it reads back verbatim.
    cells = [c for row in book.active.iter_rows(min_row=2) for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert set(FORMULAS) <= {r["意见内容"] for r in records}

    response, body = get(client, admin, "/dashboard/exports/opinions.csv?period=2026-Q2")
    assert response.streaming and body.startswith(b"\xef\xbb\xbf")
    texts = {r["意见内容"] for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}
    assert {f"'{f}" for f in FORMULAS} <= texts and "窗口排长队" in texts


def test_responses_of_the_period_and_group_only(client, admin, cycle, agency, world):
    _r, body = get(client, admin, "/dashboard/exports/responses.xlsx?period=2026-Q2")
    records = sheet(body)
    assert len(records) == len(FORMULAS) + 1 and all(r["提交时间"] >= "2026-04-01" for r in records)
    _r, body = get(client, admin, "/dashboard/exports/responses.csv?period=2026-Q1")
    q1 = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [(r["机关编码"], r["办事效率"], r["渠道"]) for r in q1] == [(agency.code, "2", "网页")]
    _r, body = get(client, admin, "/dashboard/exports/responses.csv?period=2026-Q2&group=economy")
    assert list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")))) == []


def test_notices_carry_their_history_and_match_the_api(client, client_for, admin, world):
    _r, body = get(client, admin, "/dashboard/exports/notices.xlsx?period=2026-Q2")
    [record] = sheet(body)
    notice = client_for(admin).get(f"/api/v1/rectifications/{world['notice'].pk}/").json()
    assert record["通知编号"] == notice["id"] and record["整改事项"] == notice["text"]
    assert record["整改期限"] == notice["deadline"] and record["状态"] == "待整改"
    assert len(notice["history"]) >= 1 and "下发整改通知" in record["办理记录"]
    assert record["群众意见编号"] == world["notice"].opinion_id


def test_the_ledger_matches_the_api(client, client_for, admin, cycle, world):
    _r, body = get(client, admin, "/dashboard/exports/ledger.xlsx")
    records = sheet(body)
    api = client_for(admin).get(f"/api/v1/cycles/{cycle.code}/entries/?page_size=500").json()["results"]
    api = sorted(api, key=lambda e: (e["created_at"], e["id"]))
    assert [r["台账编号"] for r in records] == [e["id"] for e in api]
    for record, entry in zip(records, api, strict=True):
        assert Decimal(str(record["分值"])) == Decimal(str(entry["points"])) and record["机关编码"] == entry["agency"]
        assert record["事由"] == entry["reason"]  # "=媒体曝光" arrives as the text it is


@pytest.mark.parametrize(("query", "field"), [("period=2026-13", "period"), ("period=2030-Q1", "period"),
                                              ("period=soon", "period"), ("group=nobody", "group"),
                                              ("cycle=1999", "cycle")])
@pytest.mark.parametrize("kind", ["rankings", "opinions", "ledger"])
def test_a_bad_period_group_or_cycle_is_a_400_naming_it(client, admin, cycle, world, query, field, kind):
    response, body = get(client, admin, f"/dashboard/exports/{kind}.csv?{query}")
    assert response.status_code == 400 and list(response.json()) == [field]


def test_rankings_of_a_period_without_a_snapshot_is_a_400(client, admin, cycle, world):
    response, _body = get(client, admin, "/dashboard/exports/rankings.xlsx?period=2026-11")
    assert response.status_code == 400 and "period" in response.json()


def test_the_dossier_holds_every_period_and_cycle_of_one_agency(client, client_for, admin, cycle, world):
    fgw = world["fgw"]
    response, body = get(client, admin, "/agency/dossier/fgw.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["历次排名", "整改通知", "计分台账"]
    records = sheet(body, "历次排名")
    assert [r["期间"] for r in records] == ["2026年第1季度", "2026年第2季度"]
    q2 = records[1]
    card = Scorecard.objects.get(snapshot=world["q2"], agency=fgw)
    assert Decimal(str(q2["总分"])) == card.total and q2["一票否决"] == "是" and q2["一票否决事由"] == "重大责任事故"
    assert records[0]["一票否决"] == "否"  # the veto came after Q1's snapshot
    assert [r["类别"] for r in sheet(body, "计分台账")] == ["一票否决"]
    _r, body = get(client, admin, "/agency/dossier/fgw.csv")
    assert body.startswith(b"\xef\xbb\xbf") and len(list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))) == 2
    assert get(client, admin, "/agency/dossier/nobody.xlsx")[0].status_code == 404


def test_the_bulletin_names_the_commended_and_warned_of_its_snapshot(client, admin, cycle, agency, other_agency,
                                                                     group):
    ranked = [agency, other_agency, AgencyFactory(code="c3", name="市第三局", group=group)]
    snapshot_with(cycle, list(reversed(ranked)), period="2026-Q1")
    snapshot = snapshot_with(cycle, ranked, period="2026-Q2")
    response, body = get(client, admin, f"/dashboard/bulletin/{snapshot.pk}.docx")
    assert response.status_code == 200 and "bulletin_2026_2026-Q2.docx" in response["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs)
    assert "季小结通报" in text
    commended = text.split("一、表彰")[1].split("二、谈话提醒")[0]
    warned = text.split("二、谈话提醒")[1].split("四、")[0]
    assert agency.name in commended and "c3" not in commended and "市第三局" not in commended
    assert "市第三局" in warned and agency.name not in warned
    table = docx.Document(io.BytesIO(body)).tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert rows[0][:2] == ["第1名", agency.name] and rows[0][4] == "上升2位" and rows[1][4] == "持平"
    assert rows[2][4] == "下降2位"

    page, html = get(client, admin, f"/dashboard/bulletin/{snapshot.pk}/")
    html = html.decode()
    assert page.status_code == 200 and "@media print" not in html and "bulletin.css" in html
    assert agency.name in html.split('id="bulletin-commended"')[1].split("</p>")[0]


def test_the_bulletin_speaks_the_veto_and_counts_problems_and_notices(client, admin, cycle, world):
    _r, body = get(client, admin, f"/dashboard/bulletin/{world['q2'].pk}.docx")
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "市发展改革委：一票否决（重大责任事故）" in text
    assert "第1名" not in [row.cells[0].text for row in document.tables[0].rows if "发展改革委" in row.cells[1].text]
    assert "办事效率：3 条" in text and "服务态度：1 条" in text and "廉洁自律：" not in text
    assert text.index("办事效率：3") < text.index("服务态度：1")
    assert "已下发整改通知 1 件" in text
    _r, html = get(client, admin, f"/dashboard/bulletin/{world['q2'].pk}/")
    assert "一票否决（重大责任事故）" in html.decode()


def test_an_unrated_agency_is_not_given_a_rank(client, admin, cycle, agency, other_agency):
    snapshot = snapshot_with(cycle, [agency], period="2026-05")
    Scorecard.objects.create(snapshot=snapshot, agency=other_agency, group_code=other_agency.group.code,
                             total=Decimal(0), rank_overall=None, rank_in_group=None, outcome="unrated",
                             card={**card_of(other_agency, total=0, rank=0, rank_in_group=0, outcome="unrated"),
                                   "rank_overall": None, "rank_in_group": None},
                             inputs={})
    _r, body = get(client, admin, f"/dashboard/bulletin/{snapshot.pk}.docx")
    document = docx.Document(io.BytesIO(body))
    assert "月点评通报" in document.paragraphs[0].text
    assert f"{other_agency.name}：暂不排名。" in "\n".join(p.text for p in document.paragraphs)
    row = next(r for r in document.tables[0].rows if r.cells[1].text == other_agency.name)
    assert row.cells[0].text == "暂不排名"


@pytest.mark.parametrize("role", ["liaison", "inspector", "assessor"])
def test_only_admins_and_leaders_get_reports(request, client, cycle, agency, role):
    snapshot = snapshot_with(cycle, [agency])
    user = request.getfixturevalue(role)
    for path in ["/dashboard/exports/ledger.csv", f"/dashboard/bulletin/{snapshot.pk}/",
                 f"/dashboard/bulletin/{snapshot.pk}.docx", f"/agency/dossier/{agency.code}.xlsx"]:
        assert get(client, user, path)[0].status_code == 403, path


def test_the_dashboard_and_scorecard_link_the_reports(client, leader, cycle, agency):
    snapshot = snapshot_with(cycle, [agency], period="2026-Q2")
    _r, html = get(client, leader, f"/dashboard/?cycle={cycle.code}&period=2026-Q2")
    html = html.decode()
    assert f"/dashboard/bulletin/{snapshot.pk}/" in html
    assert "/dashboard/exports/opinions.xlsx?cycle=2026&amp;period=2026-Q2" in html
    _r, html = get(client, leader, f"/dashboard/{snapshot.pk}/{agency.code}/")
    assert f"/agency/dossier/{agency.code}.xlsx" in html.decode()


@pytest.mark.parametrize("kind", ["responses", "opinions", "notices", "ledger"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_rows(client, admin, cycle, agency, other_agency, kind, fmt):
    survey = Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                   opens_at=aware(2026, 1, 1), closes_at=aware(2027, 1, 1))
    category = ProblemCategory.objects.get(code="other")
    client.force_login(admin)

    def add(start, count):
        for i in range(start, start + count):
            submitted = response_submit(survey=survey, agency=agency if i % 2 else other_agency, ratings={"fees": 4},
                                        opinion=f"意见{i}", contact="13800138000", fingerprint=f"d{i}",
                                        at=aware(2026, 5, 3))
            opinion = Opinion.objects.get(response_id=submitted.response_id)
            opinion_tags_change(opinion_ids=[opinion.pk], add=[category])
            notice_issue(agency=opinion.agency, source="opinion", text=f"整改{i}", cycle=cycle, opinion=opinion,
                         issued_at=aware(2026, 5, 4))
            score_entry_book(cycle=cycle, agency=opinion.agency, kind="bonus", points="0.1", reason=f"加分{i}")

    counts = []
    for start, count in ((0, 2), (2, 15)):
        add(start, count)
        with CaptureQueriesContext(connection) as queries:
            response, body = get(client, admin, f"/dashboard/exports/{kind}.{fmt}?period=cycle")
            assert response.status_code == 200
        counts.append(len(queries))
        rows = sheet(body) if fmt == "xlsx" else list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert len(rows) == start + count
    assert counts[0] == counts[1], counts


def test_dossier_queries_do_not_grow_with_snapshots(client, admin, cycle, agency, other_agency):
    client.force_login(admin)
    counts = []
    for periods in (["2026-01"], ["2026-02", "2026-03", "2026-04", "2026-Q1"]):
        for period in periods:
            snapshot_with(cycle, [agency, other_agency], period=period)
        with CaptureQueriesContext(connection) as queries:
            assert get(client, admin, f"/agency/dossier/{agency.code}.xlsx")[0].status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_annual_bulletin_compares_with_the_previous_cycle_and_weeks_with_the_week_before(client, admin, cycle,
                                                                                           agency, other_agency):
    from tests.factories import CycleFactory

    previous = CycleFactory(code="2025", name="2025年度评议", starts_on=cycle.starts_on.replace(year=2025),
                            ends_on=cycle.ends_on.replace(year=2025))
    snapshot_with(previous, [other_agency, agency], final=True)
    annual = snapshot_with(cycle, [agency, other_agency], final=True)
    _r, body = get(client, admin, f"/dashboard/bulletin/{annual.pk}.docx")
    document = docx.Document(io.BytesIO(body))
    assert document.paragraphs[0].text == "2026年度评议年考核通报"
    assert [row.cells[4].text for row in document.tables[0].rows[1:]] == ["上升1位", "下降1位"]
    snapshot_with(cycle, [other_agency, agency], period="2026-W10")
    snapshot_with(cycle, [other_agency, agency], period="2026-05")  # another kind: not compared
    week = snapshot_with(cycle, [agency, other_agency], period="2026-W11")
    _r, body = get(client, admin, f"/dashboard/bulletin/{week.pk}/")
    html = body.decode()
    assert "2026年第11周周检查通报" in html and "上期（2026年第10周）" in html and "上升1位" in html


def test_the_whole_cycle_holds_entries_booked_after_its_end_and_a_month_only_its_own(client, admin, cycle, agency):
    import time_machine

    score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="1", reason="六月加分")
    with time_machine.travel(aware(2027, 1, 10), tick=False):
        score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="2", reason="年终补登")
    _r, body = get(client, admin, "/dashboard/exports/ledger.csv?period=cycle")
    assert [r["事由"] for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))] == ["六月加分", "年终补登"]
    _r, body = get(client, admin, "/dashboard/exports/ledger.csv?period=2026-06")
    assert [r["事由"] for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))] == ["六月加分"]
    _r, body = get(client, admin, "/dashboard/exports/ledger.csv?period=2026-05")
    assert list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")))) == []


def test_exports_take_a_group_and_a_cycle_by_name(client, admin, cycle, world):
    _r, by_code = get(client, admin, "/dashboard/exports/ledger.csv?period=2026-Q2&group=economy")
    for query in (f"cycle={cycle.name}&period=2026-Q2&group=综合经济部门", "period=2026-Q2&group=经济"):
        response, body = get(client, admin, f"/dashboard/exports/ledger.csv?{query}")
        assert response.status_code == 200 and body == by_code
    response, _body = get(client, admin, "/dashboard/exports/ledger.csv?group=部门")  # both groups' names
    assert response.status_code == 400 and list(response.json()) == ["group"]
