"""English is genuinely available: pages follow the visitor's language, Chinese stays the default,
and the committed catalog is complete and compiled."""
import ast
import datetime
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from surveys.models import Survey
from tests.factories import UserFactory, WindowFactory

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """LocaleMiddleware activates the request's language in this thread; later tests expect Chinese."""
    yield
    translation.deactivate()


@pytest.fixture
def english():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def open_survey(cycle):
    now, month = timezone.now(), datetime.timedelta(days=30)
    return Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评：服务窗口满意度",
                                 opens_at=now - month, closes_at=now + month)


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def assert_english(html: str, present: list[str], absent: list[str]) -> None:
    missing = [text for text in present if text not in html]
    left = [text for text in absent if text in html]
    assert not missing and not left, f"missing English {missing}, Chinese left {left}"


def test_the_home_page_follows_accept_language(english, open_survey):
    html = page(english.get("/"))
    assert '<html lang="en">' in html
    assert_english(html, ["Online public ratings in progress", "Track your opinion", "Log in",
                          "Conduct Evaluation System"],
                   ["正在进行的网上民评", "查询意见办理进度", "登录", "机关作风评议系统"])


def test_the_language_switch_keeps_english_for_the_next_pages(client, open_survey):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302 and r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert_english(page(client.get("/")), ["Online public ratings in progress"], ["正在进行的网上民评"])
    assert_english(page(client.get("/track/")), ["Receipt code"], ["回执码"])


def test_the_login_page_in_english(english):
    assert_english(page(english.get("/login/")), ["Username", "Password", "Log in"], ["用户名", "密码", "登录"])


def test_the_survey_page_in_english(english, open_survey, agency):
    WindowFactory(agency=agency, code="w01", name="户政窗口")
    start = page(english.get(f"/s/{open_survey.slug}/"))
    assert_english(start, ["Choose the agency you dealt with:"], ["请选择您办事的单位"])
    html = page(english.get(f"/s/{open_survey.slug}/a/{agency.code}/"))
    assert_english(html, ["Service attitude", "Integrity", "Very dissatisfied", "Not applicable",
                          "Opinions and suggestions (optional)", "Submit rating", "Service window"],
                   ["服务态度", "廉洁自律", "非常不满意", "不适用", "意见建议", "提交评价", "办事窗口"])
    # What people entered stays as they wrote it.
    assert "户政窗口" in html and agency.name in html


def test_a_missing_receipt_is_explained_in_english(english):
    r = english.post("/track/", {"receipt": "ZZZZZZZZZZ"})
    assert r.status_code == 404
    assert_english(r.content.decode(), ["Track your opinion", "Receipt code not found"], ["未找到该回执码"])


def test_an_admin_changelist_in_english(english, agency):
    english.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = page(english.get("/admin/agencies/agency/"))
    assert_english(html, ["Leader in charge", "Has a service window", "Agencies and cycles",
                          "Conduct Evaluation System · Administration"],
                   ["分管市领导", "有服务窗口", "机关与周期", "机关作风评议系统"])


def test_navigation_labels_in_english(english, admin):
    english.force_login(admin)
    assert_english(page(english.get("/")), ["Rankings and results", "Opinion triage", "Administrator"],
                   ["排名与结果", "意见分办", "管理员"])


def test_without_a_preference_the_pages_stay_chinese(client, open_survey, agency):
    html = page(client.get("/"))
    assert '<html lang="zh-hans">' in html
    assert "正在进行的网上民评" in html and "Online public ratings" not in html
    html = page(client.get(f"/s/{open_survey.slug}/a/{agency.code}/"))
    assert "服务态度" in html and "不适用" in html and "Service attitude" not in html
    assert "回执码" in page(client.get("/track/"))


def _catalog_entries() -> list[dict]:
    """The .po's entries (header left out): context, msgid, plural, msgstr by index, flags."""
    entries, entry, field = [], None, None
    for line in [*(CATALOG / "django.po").read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry is not None and entry["msgid"]:
                entries.append(entry)
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ")):
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
        elif line.startswith("msgstr"):
            key, _, value = line.partition(" ")
            field = int(key[7:-1]) if key.startswith("msgstr[") else 0
            entry["msgstr"][field] = ast.literal_eval(value)
        elif line.startswith('"'):
            if isinstance(field, int):
                entry["msgstr"][field] += ast.literal_eval(line)
            else:
                entry[field] += ast.literal_eval(line)
    return entries


def test_the_english_catalog_is_complete_and_compiled():
    entries = _catalog_entries()
    assert len(entries) > 400
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated and not fuzzy, f"untranslated {untranslated[:5]}, fuzzy {fuzzy[:5]}"
    # The committed .mo is the .po compiled: a new machine needs no gettext tools.
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in entries:
        if e["msgid_plural"] is not None:
            got = compiled.npgettext(e["msgctxt"], e["msgid"], e["msgid_plural"], 1) if e["msgctxt"] \
                else compiled.ngettext(e["msgid"], e["msgid_plural"], 1)
        else:
            got = compiled.pgettext(e["msgctxt"], e["msgid"]) if e["msgctxt"] else compiled.gettext(e["msgid"])
        if got != e["msgstr"][0]:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is older than django.po: {stale[:5]}"
