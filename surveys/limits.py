"""Rate limits of the public survey endpoints, per client address, kept in the shared cache.

The counter is one atomic INCR in the cache (Redis in the full stack), so the limit holds
across gunicorn workers and hosts. Pages and the API count into the same bucket.
"""
from __future__ import annotations

import logging
import time

from django.conf import settings
from django_ratelimit.core import get_usage

from .privacy import client_address

logger = logging.getLogger(__name__)

# Evaluators of one unit often share an office's address; a token is unguessable anyway,
# so ballots get a roomier limit than anonymous survey responses.
BALLOT_RATE_LIMIT = "200/h"


_OUTAGE_LOG_EVERY = 60.0  # seconds: an outage under load must not write a traceback per submission
_last_outage_log = 0.0


def log_outage(group: str, exc: Exception) -> None:
    global _last_outage_log
    now = time.monotonic()
    if now - _last_outage_log >= _OUTAGE_LOG_EVERY:
        _last_outage_log = now
        logger.warning("rate-limit store unavailable; %s not limited (logged at most once a minute)", group,
                       exc_info=exc)


def _client(group, request) -> str:
    return client_address(request)


def over_limit(request, *, group: str, rate: str | None = None) -> bool:
    """Count this request against `group`'s limit for its client address; True when over it.

    If the cache is unreachable we let the request through (and log it): losing a citizen's
    submission because Redis is down is worse than a few extra requests for a while, and the
    database's one-valid-response-per-device rule still holds without the cache. (Login
    lockouts, which must fail closed, are kept in the database instead: AXES_HANDLER.)
    """
    if getattr(request, "ce_redis_unavailable", False):  # this request already waited out Redis once
        return False
    try:
        if group == "survey-response" and rate is None:
            from . import fastpath

            if fastpath.enabled():  # the hot path's counter (surveys/fastpath.py): one bucket for every way in
                return fastpath.over_rate(request)
        usage = get_usage(request, group=group, key=_client, rate=rate or settings.SURVEY_RATE_LIMIT,
                          increment=True)
    except Exception as exc:  # any cache failure (connection refused, timeout): fail open, see above
        log_outage(group, exc)
        return False
    return bool(usage and usage["should_limit"])
