"""Pages name periods in words, never by their codes: 全年累计, 2026年第5周, 2026年3月, 2026年第1季度 (and in
English), through the one `period_label` filter; the exports and the API keep the codes."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from scoring.templatetags.scoring_labels import period_label
from tests.factories import AgencyFactory

from .factories import snapshot_with

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize(("code", "chinese", "english"), [
    ("cycle", "全年累计", "Year to date"),
    ("2026-W05", "2026年第5周", "Week 5, 2026"),
    ("2026-03", "2026年3月", "March 2026"),
    ("2026-Q1", "2026年第1季度", "Q1 2026"),
    ("2026-13", "2026-13", "2026-13"),  # not a period: shown as it is
])
def test_each_kind_of_period_reads_in_words(code, chinese, english):
    with translation.override("zh-hans"):
        assert period_label(code) == chinese
    with translation.override("en"):
        assert period_label(code) == english


def test_the_dashboard_offers_periods_by_name_and_the_scorecard_names_its_own(client, cycle, admin):
    agencies = [AgencyFactory(code=f"a{i}", name=f"市第{i}局") for i in range(3)]
    snapshot_with(cycle, agencies, period="2026-W05")
    snapshot_with(cycle, agencies, period="2026-Q1")
    latest = snapshot_with(cycle, agencies)
    client.force_login(admin)
    page = client.get("/dashboard/").content.decode()
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page))
    assert options["cycle"] == "全年累计" and options["2026-W05"] == "2026年第5周"
    assert options["2026-Q1"] == "2026年第1季度"
    card = client.get(f"/dashboard/{latest.pk}/a0/").content.decode()
    assert "期间 全年累计" in card and "期间 cycle" not in card


def test_the_recompute_message_names_the_period(client, cycle, agency, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/dashboard/recompute/", {"cycle": cycle.code, "period": "cycle"}, follow=True)
    html = r.content.decode()
    assert "已重新计算：全年累计" in html and "已重新计算 cycle" not in html
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = english.post("/dashboard/recompute/", {"cycle": cycle.code, "period": "cycle"}, follow=True)
    assert "Recomputed: Year to date" in r.content.decode()


def test_no_template_prints_a_period_code_where_people_read_it():
    """Outside attribute values (links, form values), a period on a page goes through `period_label`."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = re.sub(r'\b[\w-]+="[^"]*"', "", path.read_text())  # attribute values keep codes
        for match in re.finditer(r"\{%\s*blocktranslate[^%]*period=[^%]*%\}", text):
            if "period_label" not in match.group(0):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
        text = re.sub(r"\{%\s*blocktranslate.*?endblocktranslate\s*%\}", "", text, flags=re.S)  # checked above
        for match in re.finditer(r"\{\{[^}]*period[^}]*\}\}", text):
            if "period_label" not in match.group(0) and not match.group(0).endswith(".label }}"):  # a field's name
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert not offenders, offenders
