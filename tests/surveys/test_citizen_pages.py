"""The citizen's and the evaluator's pages: the ballot in collapsible groups with its progress count and a
confirmation step, the survey's one-row coloured scale, the centred QR sheet and the favicon."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from agencies.scheme import DIMENSIONS
from surveys import services
from surveys.models import Ballot, BallotRating, Invitation
from tests.factories import AgencyFactory, AgencyGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")


@pytest.fixture
def two_groups(agency, other_agency):
    comprehensive = AgencyGroupFactory(code="comprehensive", name="综合管理部门")
    AgencyFactory(code="fgw", name="市发展和改革委员会", group=comprehensive, has_service_window=False)
    return comprehensive


@pytest.fixture
def token(appraisal_open):
    return services.invitations_issue(survey=appraisal_open, category="enterprise", count=1)[0]


def test_the_ballot_shows_each_group_as_a_collapsible_section_with_a_progress_count(browser, two_groups, token):
    page = browser.get(f"/ballot/{token}/").content.decode()
    sections = re.findall(r"<details[^>]*data-progress-scope[^>]*>\s*<summary[^>]*>\s*([^<]+?)\s*<", page)
    assert sorted(sections) == ["窗口服务部门", "综合管理部门"]
    assert re.search(r"<details[^>]*\bopen\b", page)  # the first group starts open
    assert re.search(r'id="ballot-progress"[^>]*>\s*已评 <span data-progress-count>0</span> / 3 个机关', page)
    assert page.count("data-progress-item") == 3 and "<form method=\"post\" data-progress>" in page


def test_the_count_is_drawn_on_the_server_too_when_the_form_comes_back(browser, two_groups, token):
    page = browser.post(f"/ballot/{token}/", {"a_gaj": "5", "a_scjgj": "0", "a_fgw": "2", "step": "edit"})
    html = page.content.decode()
    assert page.status_code == 200 and Invitation.objects.get().used_at is None
    assert re.search(r"已评 <span data-progress-count>2</span> / 3 个机关", html)
    assert re.search(r'id="id_a_gaj_4"\s+value="5"[^>]*checked', html), html[html.find("id_a_gaj_0"):][:300]


def test_the_review_step_shows_a_summary_and_consumes_nothing_until_confirmed(browser, two_groups, token):
    review = browser.post(f"/ballot/{token}/", {"a_gaj": "5", "a_scjgj": "0", "a_fgw": "2", "step": "review"})
    html = review.content.decode()
    assert review.status_code == 200 and "请核对您的评议" in html and "已评 2 / 3 个机关" in html
    assert re.search(r"市公安局</span><span[^>]*>非常满意<", html)
    assert re.search(r"市发展和改革委员会</span><span[^>]*>不满意<", html)
    assert "市市场监督管理局" not in html  # not known: not in the summary
    assert 'name="step" value="confirm"' in html and 'name="step" value="edit"' in html
    for name, value in (("a_gaj", "5"), ("a_scjgj", "0"), ("a_fgw", "2")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    assert Invitation.objects.get().used_at is None and not Ballot.objects.exists()
    assert browser.get(f"/ballot/{token}/").status_code == 200  # the token still opens the ballot

    done = browser.post(f"/ballot/{token}/", {"a_gaj": "5", "a_scjgj": "0", "a_fgw": "2", "step": "confirm"})
    assert done.status_code == 200 and "评议已提交" in done.content.decode()
    assert sorted(BallotRating.objects.values_list("agency__code", "level")) == [("fgw", 2), ("gaj", 5)]
    assert Invitation.objects.get().used_at is not None
    assert browser.get(f"/ballot/{token}/").status_code == 409


def test_reviewing_a_ballot_without_any_rating_is_refused_on_the_form(browser, two_groups, token):
    r = browser.post(f"/ballot/{token}/", {"a_gaj": "0", "a_scjgj": "0", "a_fgw": "0", "step": "review"})
    assert r.status_code == 400 and "请至少评价一个机关" in r.content.decode()


def test_the_survey_scale_is_one_row_of_five_coloured_choices_and_not_applicable(browser, public, agency):
    page = browser.get(f"/s/{public.slug}/a/gaj/").content.decode()
    rows = re.findall(r'<div class="ce-scale[^"]*" data-scale>(.*?)</div>', page, re.S)
    assert len(rows) == len(DIMENSIONS)
    for row in rows:
        assert row.count('type="radio"') == 6
        levels = re.findall(r'class="btn ce-level ce-level-(\w+)"', row)
        assert levels == ["1", "2", "3", "4", "5", "na"]
        labels = re.findall(r'<span class="ce-level-t">([^<]+)</span>', row)
        assert labels == ["非常不满意", "不满意", "基本满意", "满意", "非常满意"] and "不适用" in row
    css = (Path(settings.BASE_DIR) / "static/css/app.css").read_text()
    assert re.search(r"\.ce-scale \{[^}]*grid-template-columns: repeat\(5,", css)  # the phone's single row
    colours = [re.search(rf"\.ce-level-{n} \{{ --ce-level: (#[0-9a-f]{{6}})", css).group(1) for n in range(1, 6)]
    assert len(set(colours)) == 5
    assert re.search(r"\.ce-level \{[^}]*min-height: 56px", css)


def test_the_favicon_is_linked_from_every_page_and_served(client, public):
    page = client.get("/").content.decode()
    links = re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', page)
    assert {Path(href).name for href in links} == {"favicon.svg", "favicon.ico", "favicon.png"}
    for href in links:
        assert href.startswith(settings.STATIC_URL) or href.startswith("/" + settings.STATIC_URL)
        found = finders.find(href.split(settings.STATIC_URL, 1)[1])
        assert found, href
    assert Path(finders.find("favicon.svg")).read_text().lstrip().startswith("<svg")
    assert Path(finders.find("favicon.png")).read_bytes().startswith(b"\x89PNG")
    assert Path(finders.find("favicon.ico")).read_bytes()[:4] == b"\x00\x00\x01\x00"
    served = client.get(links[0])
    assert served.status_code == 200 and b"<svg" in b"".join(served.streaming_content if served.streaming
                                                              else [served.content])


def test_the_ballot_and_its_confirmation_in_english(two_groups, token):
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = english.get(f"/ballot/{token}/").content.decode()
    assert "Rated <span data-progress-count>0</span> / 3 agencies" in form and "Next: review and submit" in form
    assert "{%" not in form and "{#" not in form
    review = english.post(f"/ballot/{token}/", {"a_gaj": "4", "a_scjgj": "0", "a_fgw": "0", "step": "review"})
    html = review.content.decode()
    assert "Please review your appraisal" in html and "Confirm and submit (once only)" in html
    assert "确认提交" not in html and "返回修改" not in html
