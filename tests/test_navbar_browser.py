"""The navigation bar at 1366 px in real Chromium: the office's eight entries, the language switch and the
user's name stay on one line in Chinese and in English (no wrap to two or three lines)."""
import pytest
from django.db import connections

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture
def desktop(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = chromium.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        chromium.close()
    connections.close_all()


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pass-Word-123")
    page.locator("main form button").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_admins_navbar_is_one_line_at_1366_px(live_server, admin, language, desktop):
    admin.first_name, admin.last_name = "Administrator", "Wang"
    admin.save()
    desktop.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    sign_in(desktop, live_server.url, "admin")
    desktop.goto(f"{live_server.url}/dashboard/")
    desktop.screenshot(path=f"/tmp/nav-{language}.png")
    links = desktop.locator(".ce-nav .nav-link")
    assert links.count() == 9  # eight entries and the inbox
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    middles = [b["y"] + b["height"] / 2 for b in boxes]
    assert max(middles) - min(middles) < 10, middles  # every entry on the same line
    assert all(b["height"] < 45 for b in boxes), boxes  # and none of them broken in two
    height = desktop.locator(".ce-nav").bounding_box()["height"]
    assert height < 80, height  # one line of Bootstrap's navbar is about 60 px; each extra line adds 40
    for control in (".ce-nav form button", ".ce-nav select", ".ce-nav .navbar-brand"):
        box = desktop.locator(control).last.bounding_box()
        assert box["height"] < 45 and box["x"] + box["width"] <= 1366 - 12, (control, box)  # one line, on screen
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1366


@pytest.mark.django_db
def test_the_navbar_uses_short_english_words_and_the_home_page_the_full_ones(client, admin):
    client.force_login(admin)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = html[html.index("<nav"):html.index("</nav>")]
    assert ">Rankings</a>" in nav and 'title="Rankings and results"' in nav and ">Ledger</a>" in nav
    assert "Rankings and results</a>" in html[html.index("</nav>"):]  # the home page's entries
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">排名与结果</a>" in chinese[chinese.index("<nav"):chinese.index("</nav>")]
