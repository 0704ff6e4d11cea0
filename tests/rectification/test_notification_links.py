"""Notifications that lead somewhere: absolute links in e-mails and in the inbox, the inbox in the menu
with its unread count (one query), and 打开 / 标为已读 marking a message read."""
import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from rectification import links, services

pytestmark = pytest.mark.django_db

BASE = "https://pingyi.example.gov.cn"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_paths_in_a_message_become_absolute_and_nothing_else_does():
    text = "整改期限：2026-12-31，得分 1/2\n办理入口：/agency/notices/7/\n（详见 /dashboard/rectifications/7/）"
    out = links.absolute_text(text, BASE)
    assert f"办理入口：{BASE}/agency/notices/7/" in out and f"详见 {BASE}/dashboard/rectifications/7/" in out
    assert "2026-12-31，得分 1/2" in out
    assert links.first_path(text) == "/agency/notices/7/"
    html = links.linked_html("<b>注意</b>\n办理入口：/agency/notices/7/", BASE)
    assert html == (f'&lt;b&gt;注意&lt;/b&gt;<br>办理入口：<a href="{BASE}/agency/notices/7/">'
                    f"{BASE}/agency/notices/7/</a>")


@override_settings(PUBLIC_BASE_URL=BASE, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_the_email_carries_an_absolute_link_and_the_stored_text_keeps_the_path(liaison, notice):
    notification = liaison.notifications.get(notice=notice)
    mail.outbox.clear()
    assert services.notification_deliver(notification_id=notification.pk)
    assert f"{BASE}/agency/notices/{notice.pk}/" in mail.outbox[0].body
    notification.refresh_from_db()
    assert f"：/agency/notices/{notice.pk}/" in notification.body


def test_the_inbox_links_absolutely_from_the_request_host_or_the_public_address(liaison, notice):
    page = signed_in(liaison).get("/notifications/").content.decode()
    assert f'href="http://testserver/agency/notices/{notice.pk}/"' in page
    with override_settings(PUBLIC_BASE_URL=BASE):
        page = signed_in(liaison).get("/notifications/").content.decode()
    assert f'href="{BASE}/agency/notices/{notice.pk}/"' in page


def test_the_menu_shows_the_inbox_with_its_unread_count_in_one_query(liaison, notice, other_notice,
                                                                     django_assert_num_queries):
    client = signed_in(liaison)
    page = client.get("/").content.decode()
    nav = page[page.index("<nav"):page.index("</nav>")]
    unread = liaison.notifications.filter(read_at__isnull=True).count()
    assert unread >= 1
    assert 'href="/notifications/"' in nav and re.search(rf'id="nav-unread">{unread}<', nav)
    # The count is one query; rendering the page twice as many times does not add more.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "notification" in q["sql"]]
    assert len(counts) == 1
    services.notification_mark_read(user=liaison)
    nav = client.get("/").content.decode()
    assert 'href="/notifications/"' in nav and 'id="nav-unread"' not in nav


def test_opening_a_message_marks_it_read_and_leads_to_its_notice(liaison, notice, other_liaison):
    notification = liaison.notifications.get(notice=notice)
    client = signed_in(liaison)
    page = client.get("/notifications/").content.decode()
    assert f'href="/notifications/{notification.pk}/open/"' in page and "未读" in page
    r = client.get(f"/notifications/{notification.pk}/open/")
    assert r.status_code == 302 and r["Location"] == f"/agency/notices/{notice.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert signed_in(other_liaison).get(f"/notifications/{notification.pk}/open/").status_code == 404


def test_marking_one_message_read_by_id_and_a_bad_id_is_a_400(liaison, notice, other_notice):
    mine = list(liaison.notifications.all())
    client = signed_in(liaison)
    assert client.post("/notifications/", {"id": mine[0].pk}).status_code == 302
    assert set(liaison.notifications.filter(read_at__isnull=False).values_list("pk", flat=True)) == {mine[0].pk}
    bad = client.post("/notifications/", {"id": "x"})
    assert bad.status_code == 400 and "id" in bad.content.decode()
