"""Degraded dependencies degrade: with Redis (cache and broker) stopped or hung, every face still answers.

/healthz/ names what is down (503); token login, survey submission, pages and recompute requests
answer 2xx within 2 s; a recompute asked for while the broker was down runs once when it returns.
"""
import datetime
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from celery import current_app
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from rectification.models import Notification
from scoring import tasks as scoring_tasks
from scoring.models import RankingSnapshot, RecomputeRequest
from surveys.models import Response, Survey
from tests.factories import UserFactory
from tests.rectification.conftest import OwnRedis, wait_for

PASSWORD = "pass-Word-123"
ALL4 = {"service_attitude": 4, "efficiency": 4}


@pytest.fixture
def redis_at(settings):
    """`redis_at(url)`: this process's cache and Celery broker both use the Redis at `url`."""
    saved = {key: current_app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}

    def reset_pools():
        current_app._pool = None
        current_app.amqp._producer_pool = None

    def use(url):
        settings.REDIS_URL = url
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                       "OPTIONS": settings.REDIS_CACHE_OPTIONS}}
        reset_pools()
        current_app.conf.broker_url = url
        current_app.conf.broker_transport_options = settings.REDIS_BROKER_TRANSPORT_OPTIONS
        current_app.conf.task_always_eager = False

    yield use
    reset_pools()
    current_app.conf.update(saved)


@pytest.fixture
def start_worker(tmp_path):
    """`start_worker(redis_url)`: a real Celery worker process on that broker, sharing this test's database."""
    from django.db import connection

    db = connection.settings_dict
    workers = []

    def start(redis_url):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "conduct_eval.settings", "REDIS_URL": redis_url,
               "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               "CELERY_TASK_ALWAYS_EAGER": "0", "CONDUCT_EVAL_VAR_DIR": str(tmp_path / "var")}
        log = open(tmp_path / f"worker-{len(workers)}.log", "w")  # noqa: SIM115 — closed at teardown
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "conduct_eval", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--hostname", f"test-{uuid.uuid4().hex[:8]}@localhost", "--without-mingle", "--without-gossip",
             "--without-heartbeat"], env=env, stdout=log, stderr=subprocess.STDOUT)
        workers.append((process, log))
        return process

    yield start
    for process, log in workers:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture
def hung_redis():
    """A port that accepts connections and never answers: a Redis that hangs rather than refuses."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.fixture
def open_survey(cycle, agency):
    now, month = timezone.now(), datetime.timedelta(days=30)
    return Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=now - month, closes_at=now + month)


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def healthz():
    return Client().get("/healthz/")


def every_face_answers(admin, cycle, open_survey, device: str, within: float = 2) -> None:
    """Token login, survey submission, pages and a recompute request each answer 2xx within `within` s."""
    response, took = timed(lambda: APIClient().post("/api/v1/auth/token/", {"username": "admin", "password": PASSWORD}))
    assert response.status_code == 200 and took < within, (response.status_code, took)
    token = response.json()["token"]

    citizen = APIClient()
    citizen.cookies["ce_device"] = device
    response, took = timed(lambda: citizen.post(f"/api/v1/surveys/{open_survey.slug}/responses/",
                                                {"agency": "gaj", "ratings": ALL4}, format="json"))
    assert response.status_code == 201 and took < within, (response.content, took)

    pages = Client()
    pages.force_login(admin)
    for path in ("/", f"/s/{open_survey.slug}/", "/dashboard/", "/login/"):
        response, took = timed(lambda path=path: pages.get(path))
        assert response.status_code == 200 and took < within, (path, response.status_code, took)

    office = APIClient()
    office.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response, took = timed(lambda: office.post(f"/api/v1/cycles/{cycle.code}/recompute/", {"period": "cycle"}))
    assert response.status_code == 202 and took < within, (response.content, took)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_with_redis_stopped_everything_answers_and_the_recompute_runs_once_when_it_returns(
        tmp_path, redis_at, agency, cycle, open_survey):
    admin = UserFactory(username="admin", role="admin")
    own = OwnRedis(tmp_path)
    own.start()
    try:
        redis_at(own.url)
        up = healthz()
        assert up.status_code == 200, up.json()
        assert {name: check["status"] for name, check in up.json()["checks"].items()} == {
            "database": "ok", "broker": "ok", "cache": "ok"}

        own.stop()
        response, took = timed(healthz)
        assert response.status_code == 503 and took < 3, took
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["cache"]["status"] == "down" and body["checks"]["broker"]["status"] == "down"

        every_face_answers(admin, cycle, open_survey, device="stopped")
        assert Response.objects.count() == 1
        request = RecomputeRequest.objects.get()
        assert request.published_at is None and request.done_at is None  # kept for the sweep
        assert not RankingSnapshot.objects.exists()

        own.start()  # the broker returns
        assert healthz().status_code == 200
        # The beat's next sweep (a worker runs the task) picks the request up, once.
        assert scoring_tasks.recompute_sweep.apply().get() == 1
        assert scoring_tasks.recompute_sweep.apply().get() == 0
        assert scoring_tasks.recompute_requested.apply(args=[request.pk]).get() is None  # a late message: no-op
        request.refresh_from_db()
        assert request.done_at is not None and RankingSnapshot.objects.filter(pk=request.snapshot_id).count() == 1
        assert RankingSnapshot.objects.count() == 1

        # With the broker up again a new request is published at once (a worker would take it from the queue).
        office = APIClient()
        office.force_authenticate(admin)
        assert office.post(f"/api/v1/cycles/{cycle.code}/recompute/", {"period": "cycle"}).status_code == 202
        assert own.queue_length() == 1
        assert RecomputeRequest.objects.filter(published_at__isnull=False, done_at__isnull=True).count() == 1
    finally:
        own.stop()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_a_recompute_asked_for_while_redis_was_down_is_run_once_by_a_real_worker_when_it_returns(
        tmp_path, redis_at, start_worker, api, cycle, agency):
    own = OwnRedis(tmp_path)
    own.start()
    try:
        redis_at(own.url)
        own.stop()
        for period in ("cycle", "cycle"):  # asked twice while the broker is down: two requests, each run once
            response, took = timed(lambda period=period: api.post(f"/api/v1/cycles/{cycle.code}/recompute/",
                                                                  {"period": period}))
            assert response.status_code == 202 and took < 2, (response.content, took)
        assert RecomputeRequest.objects.filter(published_at__isnull=True).count() == 2

        own.start()
        start_worker(own.url)
        current_app.send_task("scoring.recompute_sweep")  # what beat sends every minute
        wait_for(lambda: not RecomputeRequest.objects.filter(done_at__isnull=True).exists(), timeout=90,
                 message="the sweep ran the requests")
        # Everything again: the sweep and a (late) message per request change nothing.
        current_app.send_task("scoring.recompute_sweep")
        for request_id in RecomputeRequest.objects.values_list("id", flat=True):
            current_app.send_task("scoring.recompute_requested", args=[request_id])
        wait_for(lambda: own.queue_length() == 0, timeout=60, message="queue drained")
        time.sleep(1)
        requests = list(RecomputeRequest.objects.order_by("id"))
        assert all(r.done_at and r.snapshot_id for r in requests)
        # Same inputs twice: the second run finds an identical newest snapshot and keeps it (one row).
        assert RankingSnapshot.objects.count() == 1
        assert {r.snapshot_id for r in requests} == set(RankingSnapshot.objects.values_list("id", flat=True))
    finally:
        own.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_with_redis_hung_requests_give_up_quickly_instead_of_hanging(hung_redis, redis_at, agency, cycle,
                                                                     open_survey):
    """A Redis that accepts and never answers (a dead host behind a live port): bounded timeouts, no hang."""
    admin = UserFactory(username="admin", role="admin")
    redis_at(hung_redis)
    response, took = timed(healthz)
    assert response.status_code == 503 and took < 4, (took, response.json())  # the cache's 1 s + the broker's 1.5 s
    assert {"cache", "broker"} <= {name for name, check in response.json()["checks"].items()
                                    if check["status"] == "down"}
    every_face_answers(admin, cycle, open_survey, device="hung")
    assert RecomputeRequest.objects.filter(published_at__isnull=True).count() == 1
    # A notice whose e-mails cannot be queued: created at once, its notifications left for the sweep.
    UserFactory(username="liaison", role="agency", agency=agency, email="liaison@example.gov.cn")
    office = APIClient()
    office.force_authenticate(admin)
    response, took = timed(lambda: office.post("/api/v1/rectifications/", {"agency": agency.code, "text": "整改事项"}))
    assert response.status_code == 201 and took < 2, (response.content, took)
    assert Notification.objects.filter(sent_at__isnull=True).exists()


def test_healthz_needs_no_login_and_is_cheap(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert set(response.json()["checks"]) == {"database", "broker", "cache"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_naming_the_database_when_it_is_down(client, db, monkeypatch):
    from conduct_eval import health

    def broken():
        raise RuntimeError("down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"status": "down", "error": "RuntimeError",
                                                     "ms": response.json()["checks"]["database"]["ms"]}


def test_a_recompute_is_done_once_however_often_the_outbox_is_swept(api, cycle, agency, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.REDIS_URL = "redis://outbox-only.invalid:6379/0"  # the full stack's path; the broker is eager here
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/cycles/{cycle.code}/recompute/", {"period": "cycle"}).status_code == 202
    request = RecomputeRequest.objects.get()
    assert request.done_at is not None and request.snapshot_id is not None  # the (eager) task ran it
    from scoring import services

    assert services.recompute_sweep() == 0
    assert services.recompute_run(request_id=request.pk) is None
    assert RankingSnapshot.objects.count() == 1


def test_a_dead_workers_claim_is_released_after_the_lease(api, cycle, agency, settings):
    from scoring import services

    settings.REDIS_URL = "redis://outbox-only.invalid:6379/0"
    request = RecomputeRequest.objects.create(task_id="7d1e4a38-6f1c-4a38-9d0e-2f6b1b7c0a11", cycle=cycle,
                                              period="cycle", claimed_at=timezone.now())
    assert services.recompute_sweep() == 0  # still someone else's
    later = timezone.now() + services.recompute_lease() + datetime.timedelta(seconds=1)
    assert services.recompute_sweep(at=later) == 1
    request.refresh_from_db()
    assert request.done_at is not None and RankingSnapshot.objects.count() == 1


def test_a_cache_outage_is_logged_once_a_minute_not_once_per_submission(redis_at, open_survey, caplog, monkeypatch):
    from surveys import limits

    monkeypatch.setattr(limits, "_last_outage_log", 0.0)
    redis_at("redis://127.0.0.1:9/0")  # nothing listens there
    for i in range(5):
        citizen = APIClient()
        citizen.cookies["ce_device"] = f"outage-{i}"
        response = citizen.post(f"/api/v1/surveys/{open_survey.slug}/responses/", {"agency": "gaj", "ratings": ALL4},
                                format="json")
        assert response.status_code == 201
    assert len([r for r in caplog.records if "rate-limit store unavailable" in r.getMessage()]) == 1
