"""The dashboard's table a page at a time, its snapshot-bound parts served from the cache afterwards."""
import re
from unittest import mock

import pytest

from scoring import dashboard_parts
from tests.factories import AgencyFactory

from .factories import snapshot_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def hundred_twenty(group):
    return [AgencyFactory(code=f"p{i:03d}", name=f"第{i:03d}号局", group=group) for i in range(120)]


def _agencies_in(page: str) -> list[str]:
    table = page[page.index('id="dashboard-table"'):]
    return re.findall(r"第(\d{3})号局</a>", table)


def test_the_table_shows_a_page_of_rows_the_total_and_page_links(client, cycle, hundred_twenty, admin):
    snapshot_with(cycle, hundred_twenty)
    client.force_login(admin)
    page = client.get("/dashboard/").content.decode()
    assert _agencies_in(page) == [f"{i:03d}" for i in range(50)]
    assert "共 120 个机关" in page and "第 1 / 3 页" in page
    assert f'href="?cycle={cycle.code}&amp;page=2"' in page and f'href="?cycle={cycle.code}&amp;page=3"' in page
    second = client.get(f"/dashboard/?cycle={cycle.code}&page=2").content.decode()
    assert _agencies_in(second) == [f"{i:03d}" for i in range(50, 100)]
    assert "本页显示第 51–100 个" in second and 'rel="prev"' in second and 'rel="next"' in second
    last = client.get("/dashboard/?page=99").content.decode()  # past the last page: the last
    assert _agencies_in(last) == [f"{i:03d}" for i in range(100, 120)]
    assert _agencies_in(client.get("/dashboard/?page=abc").content.decode())[0] == "000"


def test_pages_keep_the_group_and_the_period(client, cycle, hundred_twenty, admin, group):
    snapshot_with(cycle, hundred_twenty, period="2026-05")
    client.force_login(admin)
    page = client.get(f"/dashboard/?period=2026-05&group={group.code}").content.decode()
    assert f'href="?cycle={cycle.code}&amp;period=2026-05&amp;group={group.code}&amp;page=2"' in page
    assert "组内名次" in page


def test_a_second_request_is_served_from_the_cache(client, cycle, hundred_twenty, admin,
                                                   django_assert_max_num_queries):
    snapshot_with(cycle, hundred_twenty)
    client.force_login(admin)
    url = f"/dashboard/?cycle={cycle.code}&page=2"
    first = client.get(url).content.decode()
    # the page's own reads (session, user, cycles, snapshot, release, notices, calendar); the table,
    # the chart panel, the groups and the periods come from the cache
    with django_assert_max_num_queries(7) as queries:
        second = client.get(url).content.decode()
    assert not any("scoring_scorecard" in q["sql"] for q in queries), [q["sql"] for q in queries]
    assert _agencies_in(second) == _agencies_in(first)


def test_htmx_turns_the_page_with_the_table_alone(client, cycle, hundred_twenty, admin):
    snapshot_with(cycle, hundred_twenty)
    client.force_login(admin)
    answer = client.get("/dashboard/?page=3", headers={"HX-Request": "true", "HX-Target": "dashboard-table"})
    body = answer.content.decode()
    assert body.startswith('<div id="dashboard-table"') and "<html" not in body
    assert _agencies_in(body) == [f"{i:03d}" for i in range(100, 120)]
    assert "HX-Target" in answer["Vary"]
    assert 'hx-get="?cycle=' in body and 'hx-push-url="true"' in body
    restored = client.get("/dashboard/?page=3", headers={"HX-Request": "true", "HX-Target": "dashboard-table",
                                                         "HX-History-Restore-Request": "true"})
    assert "<html" in restored.content.decode()  # going back in history gets the whole page


def test_a_rename_shows_at_once(client, cycle, hundred_twenty, admin, django_capture_on_commit_callbacks):
    snapshot_with(cycle, hundred_twenty)
    client.force_login(admin)
    assert "第000号局" in client.get("/dashboard/").content.decode()
    agency = hundred_twenty[0]
    with django_capture_on_commit_callbacks(execute=True):
        agency.name = "改名后的局"
        agency.save()
    page = client.get("/dashboard/").content.decode()
    assert "改名后的局" in page and "第000号局" not in page


def test_a_new_snapshot_is_shown_at_once(client, cycle, hundred_twenty, admin):
    snapshot_with(cycle, hundred_twenty)
    client.force_login(admin)
    assert _agencies_in(client.get("/dashboard/").content.decode())[0] == "000"
    assert _agencies_in(client.get("/dashboard/?period=cycle").content.decode())[0] == "000"
    snapshot_with(cycle, list(reversed(hundred_twenty)), period="2026-05")
    page = client.get("/dashboard/").content.decode()
    assert _agencies_in(page)[0] == "119"
    assert 'id="f-period"' in page and page.count('value="2026-05" selected') == 2  # the page's and the panel's
    older = client.get("/dashboard/?period=cycle").content.decode()  # the period switch knows the new period
    assert _agencies_in(older)[0] == "000" and older.count('<option value="2026-05">') == 2


def test_the_page_is_served_with_the_cache_down_and_the_cache_is_left_alone_a_while(client, cycle, hundred_twenty,
                                                                                       admin, monkeypatch):
    snapshot_with(cycle, hundred_twenty)
    client.force_login(admin)
    monkeypatch.setattr(dashboard_parts, "_down_until", 0.0)  # restored afterwards: other tests use the cache
    down = ConnectionError("cache down")
    with mock.patch.object(dashboard_parts.cache, "get_many", side_effect=down) as get_many, \
            mock.patch.object(dashboard_parts.cache, "set_many", side_effect=down) as set_many, \
            mock.patch.object(dashboard_parts.cache, "set", side_effect=down) as set_one:
        answer = client.get("/dashboard/?page=2")
        again = client.get("/dashboard/?page=3")
        hundred_twenty[1].save()  # a rename with the cache down is not an error either
    assert answer.status_code == 200 and again.status_code == 200
    assert _agencies_in(answer.content.decode())[0] == "050" and _agencies_in(again.content.decode())[0] == "100"
    # one timeout, not one per request or per rename (a hung Redis would cost each its socket timeout)
    assert get_many.call_count == 1 and set_many.call_count == 0 and set_one.call_count == 0


def test_the_dot_plot_and_the_heat_map_are_served_from_the_cache_too(client, cycle, hundred_twenty, admin,
                                                                     django_assert_max_num_queries):
    snapshot_with(cycle, hundred_twenty)
    client.force_login(admin)
    for name in ("ranking", "heatmap"):
        first = client.get(f"/dashboard/charts/{name}.json", {"cycle": cycle.code})
        with django_assert_max_num_queries(6) as queries:
            second = client.get(f"/dashboard/charts/{name}.json", {"cycle": cycle.code})
        assert second.json() == first.json() and first.status_code == 200
        assert not any("scoring_scorecard" in q["sql"] for q in queries), name


def test_each_language_has_its_own_table(cycle, hundred_twenty, admin):
    from django.test import Client

    snapshot_with(cycle, hundred_twenty)
    chinese, english = Client(), Client(HTTP_ACCEPT_LANGUAGE="en")
    for reader in (chinese, english):
        reader.force_login(admin)
    assert "共 120 个机关" in chinese.get("/dashboard/").content.decode()
    page = english.get("/dashboard/").content.decode()
    assert "120 agencies; showing 1–50 (page 1 of 3)" in page and "共 120 个机关" not in page
    assert "Export all rankings" in page
    assert "共 120 个机关" in chinese.get("/dashboard/").content.decode()
