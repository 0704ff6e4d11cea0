"""Veto and unrated outcomes spoken correctly (issue #10 item 4): a vetoed agency is told its veto and its reason,
never a rank it was not warned for; an agency with nothing but the inspection default is 暂不排名 — in the
reminder talk and the notice, on the public page, in the API and in the exports."""
import csv
import io

import pytest

from agencies.choices import CycleStatus
from rectification.models import Notification, RectificationNotice
from scoring.services import score_entry_book, snapshot_compute
from tests.factories import AgencyFactory

from .factories import rate_fully

pytestmark = pytest.mark.django_db


@pytest.fixture
def final(cycle, agency, other_agency, group, leader, django_capture_on_commit_callbacks):
    """gaj leads on its total but is vetoed; scjgj and x0 are rated; idle has no data but inspection's 100."""
    x0 = AgencyFactory(code="x0", name="市第零局", group=group, leader_account=leader)
    AgencyFactory(code="idle", name="市闲置局", group=group)
    for a in (agency, other_agency):
        a.leader_account = leader
        a.save(update_fields=["leader_account"])
    rate_fully(cycle, agency, other_agency, x0)
    score_entry_book(cycle=cycle, agency=other_agency, kind="deduction", points=1, reason="媒体曝光")
    score_entry_book(cycle=cycle, agency=x0, kind="deduction", points=2, reason="媒体曝光")
    score_entry_book(cycle=cycle, agency=agency, kind="veto", points=0, reason="发生重大安全责任事故")
    cycle.status = CycleStatus.CLOSED
    cycle.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        return snapshot_compute(cycle=cycle, final=True)


def test_the_vetoed_leader_is_told_its_veto_not_a_bottom_rank(final):
    cards = {c.agency.code: c for c in final.scorecards.all()}
    assert (cards["gaj"].rank_overall, cards["gaj"].outcome) == (1, "warned")
    assert (cards["idle"].rank_overall, cards["idle"].outcome) == (None, "unrated")
    notice = RectificationNotice.objects.get(source="ranking", agency__code="gaj")
    talk = Notification.objects.get(kind="reminder_talk", notice=notice)
    for text in (notice.text, talk.body):
        assert "一票否决" in text and "发生重大安全责任事故" in text
        assert "第 1" not in text and "列末位" not in text
    assert not RectificationNotice.objects.filter(agency__code="idle").exists()


def test_a_bottom_rank_counts_rated_agencies_only(final):
    # warn_bottom = 3 of N = 3 rated: every rated agency is warned; x0 is 3rd of 3, not of 4.
    notice = RectificationNotice.objects.get(source="ranking", agency__code="x0")
    assert "总排名第 3 / 3 名" in notice.text and "列末位" in notice.text


def test_the_public_page_gives_the_veto_and_its_reason_and_unrated_as_such(client, final, cycle):
    cycle.status = CycleStatus.PUBLISHED
    cycle.save(update_fields=["status"])
    page = client.get("/public/").content.decode()
    overall = page[page.index('id="overall"'):page.index('id="group-')]
    row = overall[overall.index("市公安局"):]
    row = row[:row.index("</tr>")]
    assert "谈话提醒" in row and "一票否决" in row and "发生重大安全责任事故" in row
    idle = overall[overall.index("市闲置局"):]
    idle = idle[:idle.index("</tr>")]
    assert "暂不排名" in idle and "表彰" not in idle
    before = overall[:overall.index("市闲置局")]
    assert ">暂不排名</span>" in before[before.rindex("<tr"):]  # in the rank cell, before the name


def test_the_api_and_exports_say_it_too(api, client, admin, final, cycle):
    rows = {r["agency"]: r for r in api.get(f"/api/v1/cycles/{cycle.code}/rankings/").json()["rows"]}
    assert rows["gaj"]["veto_reason"] == "发生重大安全责任事故" and rows["scjgj"]["veto_reason"] is None
    assert (rows["idle"]["rank_overall"], rows["idle"]["outcome"]) == (None, "unrated")
    client.force_login(admin)
    response = client.get(f"/dashboard/{final.pk}/rankings.csv")
    records = {r["机关编码"]: r for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert (records["gaj"]["一票否决"], records["gaj"]["一票否决事由"]) == ("是", "发生重大安全责任事故")
    assert (records["idle"]["结果"], records["idle"]["总名次"], records["idle"]["组内名次"]) == ("暂不排名", "", "")
    page = client.get(f"/dashboard/?cycle={cycle.code}").content.decode()
    assert "发生重大安全责任事故" in page and "暂不排名" in page
