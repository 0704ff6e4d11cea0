"""`GET /healthz/` — what a load balancer polls: the database, the broker and the cache, each on its own.

200 `{"status": "ok", "checks": {...}}` when all three answer, 503 `{"status": "unavailable", ...}`
when one does not, naming it. No login, no session, no template: one `SELECT 1`, one cache
write and read and one broker ping, each bounded by the Redis timeouts in settings (a hung
Redis: about 2.5 s in all; a stopped one: at once). Errors name the exception class only: the
answer is public and must not print hosts or passwords.
"""
from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    cache.set("ce:healthz", "1", timeout=30)
    if cache.get("ce:healthz") != "1":
        raise RuntimeError("cache did not keep a value")


def check_broker() -> None:
    from conduct_eval.celery import app

    # One connection attempt (kombu pings Redis on connecting), no retries: a dead broker must
    # answer "down" now, not after a back-off.
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=2)


CHECKS = {"database": check_database, "broker": check_broker, "cache": check_cache}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # whatever the failure, this dependency is down; say which
            # One line, no traceback: a load balancer polls every few seconds.
            logger.warning("health check: %s is down (%s: %s)", name, type(exc).__name__, exc)
            results[name] = {"status": "down", "error": type(exc).__name__}
        else:
            results[name] = {"status": "ok"}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return results


@never_cache
@require_safe
def healthz(request):
    checks = run_checks()
    healthy = all(result["status"] == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status=200 if healthy else 503)
