"""Browser hardening: a Content-Security-Policy with no external origin and nonces on inline code, no page
framable, the device cookie's flags, Chinese error pages in the layout, JSON errors under /api/."""
import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import timezone

from conduct_eval import views
from surveys.models import Survey

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", re.I)
INLINE_STYLE = re.compile(r"<style([^>]*)>", re.I)


@pytest.fixture
def open_survey(cycle, agency):
    now, month = timezone.now(), datetime.timedelta(days=30)
    return Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=now - month, closes_at=now + month)


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


def assert_no_external_origin(policy: dict[str, list[str]]) -> None:
    for directive, sources in policy.items():
        for source in sources:
            assert source in {"'self'", "'none'", "data:"} or source.startswith("'nonce-"), (directive, source)


def test_pages_carry_a_policy_without_external_origins_and_closed_to_framing(client, open_survey):
    for url in ["/", "/login/", f"/s/{open_survey.slug}/", "/track/", "/api/v1/docs/"]:
        r = client.get(url)
        assert r.status_code in (200, 302, 403), url
        policy = policy_of(r)
        assert_no_external_origin(policy)
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in r["Content-Security-Policy"]
        assert r["X-Frame-Options"] == "DENY"


def test_inline_scripts_and_styles_carry_the_requests_nonce(client, open_survey, admin):
    client.force_login(admin)
    pages = {f"/s/{open_survey.slug}/": "script", "/api/v1/docs/": "style"}
    for url, kind in pages.items():
        r = client.get(url)
        html = r.content.decode()
        nonce = next(s for s in policy_of(r)[f"{kind}-src"] if s.startswith("'nonce-"))[7:-1]
        tags = (INLINE_SCRIPT if kind == "script" else INLINE_STYLE).findall(html)
        assert tags, f"{url} has an inline {kind} (the test needs one)"
        assert all(f'nonce="{nonce}"' in attrs for attrs in tags), url
        assert client.get(url)["Content-Security-Policy"] != r["Content-Security-Policy"]  # fresh per request


def test_the_swagger_script_is_served_from_the_site_not_inline(client, admin):
    client.force_login(admin)
    html = client.get("/api/v1/docs/").content.decode()
    assert not INLINE_SCRIPT.search(html)
    src = re.search(r'<script src="(/api/v1/docs/\?[^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    r = client.get(src)
    assert r.status_code == 200 and "javascript" in r["Content-Type"]


def test_templates_use_no_inline_event_handlers_or_style_attributes():
    """The policy blocks both (nonces cannot cover them): behaviour lives in static/js/app.js, looks in app.css."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"\s(on[a-z]+|style)\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(1)}")
        for attrs in INLINE_SCRIPT.findall(text) + INLINE_STYLE.findall(text):
            if "csp_nonce" not in attrs:
                offenders.append(f"{path.relative_to(TEMPLATES)}: inline code without the nonce")
    assert not offenders, offenders


@pytest.mark.urls("tests.error_urls")
def test_a_view_can_open_framing_to_named_origins_only(client):
    r = client.get("/widget-test/")
    assert policy_of(r)["frame-ancestors"] == ["https://www.example.gov.cn"]
    assert "X-Frame-Options" not in r
    assert policy_of(client.get("/"))["frame-ancestors"] == ["'none'"]


def test_framable_by_refuses_a_wildcard():
    from conduct_eval.security import framable_by

    for bad in ["*", "http://example.gov.cn", "'self'"]:
        with pytest.raises(ValueError):
            framable_by(bad)


# --- the survey device cookie ---------------------------------------------------------------

def test_device_cookie_is_secure_under_https_lax_and_http_only(open_survey):
    cookie = Client().get(f"/s/{open_survey.slug}/", secure=True).cookies["ce_device"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True
    assert Client().get(f"/s/{open_survey.slug}/").cookies["ce_device"]["samesite"] == "Lax"


# --- error pages ----------------------------------------------------------------------------

def assert_chinese_page_in_layout(response, status: int, title: str) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert title in html
    assert '<html lang="zh-hans">' in html
    assert 'class="navbar' in html  # the site's layout
    assert 'name="viewport"' in html  # mobile friendly
    assert re.search(r'<a class="btn[^"]*" href="/">返回首页</a>', html)


def test_unknown_page_is_a_chinese_404_with_a_way_home(client):
    assert_chinese_page_in_layout(client.get("/no-such-page/"), 404, "页面不存在")


def test_forbidden_page_is_a_chinese_403_with_a_way_home(liaison):
    client = Client()
    client.force_login(liaison)
    assert_chinese_page_in_layout(client.get("/dashboard/findings/"), 403, "无权访问")


def test_a_form_without_its_csrf_token_gets_the_chinese_403(liaison):
    client = Client(enforce_csrf_checks=True)
    r = client.post("/login/", {"username": "x", "password": "y"})
    assert_chinese_page_in_layout(r, 403, "无权访问")
    assert "页面已过期" in r.content.decode()


@pytest.mark.urls("tests.error_urls")
def test_a_server_error_is_a_chinese_500_with_a_way_home():
    r = Client(raise_request_exception=False).get("/boom/")
    assert_chinese_page_in_layout(r, 500, "服务器错误")
    assert "Content-Security-Policy" in r


def test_the_500_page_needs_no_request_context(monkeypatch):
    """It renders with an empty context: the context processors (database, session) may be what failed."""
    def broken(request):
        raise RuntimeError("database down")

    monkeypatch.setattr("conduct_eval.navigation.navigation", broken)
    r = views.server_error(RequestFactory().get("/x/"))
    assert r.status_code == 500 and "服务器错误" in r.content.decode()


def test_the_500_page_falls_back_to_bare_html_when_the_layout_fails(monkeypatch):
    def broken(name):
        raise RuntimeError("no manifest entry")

    monkeypatch.setattr(views.loader, "get_template", broken)
    r = views.server_error(RequestFactory().get("/x/"))
    assert r.status_code == 500
    assert "服务器错误" in r.content.decode() and 'href="/"' in r.content.decode()


# --- JSON errors under /api/ ----------------------------------------------------------------

def test_unknown_api_path_answers_json_404_in_the_error_format(api):
    for client in (api, Client()):
        r = client.get("/api/v1/nope/")
        assert r.status_code == 404
        assert r["Content-Type"] == "application/json"
        assert r.json() == {"detail": "未找到。", "errors": {}}


@pytest.mark.urls("tests.error_urls")
def test_api_server_error_answers_json_500_in_the_error_format():
    r = Client(raise_request_exception=False).get("/api/v1/boom/")
    assert r.status_code == 500
    assert r["Content-Type"] == "application/json"
    assert set(r.json()) == {"detail", "errors"} and r.json()["errors"] == {}


def test_api_permission_and_csrf_errors_are_json(liaison):
    client = Client(enforce_csrf_checks=True)
    client.force_login(liaison)
    r = client.post("/api/v1/cycles/", {}, content_type="application/json")
    assert r.status_code == 403
    assert r["Content-Type"] == "application/json"
    assert set(r.json()) == {"detail", "errors"}
    r = views.csrf_failure(RequestFactory().post("/api/v1/x/"), reason="no token")
    assert r.status_code == 403 and set(__import__("json").loads(r.content)) == {"detail", "errors"}
    r = views.permission_denied(RequestFactory().get("/api/v1/x/"))
    assert r.status_code == 403 and r["Content-Type"] == "application/json"
