"""The full stack's real parts: PostgreSQL, Redis and a Celery worker.

These skip loudly without the services and fail under REQUIRE_SERVICES=1 (as in .ci/run).
"""
import os
import subprocess
import sys
import time
import uuid

import pytest
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from agencies.models import Agency
from conduct_eval.tasks import heartbeat
from tests.concurrency import run_at_once


@pytest.mark.postgres
def test_suite_runs_on_postgresql_with_persistent_connections(db):
    assert connection.vendor == "postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_agency_codes_give_one_201_and_400s(admin, group):
    """Ten clients post the same code at once: one wins, the rest get a 400 naming `code`, never a 500."""
    def post(i):
        client = APIClient()
        client.force_authenticate(admin)
        response = client.post("/api/v1/agencies/", {"code": "race", "name": "并发机关", "group": group.code})
        return response.status_code, response.json()

    statuses = run_at_once(post, 10)
    codes = sorted(status for status, _ in statuses)
    assert codes == [201] + [400] * 9, statuses
    assert all("code" in body["errors"] for status, body in statuses if status == 400)
    assert Agency.objects.filter(code="race").count() == 1


@pytest.mark.redis
def test_cache_is_redis_and_shared():
    import redis

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"ce-test-{uuid.uuid4().hex}"
    cache.set(key, "shared", timeout=30)
    raw = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert any(key in k.decode() for k in raw.keys(f"*{key}*"))


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_real_worker_consumes_tasks_from_redis(tmp_path):
    """Start a Celery worker process on the Redis broker and see it run a task."""
    key = f"ce-heartbeat-{uuid.uuid4().hex}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "conduct_eval.settings", "CELERY_TASK_ALWAYS_EAGER": "0"}
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "conduct_eval", "worker", "--pool", "solo", "--loglevel", "WARNING",
             "--hostname", f"test-{key}@localhost", "--without-mingle", "--without-gossip"],
            env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
    try:
        # send_task is never eager: the message goes through Redis to the worker process.
        current_app.send_task(heartbeat.name, args=[key])
        deadline = time.monotonic() + 60
        while cache.get(key) is None and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        assert cache.get(key) == "alive", (tmp_path / "worker.log").read_text()[-2000:]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
