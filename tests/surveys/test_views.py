import datetime
import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from agencies.scheme import DIMENSIONS
from surveys import selectors, services
from surveys.models import Ballot, BallotRating, Invitation, Opinion, Response, Survey

pytestmark = pytest.mark.django_db


def answers(level="4", **extra):
    return {**{f"d_{d}": level for d in DIMENSIONS}, "channel": "web", **extra}


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=False, HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")


def test_start_lists_window_agencies_and_sets_the_device_cookie(browser, public, agency, no_window_agency):
    r = browser.get(f"/s/{public.slug}/")
    assert r.status_code == 200
    assert "市公安局" in r.content.decode() and "市发展和改革委员会" not in r.content.decode()
    cookie = r.cookies["ce_device"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 365 * 24 * 3600
    assert len(cookie.value) >= 20
    assert "ce_device" not in browser.get(f"/s/{public.slug}/").cookies  # kept, not renewed


def test_a_qr_link_opens_the_form_pre_filled_and_stores_channel_and_window(browser, public, agency, window):
    url = f"/s/{public.slug}/a/gaj/w/w01/?via=qr"
    page = browser.get(url).content.decode()
    assert "户政窗口" in page and 'name="window" value="w01"' in page and 'value="qr"' in page
    assert page.count('type="radio"') == 6 * len(DIMENSIONS) and "不适用" in page and "非常不满意" in page
    r = browser.post(url, answers(window="w01", channel="qr", opinion="取号机经常坏", contact="13912345678"))
    assert r.status_code == 302
    thanks = browser.get(r["Location"]).content.decode()
    receipt = Opinion.objects.get().receipt
    assert "感谢您的评价" in thanks and receipt in thanks
    response = Response.objects.get()
    assert (response.channel, response.window, response.status, response.r_fees) == ("qr", window, "valid", 4)
    assert response.fingerprint != browser.cookies["ce_device"].value  # only its keyed hash is kept


def test_not_applicable_is_null_and_a_duplicate_is_told_honestly(browser, public, agency):
    url = f"/s/{public.slug}/a/gaj/"
    browser.get(url)
    browser.post(url, answers(d_fees="na"))
    assert Response.objects.get().r_fees is None
    thanks = browser.get(browser.post(url, answers())["Location"]).content.decode()
    assert "您今天已评价过该单位" in thanks
    assert list(Response.objects.values_list("status", flat=True).order_by("id")) == ["valid", "duplicate"]


def test_the_honeypot_is_thanked_like_anyone_but_stored_as_suspicious(browser, public, agency):
    r = browser.post(f"/s/{public.slug}/a/gaj/", answers(website="http://spam.example"))
    assert "感谢您的评价" in browser.get(r["Location"]).content.decode()
    assert Response.objects.get().status == "suspicious"


def test_a_dimension_left_out_is_shown_again_and_nothing_stored(browser, public, agency):
    data = answers()
    del data["d_integrity"]
    r = browser.post(f"/s/{public.slug}/a/gaj/", data)
    assert r.status_code == 400 and "请选择一项" in r.content.decode()
    all_na = browser.post(f"/s/{public.slug}/a/gaj/", answers(level="na"))
    assert all_na.status_code == 400 and "至少对一个维度" in all_na.content.decode()
    assert not Response.objects.exists()


def test_forms_need_the_csrf_token(public, agency):
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/s/{public.slug}/a/gaj/", answers()).status_code == 403
    page = client.get(f"/s/{public.slug}/a/gaj/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert client.post(f"/s/{public.slug}/a/gaj/", answers(csrfmiddlewaretoken=token)).status_code == 302


@pytest.mark.parametrize("path, status, text", [
    ("/s/nope/", 404, "未找到该调查"),
    ("/s/minping/a/nope/", 404, "未找到该单位"),
    ("/s/minping/a/fgw/", 404, "未找到该单位"),
    ("/s/minping/a/gaj/w/w99/", 404, "未找到该窗口"),
    ("/s/closed/", 409, "当前未开放"),
    ("/s/closed/a/gaj/", 409, "当前未开放"),
])
def test_trouble_is_a_plain_message_page(browser, public, cycle, agency, no_window_agency, path, status, text):
    Survey.objects.create(slug="closed", cycle=cycle, kind="public", title="上年度民评",
                          opens_at=timezone.now() - datetime.timedelta(days=400),
                          closes_at=timezone.now() - datetime.timedelta(days=35))
    r = browser.get(path)
    assert r.status_code == status and text in r.content.decode()
    assert "Traceback" not in r.content.decode()


@override_settings(SURVEY_RATE_LIMIT="2/h")
def test_pages_and_api_share_the_rate_limit(browser, public, agency):
    url = f"/s/{public.slug}/a/gaj/"
    assert browser.post(url, answers()).status_code == 302
    assert Client().post(f"/api/v1/surveys/{public.slug}/responses/", {"agency": "gaj", "ratings": {"fees": 3}},
                         content_type="application/json").status_code == 201
    r = browser.post(url, answers())
    assert r.status_code == 429 and "提交过于频繁" in r.content.decode()
    assert Response.objects.count() == 2


def test_track_shows_the_history_but_not_the_contact(browser, public, agency):
    result = services.response_submit(survey=public, agency=agency, ratings={"fees": 2}, fingerprint="f",
                                      opinion="收费标准不公示", contact="13812341234")
    services.opinion_set_status(opinion=Opinion.objects.get(), status="routed", note="已转交市公安局整改")
    page = browser.get(f"/track/?receipt={result.receipt}").content.decode()
    assert "收费标准不公示" in page and "已转交市公安局整改" in page and "待处理" in page
    assert "13812341234" not in page and "1234" not in page.replace(result.receipt, "")
    posted = browser.post("/track/", {"receipt": result.receipt.lower()})
    assert posted.status_code == 200 and "已转交单位整改" in posted.content.decode()
    missing = browser.post("/track/", {"receipt": "NOPE234567"})
    assert missing.status_code == 404 and "未找到该回执码" in missing.content.decode()
    assert browser.get("/track/").status_code == 200


# --- the office ------------------------------------------------------------------------

@pytest.fixture
def office(admin):
    client = Client()
    client.force_login(admin)
    return client


def test_qr_codes_are_for_the_office_only(public, agency, window, office, liaison):
    base = f"/s/{public.slug}/a/gaj/"
    assert Client().get(base + "qr.svg").status_code == 302  # to the login page
    other = Client()
    other.force_login(liaison)
    assert other.get(base + "qr.svg").status_code == 403
    svg = office.get(base + "w/w01/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = office.get(base + "qr.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert office.get(f"/s/{public.slug}/a/gaj/w/w99/qr.png").status_code == 404


def test_the_printable_sheet_carries_absolute_links(public, agency, window, office):
    page = office.get(f"/s/{public.slug}/a/gaj/sheet/").content.decode()
    assert "http://testserver/s/minping/a/gaj/?via=qr" in page
    assert "http://testserver/s/minping/a/gaj/w/w01/?via=qr" in page and page.count("<svg") == 2
    with override_settings(PUBLIC_BASE_URL="https://pingyi.example.gov.cn"):
        page = office.get(f"/s/{public.slug}/a/gaj/sheet/").content.decode()
    assert "https://pingyi.example.gov.cn/s/minping/a/gaj/w/w01/?via=qr" in page
    assert "市公安局" in office.get(f"/s/{public.slug}/qr/").content.decode()


def test_invitation_page_shows_fresh_tokens_once_with_csv_and_the_rate_per_category(appraisal_open, agency, office):
    url = f"/s/{appraisal_open.slug}/invitations/"
    page = office.post(url, {"category": "deputy", "count": 3, "format": "html"})
    html = page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    tokens = re.findall(r"http://testserver/ballot/([\w-]+)/", html)
    assert len(set(tokens)) == 3 and html.count("<svg") >= 3 and "data:text/csv;base64," in html
    assert Invitation.objects.count() == 3 and not Invitation.objects.filter(token_hash__in=tokens).exists()
    csv = office.post(url, {"category": "citizen", "count": 2, "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and len(csv.content.decode().strip().splitlines()) == 3
    services.ballot_submit(token=tokens[0], ratings={agency.pk: 4})
    rates = office.get(url).content.decode()
    assert re.search(r"两代表一委员</td><td[^>]*>3</td><td[^>]*>1</td>\s*<td[^>]*>33%", rates)


def test_invitation_page_is_for_the_office(appraisal_open, liaison):
    assert Client().get(f"/s/{appraisal_open.slug}/invitations/").status_code == 302


def test_ballot_page_groups_agencies_and_accepts_one_submission(browser, appraisal_open, agency, other_agency,
                                                               no_window_agency):
    token = services.invitations_issue(survey=appraisal_open, category="enterprise", count=1)[0]
    page = browser.get(f"/ballot/{token}/").content.decode()
    assert "窗口服务部门" in page and "市发展和改革委员会" in page and "不了解" in page
    r = browser.post(f"/ballot/{token}/", {"a_gaj": "5", "a_scjgj": "0", "a_fgw": "2", "step": "confirm"})
    assert r.status_code == 200 and "评议已提交" in r.content.decode()
    assert sorted(BallotRating.objects.values_list("agency__code", "level")) == [("fgw", 2), ("gaj", 5)]
    assert Ballot.objects.get().category == "enterprise"
    again = browser.get(f"/ballot/{token}/")
    assert again.status_code == 409 and "已使用" in again.content.decode()
    assert browser.get("/ballot/forged/").status_code == 404


def test_a_ballot_of_unknowns_only_is_refused_and_keeps_the_token(browser, appraisal_open, agency):
    token = services.invitations_issue(survey=appraisal_open, category="citizen", count=1)[0]
    r = browser.post(f"/ballot/{token}/", {"a_gaj": "0", "step": "review"})
    assert r.status_code == 400 and "至少评价一个机关" in r.content.decode()
    assert Invitation.objects.get().used_at is None


def test_the_office_list_shows_each_survey_with_its_counts_in_few_queries(office, public, appraisal_open, agency,
                                                                          django_assert_max_num_queries):
    services.response_submit(survey=public, agency=agency, ratings={"fees": 4}, fingerprint="a", opinion="好")
    services.response_submit(survey=public, agency=agency, ratings={"fees": 4}, fingerprint="a")
    with django_assert_max_num_queries(6):
        page = office.get("/surveys/")
    html = page.content.decode()
    assert page.status_code == 200 and "1 / 2" in html
    assert f"/s/{public.slug}/qr/" in html and f"/s/{appraisal_open.slug}/invitations/" in html
    assert Client().get("/surveys/").status_code == 302
    # Counts come from one subquery each: joining responses × opinions × ballots multiplies rows (40 s on the demo).
    assert str(selectors.surveys_for_office().query).count("JOIN") == 1  # the cycle only


def test_admin_lists_opinions_masked_and_invitations_without_tokens(office, admin, public, appraisal_open, agency):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    result = services.response_submit(survey=public, agency=agency, ratings={"fees": 2}, fingerprint="f",
                                      opinion="收费不透明", contact="13812341234")
    services.invitations_issue(survey=appraisal_open, category="deputy", count=2)
    opinion = Opinion.objects.get()
    listing = office.get("/admin/surveys/opinion/").content.decode()
    detail = office.get(f"/admin/surveys/opinion/{opinion.pk}/change/").content.decode()
    assert result.receipt in listing and "138****1234" in listing
    assert "13812341234" not in listing + detail
    invitations = office.get("/admin/surveys/invitation/")
    assert invitations.status_code == 200 and "token_hash" not in invitations.content.decode()
