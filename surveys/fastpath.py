"""The anonymous survey submission's hot path (PostgreSQL + Redis): one Redis round trip, one INSERT.

`submit(request, slug)` answers POST /api/v1/surveys/{slug}/responses/ itself when the request is
plain and correct — a JSON object with a known agency (and window), a channel, ratings the survey
takes, and no opinion — and returns None for everything else, which the DRF view then handles
exactly as before: every 4xx body (naming its field), 404, 409, opinions and their receipts. So
the contract's error answers have one implementation, and the hot path only has to recognise a
good request.

A good request costs:
1. In-process lookups of the survey, agency and window (`Catalog`, per worker), no ORM query.
2. One Redis round trip: a Lua script (`_SCRIPT`) that INCRs the per-address counter (with its
   expiry) and SET NXs the per-(survey, agency, fingerprint) key, and reads the catalog version.
3. One autocommitted INSERT of the row with counted = false. When the script found no duplicate
   key, the INSERT … SELECT classifies the row against the database itself (an EXISTS on the
   response_dedup index, in the same statement), so a key lost to a Redis restart still gets
   the right answer; when the key was there, the row is a duplicate.

The rollups are then counted by `surveys.rollups.catch_up` (every 5 s and before every snapshot
computation); its comment block says why this is safe and what it costs. Redis unreachable → the
DRF view and `services.response_submit` (the database path); nothing is lost, no 500.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models.signals import post_delete, post_save
from django.http import JsonResponse
from django.utils import timezone

from agencies.models import Agency, Window
from agencies.scheme import DIMENSIONS

from . import privacy
from .choices import Channel, ResponseStatus, SurveyKind
from .models import Response, Survey, rating_column
from .services import validate_ratings

logger = logging.getLogger(__name__)

FIELDS = {"agency", "window", "channel", "ratings", "opinion", "contact"}
CHANNELS = {c for c in Channel.values if c != Channel.IMPORT}
CATALOG_TTL = 60.0  # seconds: a worker re-reads its rows at least this often, whatever the version key says
VERSION_KEY = "ce:surveys:catalog-version"
_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")  # what an agency or window code can be (slugs of ≤ 40)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# KEYS: rate counter, duplicate key, catalog version. ARGV: limit, rate window (s), dedup window (s).
# Returns {over the limit 0/1, duplicate key was already there 0/1, catalog version}.
_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
local version = redis.call('GET', KEYS[3]) or '0'
if n > tonumber(ARGV[1]) then return {1, 0, version} end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return {0, 0, version} end
return {0, 1, version}
"""

# The same counter alone, for the survey pages and the database path (pages and the API share one bucket).
_RATE_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""

_COLUMNS = ["survey_id", "agency_id", "window_id", "channel", "fingerprint", "submitted_at", "counted",
            *(rating_column(d) for d in DIMENSIONS)]
_TABLE = Response._meta.db_table
_VALUES = ", ".join(["%s"] * len(_COLUMNS))
_INSERT_DUPLICATE = (f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}, status) VALUES ({_VALUES}, "
                     f"'{ResponseStatus.DUPLICATE}') RETURNING id, status")
_INSERT_CLASSIFIED = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}, status) SELECT {_VALUES}, CASE WHEN EXISTS ("
    f"SELECT 1 FROM {_TABLE} WHERE survey_id = %s AND agency_id = %s AND fingerprint = %s "
    f"AND status = '{ResponseStatus.VALID}' AND submitted_at > %s AND submitted_at <= %s) "
    f"THEN '{ResponseStatus.DUPLICATE}' ELSE '{ResponseStatus.VALID}' END RETURNING id, status")


def _location() -> str:
    """The Redis of the shared cache (where the rate limits live), or "" when the cache is not Redis."""
    cache = settings.CACHES.get("default", {})
    return cache.get("LOCATION", "") if cache.get("BACKEND", "").endswith("RedisCache") else ""


def enabled() -> bool:
    return bool(_location()) and connection.vendor == "postgresql"


def rate_of(rate: str) -> tuple[int, int]:
    """'20/h' → (20, 3600); '100/5m' → (100, 300)."""
    match = _RATE.fullmatch(rate.strip())
    if not match:
        raise ValueError(f"bad rate {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNIT[unit]


class Catalog:
    """The survey, agency and window rows of the hot path, per worker process.

    Invalidated by the save/delete signals of the three models (this process at once, the other
    workers through the Redis version key the script returns on every submission), and in any case
    after CATALOG_TTL. Queryset `.update()`s send no signal: they are caught by the TTL.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self, version: str | None = None) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self.surveys: dict[str, Survey | None] = {}
            self.agencies: dict[str, Agency] | None = None  # every agency that takes ratings, once asked for
            self.windows: dict[tuple[int, str], Window | None] = {}
            self.version = version
            self.loaded = time.monotonic()

    def fresh(self, version: str) -> None:
        if self.version is None:
            self.version = version
        elif version != self.version:
            self.clear(version)

    def _expire(self) -> None:
        if time.monotonic() - self.loaded > CATALOG_TTL:
            self.clear(self.version)

    def survey(self, slug: str) -> Survey | None:
        self._expire()
        if slug not in self.surveys:
            self.surveys[slug] = Survey.objects.filter(slug=slug, kind=SurveyKind.PUBLIC).first()
        return self.surveys[slug]

    def agency(self, code: str) -> Agency | None:
        """The active agency with a service window of this code, or None (the DRF view then names the field).

        All of them are read in one query the first time (id and code: 1,700 rows in 15 ms), not
        one by one: submissions spread over the agencies, so a worker fed one query per agency on a miss
        spent a quarter of its time on them in its first minutes (6,000 POSTs over 2,000 agencies), and again
        after every reload."""
        agencies = self.agencies
        if agencies is None:
            agencies = {agency.code: agency for agency in Agency.objects.filter(active=True, has_service_window=True)
                        .only("id", "code")}
            self.agencies = agencies
        return agencies.get(code)

    def window(self, agency: Agency, code: str) -> Window | None:
        key = (agency.pk, code)
        if key not in self.windows:
            self.windows[key] = Window.objects.filter(agency=agency, code=code).first()
        return self.windows[key]


catalog = Catalog()
_clients: dict[str, tuple] = {}


def _redis_script():
    """This process's client of the cache's Redis and the registered script (EVALSHA, EVAL once after a restart)."""
    location = _location()
    if location not in _clients:
        import redis

        client = redis.Redis.from_url(location, **settings.REDIS_CACHE_OPTIONS)
        _clients[location] = (client, client.register_script(_SCRIPT), client.register_script(_RATE_SCRIPT))
    return _clients[location]


def _rate_key(request) -> tuple[str, int, int]:
    limit, period = rate_of(settings.SURVEY_RATE_LIMIT)
    address = privacy.keyed_hash("rate", privacy.client_address(request))
    return f"{getattr(settings, 'RATELIMIT_CACHE_PREFIX', 'rl:')}ce:surveys:rate:{period}:{address}", limit, period


def over_rate(request) -> bool:
    """Count a survey submission of the pages or the database path into the hot path's counter (raises if Redis
    is unreachable: surveys.limits fails open)."""
    key, limit, period = _rate_key(request)
    client, _, rate_script = _redis_script()
    return int(rate_script(keys=[key], args=[period], client=client)) > limit


def catalog_changed(**kwargs) -> None:
    """A survey, agency or window was saved or deleted: drop this worker's rows and tell the others."""
    catalog.clear()
    if not enabled():
        return
    try:
        client, *_ = _redis_script()
        client.incr(VERSION_KEY)
    except Exception as exc:  # Redis down: the other workers catch up within CATALOG_TTL
        logger.warning("catalog version not bumped (%s); other workers refresh within %ss", exc, CATALOG_TTL)


for _model in (Survey, Agency, Window):
    post_save.connect(catalog_changed, sender=_model, dispatch_uid=f"surveys-fastpath-{_model.__name__}")
    post_delete.connect(catalog_changed, sender=_model, dispatch_uid=f"surveys-fastpath-del-{_model.__name__}")


def _text(data: dict, name: str) -> str | None:
    """An optional text field the hot path takes only empty; None means "not for the hot path"."""
    value = data.get(name)
    if value is None:
        return ""
    return "" if isinstance(value, str) and not value.strip() else None


def _parse(request, slug: str, at):
    """(survey, agency, window, channel, columns) of a plain, correct request, else None."""
    if request.content_type != "application/json" or "HTTP_X_DEVICE_KEY" in request.META:  # devices: their own rules
        return None
    try:
        data = json.loads(request.body)
    except Exception:  # too big (RequestDataTooBig), too deep (RecursionError), not JSON: the DRF view's answer
        return None
    if not isinstance(data, dict) or not data.keys() <= FIELDS or _text(data, "opinion") != "" \
            or _text(data, "contact") != "":
        return None
    code, window_code, channel = data.get("agency"), data.get("window"), data.get("channel", Channel.WEB)
    if not isinstance(code, str) or not _CODE.fullmatch(code) or not isinstance(channel, str) \
            or channel not in CHANNELS or not (window_code is None or isinstance(window_code, str)):
        return None
    if window_code and not _CODE.fullmatch(window_code):
        return None
    survey = catalog.survey(slug)
    if survey is None or not survey.is_open(at):
        return None
    agency = catalog.agency(code)
    if agency is None:
        return None
    window = None
    if window_code:
        window = catalog.window(agency, window_code)
        if window is None:
            return None
    try:
        columns = validate_ratings(survey, data.get("ratings"))
    except ValidationError:
        return None
    return survey, agency, window, channel, columns


def submit(request, slug: str):
    """The answer to a plain survey POST (one Redis round trip, one INSERT), or None: the DRF view answers."""
    if request.method != "POST" or not enabled():
        return None
    at = timezone.now()
    parsed = _parse(request, slug, at)
    if parsed is None:
        return None
    survey, agency, window, channel, columns = parsed
    fingerprint = privacy.request_fingerprint(request)
    rate_key, limit, period = _rate_key(request)
    dedup = settings.SURVEY_DEDUP_HOURS * 3600
    dup_key = f"ce:surveys:dup:{survey.pk}:{agency.pk}:{fingerprint}"
    try:
        client, script, _ = _redis_script()
        over, known, version = script(keys=[rate_key, dup_key, VERSION_KEY],
                                      args=[limit, period, dedup], client=client)
    except Exception as exc:  # Redis down or hung: the database path decides (and its limit fails open)
        from .limits import log_outage

        log_outage("survey-response", exc)  # once a minute, not once per submission
        # The database path would ask the same Redis for its limit and wait out a second timeout: it need not.
        request.ce_redis_unavailable = True
        return None
    if over:
        return JsonResponse({"detail": "提交过于频繁，请稍后再试", "errors": {}}, status=429)
    version = version.decode() if isinstance(version, bytes) else str(version)
    if catalog.version is not None and version != catalog.version:
        # Another worker changed a row: re-read them and decide afresh through the usual path if anything moved.
        catalog.fresh(version)
        if _parse(request, slug, at) != parsed:
            _forget(client, dup_key, known)
            return None
    catalog.fresh(version)
    values = [survey.pk, agency.pk, window.pk if window else None, channel, fingerprint, at, False,
              *columns.values()]
    try:
        if known:
            _, status = _insert(_INSERT_DUPLICATE, values)
        else:
            _, status = _insert(_INSERT_CLASSIFIED, [*values, survey.pk, agency.pk, fingerprint,
                                                     at - timedelta(seconds=dedup), at])
    except DatabaseError:
        _forget(client, dup_key, known)
        raise
    if not known and status == ResponseStatus.DUPLICATE:
        # The key was lost (Redis restarted) while the database holds a valid response: the key now
        # lasts as long as that response's window, not a fresh one.
        _expire_like_database(client, dup_key, survey, agency, fingerprint, at, dedup)
    return JsonResponse({"status": status}, status=201)


def _insert(sql: str, params: list) -> tuple:
    """The submission's one INSERT … RETURNING, autocommitted, without the `SELECT 1` Django sends first on each
    request to check a kept connection (CONN_HEALTH_CHECKS): that check would be the third round trip of a
    submission after the Redis script, and it cost 6–9% of a worker's time under load.

    A connection that turns out broken (the database restarted since this worker last used it: the driver marks
    it closed) is replaced and the INSERT sent once more. A broken connection almost always means the first
    INSERT never reached the database. In the rare case it committed and only its answer was lost, the second
    one stores a duplicate row: the classifying INSERT sees the first, valid row and stores the second as
    'duplicate', and a row already decided 'duplicate' counts nowhere anyway. The response is then counted
    once, though its answer says 'duplicate'. Any other database error is raised as before.
    """
    if connection.connection is not None:
        connection.health_check_done = True  # (a new connection is marked healthy by Django itself)
    try:
        return _execute(sql, params)
    except (InterfaceError, OperationalError):
        raw = connection.connection
        if raw is not None and not getattr(raw, "closed", False):
            raise
        logger.warning("survey submission: the database connection was broken; reconnected once")
        connection.close()
    return _execute(sql, params)


def _execute(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _forget(client, dup_key: str, known: int) -> None:
    """Undo the script's SET NX when no valid row follows it (else the device would be 'duplicate' for a day)."""
    if known:
        return
    try:
        client.delete(dup_key)
    except Exception:
        logger.warning("duplicate key %s not removed", dup_key)


def _expire_like_database(client, dup_key, survey, agency, fingerprint, at, dedup) -> None:
    newest = (Response.objects.filter(survey=survey, agency=agency, fingerprint=fingerprint,
                                      status=ResponseStatus.VALID, submitted_at__lte=at)
              .order_by("-submitted_at").values_list("submitted_at", flat=True).first())
    if newest is None:
        return
    try:
        client.pexpireat(dup_key, int((newest.timestamp() + dedup) * 1000))
    except Exception:
        logger.warning("duplicate key %s keeps its full window", dup_key)
