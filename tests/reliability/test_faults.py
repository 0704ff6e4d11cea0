"""Faults of the full stack, made on purpose: Redis stopped, PostgreSQL restarted under gunicorn.

(A Celery worker killed with SIGKILL in the middle of a send is tests/rectification/test_tasks.py::
test_a_worker_killed_mid_send_still_yields_one_email_per_notice.) These need the real services and run
in .ci/run; they skip loudly without them and fail under REQUIRE_SERVICES=1.
"""
import datetime
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from celery import current_app
from django.utils import timezone
from rest_framework.test import APIClient

from bench.loadtest import Gunicorn, production_env, request, submission
from rectification.models import Notification, RectificationNotice
from surveys.models import Response, Survey
from tests.rectification.conftest import sent_messages, wait_for


@pytest.fixture
def open_survey(cycle):
    now = timezone.now()
    return Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30))


@pytest.fixture
def cache_on(settings):
    """`cache_on(redis)`: the cache (and so the survey rate limit) lives in that Redis."""

    def use(redis):
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis.url}}
        settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"

    return use


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(240)
def test_with_redis_stopped_citizens_and_the_office_are_answered_and_mail_goes_out_once_it_returns(
        own_redis, cache_on, celery_via, start_worker, mail_dir, client_for, admin, agency, open_survey, mailable):
    cache_on(own_redis)
    celery_via(own_redis.url)
    own_redis.stop()  # broker, cache and rate-limit store all gone

    slow, times = [], []
    for i in range(30):
        citizen = APIClient()
        citizen.cookies["ce_device"] = f"device-{i}"
        started = time.monotonic()
        answer = citizen.post(f"/api/v1/surveys/{open_survey.slug}/responses/",
                              {"agency": agency.code, "ratings": {"service_attitude": 1 + i % 5}}, format="json")
        elapsed = time.monotonic() - started
        assert answer.status_code == 201, answer.content
        slow += [elapsed] if elapsed >= 2 else []
        times.append(elapsed)
    office = client_for(admin)
    for i in range(10):
        started = time.monotonic()
        answer = office.post("/api/v1/rectifications/", {"agency": agency.code, "text": f"整改事项 {i}"})
        elapsed = time.monotonic() - started
        assert answer.status_code == 201, answer.content
        slow += [elapsed] if elapsed >= 2 else []
        times.append(elapsed)
    assert not slow, f"answers of 2 s or more with Redis down: {slow}"
    assert Response.objects.filter(survey=open_survey, status="valid").count() == 30  # nothing lost
    assert RectificationNotice.objects.count() == 10
    pending = Notification.objects.filter(sent_at__isnull=True)
    queued = pending.count()
    assert queued >= 10  # committed with their notices, waiting for the broker

    own_redis.start()
    start_worker(own_redis.url)
    current_app.send_task("rectification.notifications_sweep")
    wait_for(lambda: not pending.exists(), timeout=120, message="the sweep after Redis returned")
    current_app.send_task("rectification.notifications_sweep")  # again: nothing may go out twice
    wait_for(lambda: own_redis.queue_length() == 0, timeout=60, message="queue drained")
    time.sleep(1)
    message_ids = [line for text in sent_messages(mail_dir) for line in text.splitlines()
                   if line.startswith("Message-ID:")]
    assert len(message_ids) == queued and len(set(message_ids)) == queued
    print(f"\nFIGURE redis down: 30 submissions + 10 notices all 201, slowest {max(times):.3f} s; "
          f"{queued} notifications queued, {len(message_ids)} sent ({len(set(message_ids))} distinct) "
          "after Redis returned")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_gunicorn_recovers_by_itself_when_postgresql_restarts(own_postgres, tmp_path):
    """Persistent connections (CONN_MAX_AGE) with health checks: after a restart of the database
    every worker thread notices its dead connection and opens a new one; no request fails, no restart."""
    import subprocess
    import sys

    env = production_env(DATABASE_URL=own_postgres.url, CONN_MAX_AGE="600")
    subprocess.run([sys.executable, "-m", "bench.loadtest", "--prepare-only"], env=env, check=True, timeout=240)
    agencies = [f"lt{n:02d}" for n in range(20)]
    path = "/api/v1/surveys/loadtest/responses/"

    def submit(i):
        status, _, _ = request(web.port, "POST", path, submission(i, agencies), cookie=f"ce_device=d{i}")
        return status

    with Gunicorn(env, workers=2, threads=2, log=tmp_path / "gunicorn.log") as web:
        with ThreadPoolExecutor(4) as pool:
            before = list(pool.map(submit, range(40)))  # every worker thread holds a connection now
        assert before == [201] * 40
        own_postgres.restart()
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            after = list(pool.map(submit, range(40, 120)))
        elapsed = time.monotonic() - started
        log = (tmp_path / "gunicorn.log").read_text()
        assert after == [201] * 80, f"{sorted(set(after))}\n{log[-3000:]}"
        assert web.process.poll() is None  # the same gunicorn, never restarted
    assert own_postgres.query("SELECT count(*) FROM surveys_response") == [(120,)]
    print(f"\nFIGURE postgres restart: 40 submissions before, 80 after the restart in {elapsed:.1f} s, all 201; "
          "120 rows stored; same gunicorn")
