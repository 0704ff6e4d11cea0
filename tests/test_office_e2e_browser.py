"""The office's day in real Chromium (Debian's), at a desk (1366 px) and on a phone (360 px), signed in as the
administrator: every dashboard chart paints and redraws in place on the period and group switches; from a
total to the photo of the finding behind an inspection deduction, and to a response behind a dimension mean;
20 opinions routed to an agency in one go. No page scrolls sideways on the phone, nothing logs an error, and
no request leaves localhost.

With CE_SCREENSHOTS=<folder> (e.g. docs/screenshots) the run also writes the README's screenshots there: the
survey on a phone, the dashboard, a scorecard's drill-down and the period bulletin."""
import datetime
import io
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rectification import services as rectification
from rectification.choices import CalendarDayKind
from rectification.models import CalendarDay, RectificationNotice
from scoring import services as scoring
from surveys import services as surveys
from surveys.choices import Channel, OpinionStatus
from surveys.models import Opinion, Survey
from tests import drill_world
from tests.factories import AgencyFactory, AgencyGroupFactory
from tests.rectification.test_triage_browser import chromium  # noqa: F401 — the shared Chromium fixture
from tests.scoring.test_charts_browser import _all_painted
from tests.scoring.test_drill_browser import fits, to_the_finding_photo
from tests.test_navbar_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCAL = {"127.0.0.1", "localhost"}
SCREENSHOTS = os.environ.get("CE_SCREENSHOTS", "")
# Two groups of agencies beside the drill world's 市公安局 and 市市场监督管理局 (both 窗口服务部门).
WINDOW_AGENCIES = [("rsj", "市人力资源和社会保障局"), ("zrzyj", "市自然资源和规划局"), ("zjj", "市住房和城乡建设局")]
ECONOMY_AGENCIES = [("fgw", "市发展和改革委员会"), ("czj", "市财政局"), ("swj", "市商务局"), ("tjj", "市统计局"),
                    ("sjj", "市审计局")]
OPINIONS = ["户政窗口排队时间太长，工作人员态度冷淡", "办事大厅空调坏了一个月没人修", "网上预约系统经常打不开",
            "窗口人员推诿，让我跑了三趟", "停车场太小，车位不够", "咨询电话总是无人接听"]


def period_names(today: datetime.date) -> tuple[list[str], str]:
    """Past weeks, months and the quarter around `today` (for the trends), and the month the switch picks."""
    days = [today - datetime.timedelta(days=n) for n in (50, 21, 3)]
    months = sorted({f"{d.year}-{d.month:02d}" for d in days})
    weeks = sorted({"{}-W{:02d}".format(*(d.isocalendar()[:2])) for d in days})
    quarter = f"{days[-1].year}-Q{(days[-1].month - 1) // 3 + 1}"
    return [*weeks, *months, quarter], months[-1]


@dataclass
class Office:
    snapshot: object
    drill: drill_world.World
    month: str
    opinions: list
    target: object


@pytest.fixture
def office(cycle, group, agency, other_agency, admin, liaison, inspector, assessor, settings, tmp_path):
    """A small city: ten agencies in two groups with a couple of months of responses, the drill world behind
    市公安局's scorecard, three notices, 24 new opinions, and snapshots of past weeks, months, the quarter and
    the cycle (computed last, so the dashboard opens on it)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    if not cycle.starts_on + datetime.timedelta(days=150) <= today <= cycle.ends_on:
        # The world's dates follow today; the cycle must hold its past weeks and months.
        cycle.starts_on, cycle.ends_on = today - datetime.timedelta(days=150), today + datetime.timedelta(days=60)
        cycle.save(update_fields=["starts_on", "ends_on"])
    for year in (today.year, today.year + 1):  # the holiday schedules are entered (else the dashboard asks)
        CalendarDay.objects.get_or_create(day=datetime.date(year, 1, 1),
                                          defaults={"kind": CalendarDayKind.HOLIDAY, "name": "元旦"})
    economy = AgencyGroupFactory(code="economy", name="综合经济部门")
    others = [AgencyFactory(code=code, name=name, group=group) for code, name in WINDOW_AGENCIES]
    others += [AgencyFactory(code=code, name=name, group=economy) for code, name in ECONOMY_AGENCIES]
    drill = drill_world.build(cycle=cycle, agency=agency, admin=admin, liaison=liaison, inspector=inspector,
                              assessor=assessor)
    survey = Survey.objects.get(slug="pub")
    now = timezone.now()
    channels = [Channel.WEB, Channel.QR, Channel.KIOSK]
    for a, rated in enumerate([other_agency, *others]):
        for n in range(8):
            ratings = {dimension: 1 + (a + n + d * (a % 3)) % 5 if (a + n) % 4 else 5
                       for d, dimension in enumerate(survey.dimensions)}
            surveys.response_submit(survey=survey, agency=rated, ratings=ratings, fingerprint=f"{rated.code}-{n}",
                                    channel=channels[(a + n) % 3],
                                    at=now - datetime.timedelta(days=2 + (a * 7 + n * 6) % 52, hours=n))
    opinions = [surveys.opinion_create(survey=survey, agency=agency, text=f"{OPINIONS[i % len(OPINIONS)]}（第{i}条）",
                                       contact=drill_world.PHONE, at=now - datetime.timedelta(hours=30 - i))
                for i in range(24)]
    notices = [rectification.notice_issue(agency=noticed, cycle=cycle, source="manual", text="窗口服务态度差，限期整改",
                                          source_key=f"manual:e2e-{i}", actor=admin)
               for i, noticed in enumerate([agency, other_agency, others[0]])]
    rectification.notice_respond(notice=notices[0], actor=liaison, measures="已开展作风教育并调整窗口排班",
                                 files=[drill_world.photo()])
    rectification.notice_verify(notice=notices[0], actor=admin, accepted=True)
    periods, month = period_names(today)
    for period in periods:
        scoring.snapshot_compute(cycle=cycle, period=period, actor=admin)
    snapshot = scoring.snapshot_compute(cycle=cycle, actor=admin)
    return Office(snapshot=snapshot, drill=drill, month=month, opinions=opinions[:20], target=other_agency)


def shoot(page, name: str, **options) -> None:
    """docs/screenshots/<name>.png (or wherever CE_SCREENSHOTS says), when asked for: at device scale 1, in 256
    colours, so that each stays a small file in the repository."""
    if not SCREENSHOTS:
        return
    from PIL import Image

    path = Path(SCREENSHOTS) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.open(io.BytesIO(page.screenshot(**options))).convert("RGB").quantize(256).save(path, optimize=True)


@pytest.mark.parametrize("width", [1366, 360])
def test_the_office_from_the_charts_to_the_evidence_and_through_triage(live_server, chromium, office,  # noqa: F811
                                                                       agency, width):
    page = chromium(width)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    check = fits if width == 360 else (lambda page: None)
    base = live_server.url
    drill = office.drill

    # The citizen's survey, as a phone shows it (the README's first picture).
    page.goto(f"{base}/s/pub/a/{agency.code}/")
    check(page)
    if width == 360:
        shoot(page, "survey-phone")

    # Every chart paints; the panel's period and group switches redraw it in place (htmx, no reload).
    sign_in(page, base, "admin")
    page.goto(f"{base}/dashboard/")
    _all_painted(page, "period=cycle&group=")
    check(page)
    if width == 1366:
        shoot(page, "dashboard", full_page=True)
    page.evaluate("window.ceLoaded = true")  # gone if the page reloads
    page.locator("#ce-charts-group").select_option("economy")
    _all_painted(page, "group=economy")
    page.locator("#ce-charts-period").select_option(office.month)
    _all_painted(page, f"period={office.month}&group=economy")
    assert page.locator("#ce-charts-group").input_value() == "economy"
    assert page.evaluate("window.ceLoaded") is True
    check(page)

    # From the total in the dashboard's table to the scorecard, then 明察暗访 → the ledger entry → its finding,
    # the visit and the photo.
    scorecard = f"/dashboard/{office.snapshot.pk}/{agency.code}/"
    page.locator(f'main a[href="{scorecard}"]').first.click()
    page.wait_for_load_state()
    assert page.url == f"{base}{scorecard}"
    assert "总分构成" in page.locator("main").inner_text()
    check(page)
    if width == 1366:
        shoot(page, "scorecard", full_page=True)
    to_the_finding_photo(page, drill, check)
    if width == 1366:
        shoot(page, "drill-finding", full_page=True)

    # … and 网上民评 → 服务态度's mean → the responses behind it, the contact masked.
    page.goto(f"{base}{scorecard}")
    page.locator('[data-component="public_survey"] a[data-drill="component"]').click()
    page.locator('[data-dimension="service_attitude"] a[data-drill="mean"]').click()
    page.wait_for_load_state()
    check(page)
    expect(page.locator("#drill-total")).to_contain_text("共 3 份答卷")
    card = page.locator(f'[data-response="{drill.responses[0]}"]')
    assert drill_world.MASKED in card.inner_text() and drill_world.PHONE not in page.content()

    # Triage: tick 20 opinions and route them to 市市场监督管理局, named as the office would type it.
    page.goto(f"{base}/dashboard/opinions/?sort=oldest")
    check(page)
    for opinion in office.opinions:
        page.locator(f"#opinion-{opinion.pk} input[name=ids]").check()
    bulk = page.locator("#bulk-form")
    assert bulk.locator("[data-selected-count]").inner_text() == "20"
    bulk.locator("select[name=action]").select_option("route")
    bulk.locator("input[name=agency]").fill(office.target.name)
    bulk.locator("#bulk-submit").click()
    page.wait_for_load_state()
    assert "转交单位整改：成功 20 条，未能处理 0 条。" in page.locator("main").inner_text()
    check(page)
    routed = [o.pk for o in office.opinions]
    assert RectificationNotice.objects.filter(opinion__in=routed, agency=office.target).count() == 20
    assert Opinion.objects.filter(pk__in=routed, status=OpinionStatus.ROUTED).count() == 20
    assert Opinion.objects.filter(status=OpinionStatus.NEW).count() == 5  # 4 left unticked, the drill world's one

    # The period bulletin as a page to print.
    page.goto(f"{base}/dashboard/bulletin/{office.snapshot.pk}/")
    check(page)
    if width == 1366:
        shoot(page, "bulletin", full_page=True)

    assert not page.problems, page.problems  # console errors, page errors
    hosts = {urlsplit(url).hostname for url in requested if urlsplit(url).scheme in ("http", "https", "ws", "wss")}
    assert requested and hosts <= LOCAL, hosts
    assert {urlsplit(url).scheme for url in requested} <= {"http", "data", "blob"}, requested
