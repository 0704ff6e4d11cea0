"""Exactly-once notifications against a real Redis and real Celery worker processes."""
import os
import re
import signal
import time

import pytest
from celery import current_app
from django.utils import timezone

from rectification import services
from rectification.models import Notification

from .conftest import sent_messages, wait_for


def notice_ids_of(messages: list[str]) -> list[int]:
    return [int(re.search(r"Message-ID: <notice-(\d+)-", text).group(1)) for text in messages]


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_a_worker_killed_mid_send_still_yields_one_email_per_notice(own_redis, celery_via, start_worker, mail_dir,
                                                                   agency, cycle, mailable):
    celery_via(own_redis.url)
    notices = [services.notice_issue(agency=agency, cycle=cycle, source="manual", text=f"整改事项 {i}",
                                     source_key=f"manual:kill:{i}") for i in range(3)]
    assert own_redis.queue_length() == 3  # each send was queued after its commit

    first = start_worker(own_redis.url, delay=3)
    wait_for(lambda: any((mail_dir / "sending").glob("*")) if (mail_dir / "sending").exists() else False,
             timeout=60, message="no send started")
    sender = int(next((mail_dir / "sending").glob("*")).read_text())
    os.kill(sender, signal.SIGKILL)  # the pool child, in the middle of the hand-over
    first.terminate()
    first.wait(timeout=60)
    # The killed sender left its claim behind, its message not handed over.
    assert Notification.objects.filter(sent_at__isnull=True, claimed_at__isnull=False).count() == 1

    start_worker(own_redis.url)
    # The other notices' messages go out; the killed one's claim blocks its redelivered task.
    wait_for(lambda: len(sent_messages(mail_dir)) >= 2, timeout=60, message="surviving sends")
    time.sleep(3.5)  # the dead sender's claim outlives its (test) lease of 3 s
    current_app.send_task("rectification.notifications_sweep")
    wait_for(lambda: not Notification.objects.filter(sent_at__isnull=True).exists(), timeout=60, message="sweep")
    current_app.send_task("rectification.notifications_sweep")
    wait_for(lambda: own_redis.queue_length() == 0, timeout=30, message="queue drained")
    time.sleep(1)
    assert sorted(notice_ids_of(sent_messages(mail_dir))) == sorted(n.pk for n in notices)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_with_redis_down_notices_are_created_quickly_and_the_sweep_sends_each_once(
        own_redis, celery_via, start_worker, mail_dir, client_for, admin, agency, cycle, mailable):
    celery_via(own_redis.url)
    own_redis.stop()
    client = client_for(admin)
    for i in range(50):
        started = time.monotonic()
        response = client.post("/api/v1/rectifications/", {"agency": agency.code, "text": f"整改事项 {i}"})
        elapsed = time.monotonic() - started
        assert response.status_code == 201, response.content
        assert elapsed < 2, f"request {i} took {elapsed:.2f} s with the broker down"
    pending = Notification.objects.filter(sent_at__isnull=True)
    assert pending.count() == 50

    own_redis.start()
    start_worker(own_redis.url)
    current_app.send_task("rectification.notifications_sweep")
    wait_for(lambda: not pending.exists(), timeout=90, message="sweep after Redis returned")
    # Run everything again: the sweep twice more and every send task once more.
    current_app.send_task("rectification.notifications_sweep")
    for notification_id in Notification.objects.values_list("id", flat=True):
        current_app.send_task("rectification.notification_send", args=[notification_id])
    current_app.send_task("rectification.notifications_sweep")
    wait_for(lambda: own_redis.queue_length() == 0, timeout=60, message="queue drained")
    time.sleep(1)
    ids = notice_ids_of(sent_messages(mail_dir))
    assert len(ids) == 50 and len(set(ids)) == 50
    assert Notification.objects.filter(attempts=1, sent_at__lte=timezone.now()).count() == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_concurrent_issues_of_one_source_key_make_one_notice(agency, cycle):
    from rectification.models import RectificationNotice
    from tests.concurrency import run_at_once

    ids = run_at_once(lambda i: services.notice_issue(agency=agency, cycle=cycle, source="finding", text="并发确认",
                                                      source_key="finding:race").pk, 8)
    assert len(set(ids)) == 1 and isinstance(ids[0], int)
    assert RectificationNotice.objects.filter(source_key="finding:race").count() == 1
