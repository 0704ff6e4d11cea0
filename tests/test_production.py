"""PRODUCTION SETTINGS, TESTED: the app as the README's full-stack section deploys it, in a separate process.

DEBUG=0 with a SECRET_KEY, ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS; `collectstatic` into a temporary
STATIC_ROOT with the manifest storage; a temporary database (a SQLite file, or a database of its own on
the PostgreSQL of DATABASE_URL, never the test database); the demo city from `load_demo`, its logins read
from the temporary var directory; gunicorn on a free loopback port. Every request carries
`X-Forwarded-Proto: https` as a TLS-terminating proxy's would, so the secure cookies, HSTS and the SSL
redirect are the production ones.

Then each role of the demo city signs in through the real /login/ form and opens every page of the
README's "Who uses what" table plus one level of drill-down: no 5xx anywhere, and every stylesheet and
script a page links answers 200.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings

pytestmark = [pytest.mark.production, pytest.mark.timeout(240)]

BASE_DIR = Path(settings.BASE_DIR)
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "127.0.0.1"

# The README's "Who uses what" table (and the pages every signed-in user has).
README_PAGES = ["/", "/login/", "/track/", "/public/", "/inspect/", "/agency/", "/agency/notices/",
                "/agency/findings/", "/assess/", "/dashboard/", "/dashboard/opinions/", "/dashboard/findings/",
                "/dashboard/rectifications/", "/surveys/", "/admin/", "/notifications/", "/api/v1/schema/",
                "/api/v1/docs/", "/ballot/not-a-real-token/", "/healthz/"]
ROLES = ["admin", "leader", "inspector", "assessor", "liaison"]
# What each role must really see (200 after any redirect), so a sign-in that silently failed cannot pass.
OWN_PAGES = {"anonymous": ["/", "/track/", "/login/"], "admin": ["/dashboard/", "/dashboard/opinions/", "/surveys/",
             "/admin/", "/api/v1/docs/"], "leader": ["/dashboard/", "/dashboard/rectifications/"],
             "inspector": ["/inspect/"], "assessor": ["/assess/"],
             "liaison": ["/agency/", "/agency/notices/", "/agency/findings/"]}
DRILL_PER_ROLE = 45  # drill-down links followed per role (one per shape of URL, see `shape`)
NEVER_FOLLOW = ("/logout/", "/i18n/", "/admin/logout/", "/static/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors, self.assets = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.anchors.append(a["href"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or "") and a.get("href"):
            self.assets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.assets.append(a["src"])


class Browser:
    """A client behind the TLS proxy: http to gunicorn, `X-Forwarded-Proto: https` on every request, and the
    cookies that a browser on https:// would send back (the Secure ones included)."""

    def __init__(self, port: int):
        self.port, self.cookies, self.set_cookie_lines = port, {}, []
        self.origin = f"https://{HOST}:{port}"

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        head = {"Host": f"{HOST}:{self.port}", "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans",
                **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=head)
        response = conn.getresponse()
        content = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                self.set_cookie_lines.append(value)
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if "max-age=0" in value.lower() or 'expires=thu, 01 jan 1970' in value.lower():
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = val.strip()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def get(self, path: str, follow: int = 3):
        status, headers, content = self.request("GET", path)
        while follow and status in (301, 302, 303, 307, 308):
            location = headers.get("location", "")
            target = urlsplit(urljoin(self.origin + path, location))
            if target.netloc != f"{HOST}:{self.port}":
                break
            path = target.path + (f"?{target.query}" if target.query else "")
            status, headers, content = self.request("GET", path)
            follow -= 1
        return status, headers, content, path

    def login(self, username: str, password: str) -> None:
        status, _, content = self.request("GET", "/login/")
        assert status == 200, f"/login/ answered {status}"
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1).decode()
        status, headers, content = self.request(
            "POST", "/login/", {"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Origin": self.origin, "Referer": f"{self.origin}/login/"})
        assert status == 302, f"{username}: sign-in answered {status}: {content[:300]!r}"
        assert "sessionid" in self.cookies, f"{username}: no session cookie"


def shape(path: str) -> str:
    """One drill-down per kind of page: /agency/notices/12/ and /agency/notices/13/ are the same shape."""
    parts = urlsplit(path)
    query = "&".join(sorted(re.sub(r"=.*", "=", q) for q in parts.query.split("&") if q))
    return re.sub(r"/[0-9]+(?=/|$|\.)", "/N", parts.path) + ("?" + query if query else "")


@pytest.fixture(scope="module")
def database_url():
    """A database of its own: a SQLite file, or a fresh database on DATABASE_URL's PostgreSQL server."""
    url = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="ce-production-"))
    if not url.startswith("postgres"):
        yield f"sqlite:///{workdir / 'production.sqlite3'}", workdir
        shutil.rmtree(workdir, ignore_errors=True)
        return
    import psycopg2
    from psycopg2 import errors, sql

    parts = urlsplit(url)
    name = f"ce_production_check_{secrets.token_hex(4)}"
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        own, drop = parts._replace(path=f"/{name}").geturl(), "DROP DATABASE IF EXISTS {} WITH (FORCE)"
    except errors.InsufficientPrivilege:  # no CREATEDB right: a schema of its own in DATABASE_URL's database
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        query = "&".join(filter(None, [parts.query, urlencode({"options": f"-c search_path={name}"})]))
        own, drop = parts._replace(query=query).geturl(), "DROP SCHEMA IF EXISTS {} CASCADE"
    try:
        yield own, workdir
    finally:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL(drop).format(sql.Identifier(name)))
        conn.close()
        shutil.rmtree(workdir, ignore_errors=True)


def production_env(database: str, workdir: Path, port: int, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "PYTEST_", "DATABASE_URL", "REDIS_URL", "CELERY_", "SECURE_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "conduct_eval.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}:{port}",
        "DATABASE_URL": database,
        "CONDUCT_EVAL_VAR_DIR": str(workdir / "var"),  # demo_credentials.json, the cache, the local broker
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
        **extra,
    })
    return env


def manage(env: dict, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def site(database_url):
    database, workdir = database_url
    port = _free_port()
    env = production_env(database, workdir, port)
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    assert (workdir / "static" / "staticfiles.json").is_file(), "no manifest: collectstatic did not finish"
    deploy = manage(env, "check", "--deploy")
    manage(env, "load_demo")
    credentials = json.loads((workdir / "var" / "demo_credentials.json").read_text())
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 — closed below
    server = subprocess.Popen([GUNICORN, "conduct_eval.wsgi", "--bind", f"{HOST}:{port}", "--workers", "2",
                               "--threads", "4", "--worker-class", "gthread", "--timeout", "60"],
                              cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (workdir / "gunicorn.log").read_text()
                time.sleep(0.1)
        yield {"port": port, "credentials": credentials, "deploy": deploy, "workdir": workdir, "env": env,
               "setup_seconds": time.monotonic() - started}
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_check_deploy_is_clean_under_production_settings(site):
    out = site["deploy"].stdout + site["deploy"].stderr
    assert "System check identified no issues" in out, out


def test_plain_http_is_redirected_and_https_answers_with_hsts(site):
    conn = http.client.HTTPConnection(HOST, site["port"], timeout=10)
    conn.request("GET", "/", headers={"Host": f"{HOST}:{site['port']}"})
    r = conn.getresponse()
    assert r.status == 301 and r.getheader("Location", "").startswith("https://")
    conn.close()
    status, headers, _, _ = Browser(site["port"]).get("/")
    assert status == 200
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_every_role_opens_every_page_and_its_assets(site):
    started = time.monotonic()
    port, failures, visited = site["port"], [], 0
    asset_status: dict[str, int] = {}
    statuses: dict[str, dict[int, int]] = {role: {} for role in ["anonymous", *ROLES]}

    def check_assets(browser: Browser, page: str, content: bytes) -> list[str]:
        parser = Links()
        parser.feed(content.decode("utf-8", "replace"))
        for asset in parser.assets:
            url = urlsplit(urljoin(browser.origin + page, asset))
            if url.netloc != f"{HOST}:{port}":
                failures.append(f"{page}: links an external asset {asset}")
                continue
            path = url.path + (f"?{url.query}" if url.query else "")
            if path not in asset_status:
                asset_status[path] = browser.get(path)[0]
            if asset_status[path] != 200:
                failures.append(f"{page}: {path} answered {asset_status[path]}")
        return parser.anchors

    for role in ["anonymous", *ROLES]:
        browser = Browser(port)
        if role != "anonymous":
            browser.login(role, site["credentials"][role])
            secure = [line for line in browser.set_cookie_lines if line.startswith("sessionid=")]
            assert secure and all("Secure" in line and "HttpOnly" in line for line in secure), secure
        seen_shapes: set[str] = set()
        queue = list(README_PAGES)
        # The citizen's pages of each open survey, as found on the home page.
        home = browser.get("/")[2].decode()
        queue += sorted(set(re.findall(r'href="(/s/[\w-]+/)"', home)))
        drill: list[str] = []
        for page in queue:
            status, headers, content, final = browser.get(page)
            visited += 1
            statuses[role][status] = statuses[role].get(status, 0) + 1
            seen_shapes.add(shape(page))
            if page in OWN_PAGES[role] and (status != 200 or final != page):
                failures.append(f"{role} {page}: {status} at {final}, expected the page itself")
            if status >= 500:
                failures.append(f"{role} {page}: {status}")
                continue
            if "text/html" in headers.get("content-type", ""):
                if "frame-ancestors 'none'" not in headers.get("content-security-policy", ""):
                    failures.append(f"{role} {page}: no Content-Security-Policy")
                for href in check_assets(browser, final, content):
                    url = urlsplit(urldefrag(urljoin(browser.origin + final, href))[0])
                    if url.scheme != "https" or url.netloc != f"{HOST}:{port}":
                        continue
                    path = url.path + (f"?{url.query}" if url.query else "")
                    if path.startswith(NEVER_FOLLOW) or shape(path) in seen_shapes:
                        continue
                    seen_shapes.add(shape(path))
                    drill.append(path)
        for page in drill[:DRILL_PER_ROLE]:
            status, headers, content, final = browser.get(page)
            visited += 1
            statuses[role][status] = statuses[role].get(status, 0) + 1
            if status >= 500:
                failures.append(f"{role} {page} (drill-down): {status}")
            elif "text/html" in headers.get("content-type", ""):
                check_assets(browser, final, content)
        insecure = [line.split(";")[0] for line in browser.set_cookie_lines if "Secure" not in line]
        if insecure:
            failures.append(f"{role}: cookies without Secure under HTTPS: {insecure}")
        if role == "anonymous":
            assert any(line.startswith("ce_device=") and "SameSite=Lax" in line and "Secure" in line
                       for line in browser.set_cookie_lines), "no secure ce_device cookie from the survey pages"
    elapsed = time.monotonic() - started
    print(f"\nproduction walk: {visited} pages, {len(asset_status)} assets in {elapsed:.1f} s "
          f"(set-up {site['setup_seconds']:.1f} s); answers by role: {statuses}")
    log = (site["workdir"] / "gunicorn.log").read_text()
    assert not failures, "\n".join(failures) + "\n--- gunicorn log ---\n" + log[-4000:]
    assert visited > 100 and len(asset_status) >= 5


def test_an_http_only_intranet_is_an_explicit_choice_with_a_loud_warning(tmp_path):
    """SECURE_COOKIES=0 turns off secure cookies, the SSL redirect and HSTS, and every check warns of it."""
    probe = ("import json, django; django.setup(); from django.conf import settings as s; print(json.dumps("
             "[s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS]))")

    def run(**extra):
        env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, 8000, **extra)
        values = subprocess.run([PYTHON, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                                check=True).stdout
        check = subprocess.run([PYTHON, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True)
        return json.loads(values.strip().splitlines()[-1]), check.stdout + check.stderr

    values, out = run()
    assert values == [True, True, True, 31536000]  # the default: secure
    assert "conduct_eval.W001" not in out
    values, out = run(SECURE_COOKIES="0")
    assert values == [False, False, False, 0]
    assert "conduct_eval.W001" in out and "SECURE_COOKIES=0" in out


def test_error_pages_under_debug_off(site):
    """The Chinese 404 page in the layout (its assets from the manifest), and JSON under /api/."""
    browser = Browser(site["port"])
    status, headers, content, _ = browser.get("/no-such-page/")
    html = content.decode()
    assert status == 404 and "页面不存在" in html and 'href="/">返回首页</a>' in html
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    parser = Links()
    parser.feed(html)
    assert parser.assets and all(browser.get(asset)[0] == 200 for asset in parser.assets)
    status, headers, content, _ = browser.get("/api/v1/nope/")
    assert status == 404 and headers["content-type"] == "application/json"
    assert json.loads(content) == {"detail": "未找到。", "errors": {}}


def test_the_language_switch_cookie_is_secure_and_its_next_stays_on_the_site(site):
    browser = Browser(site["port"])
    html = browser.get("/")[2].decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    head = {"Origin": browser.origin, "Referer": f"{browser.origin}/"}
    status, headers, _ = browser.request("POST", "/i18n/setlang/", {
        "language": "en", "next": "https://evil.example/", "csrfmiddlewaretoken": token}, headers=head)
    assert status == 302 and not headers["location"].startswith(("https://evil", "//"))
    (cookie,) = [line for line in browser.set_cookie_lines if line.startswith("django_language=")]
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_the_500_page_renders_with_the_manifest_and_without_a_request_context(site):
    probe = ("import django; django.setup(); from django.test import RequestFactory; "
             "from conduct_eval.views import server_error; r = server_error(RequestFactory().get('/x/')); "
             "print(r.status_code); print(r.content.decode())")
    out = subprocess.run([PYTHON, "-c", probe], cwd=BASE_DIR, env=site["env"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    status, html = out.stdout.split("\n", 1)
    assert status == "500" and "服务器错误" in html and 'href="/">返回首页</a>' in html
    assert re.search(r'href="/static/vendor/bootstrap-5\.3\.9/css/bootstrap\.min\.[0-9a-f]{12}\.css"', html), html
