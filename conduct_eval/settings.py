"""ConductEval settings. Production differs from development by environment variables only.

See README.md for the table of variables. The embedded default (no variable set) runs on a
SQLite file, a local-memory cache and Celery over kombu's filesystem transport.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CONDUCT_EVAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set in the environment when DEBUG is off.")
    # Embedded default: one key per checkout, generated once and kept out of git.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# ConductEval's own apps in the order they depend on one another (each only on those before it).
DOMAIN_APPS = ["agencies", "surveys", "scoring", "rectification", "inspections"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "csp",
    "conduct_eval.apps.ConductEvalConfig",  # the project's own system checks
    *DOMAIN_APPS,
    "demo",  # load_demo: above the domain apps
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "conduct_eval.middleware.RefuseControlCharacters",  # after auth: the error pages show who is signed in
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "conduct_eval.middleware.AuditActorMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a page login's lockout into the lockout page
]

ROOT_URLCONF = "conduct_eval.urls"
WSGI_APPLICATION = "conduct_eval.wsgi.application"
ASGI_APPLICATION = "conduct_eval.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "conduct_eval.navigation.navigation",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'conduct_eval.sqlite3'}"
if DATABASE_URL.startswith("sqlite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; BEGIN IMMEDIATE takes the write lock at the
    # start of a transaction, so concurrent writers wait (up to `timeout` s) instead of
    # failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Persistent connections: a one-INSERT view served ~1,500 req/s with them, ~310 without.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker --------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# A request never waits long on a dead or hung Redis: 1 s to connect, 1 s per cache reply, 1.5 s per
# broker reply (more than kombu's 1 s BRPOP). A publish to a hung Redis waited a minute without these.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
REDIS_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1.5}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # With Redis down: the survey rate limit fails open (surveys/limits.py; the database's
            # one-response-per-device rule still holds), login lockouts are not in the cache at all
            # (AXES_HANDLER), sessions live in the database.
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    # A file cache is shared by the web server and the worker of the embedded default,
    # so rate limits hold across processes there too.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
else:
    CELERY_BROKER_URL = "filesystem://"
    _queue = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "out"),
        "data_folder_out": str(_queue / "out"),
        "processed_folder": str(_queue / "processed"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must never hang on a dead broker: publishing gives up after one attempt (bounded by
# REDIS_BROKER_TRANSPORT_OPTIONS: 1.5 s on a hung Redis; a second attempt made it 3 s), and the
# work stays in the database for the sweeps to pick up (notifications, recompute requests).
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}  # filled from each app's schedule.py by conduct_eval/celery.py

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "agencies.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Login lockout (django-axes): /login/, /admin/login/ and POST /api/v1/auth/token/ ----------
AUTHENTICATION_BACKENDS = [
    "conduct_eval.authentication.LockoutBackend",  # first: a locked-out pair is refused before the password is tried
    "django.contrib.auth.backends.ModelBackend",
]
# Locked per (username, client address): a script guessing one account behind an office's NAT
# locks that account from that address only; colleagues at the same address still sign in.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lock lasts LOGIN_LOCKOUT_MINUTES, not for ever
AXES_RESET_ON_SUCCESS = True  # only failures count: a sign-in wipes the pair's earlier mistakes
# The database, never the cache: a lockout must hold with Redis down, and be the same in every worker.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The one answer to "who is the client" (TRUST_X_FORWARDED_FOR: the last X-Forwarded-For hop).
AXES_CLIENT_IP_CALLABLE = "surveys.privacy.client_address"
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "conduct_eval.authentication.lockout_response"  # the pages' answer; the API's is JSON
AXES_ENABLE_ADMIN = False  # the office sees and lifts lockouts under agencies' 登录失败记录 (LoginLockout) instead
AXES_VERBOSE = False

# API tokens are good for this many days after they are issued (then POST /auth/token/ again);
# a password change or deactivation revokes them at once (agencies/signals.py).
TOKEN_TTL_DAYS = int(os.environ.get("TOKEN_TTL_DAYS", "30"))

# --- I18N -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = DEBUG  # development serves static/ without collectstatic
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "conduct_eval.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "conduct_eval.api.Pagination",
    # Bounded in size and depth, no control characters: bad bodies are a 400/413 in the error format.
    "DEFAULT_PARSER_CLASSES": ["conduct_eval.parsers.JSONParser", "conduct_eval.parsers.FormParser",
                               "conduct_eval.parsers.MultiPartParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "conduct_eval.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ConductEval API",
    "DESCRIPTION": "机关作风评议系统 REST API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "conduct_eval.api.schema_error_answers",
    ],
    # Fields of the same name with different choices (a notice's status and a visit's, …) each
    # get an enum named for their model instead of a hash.
    "ENUM_NAME_OVERRIDES": {
        "CycleStatusEnum": "agencies.choices.CycleStatus",
        "OpinionStatusEnum": "surveys.choices.OpinionStatus",
        "EvaluatorCategoryEnum": "surveys.choices.EvaluatorCategory",
        "EntryKindEnum": "scoring.choices.EntryKind",
        "BookableEntryKindEnum": "scoring.api.serializers.BOOKABLE_KIND_CHOICES",
        "EntrySourceEnum": "scoring.choices.EntrySource",
        "OutcomeEnum": "scoring.choices.Outcome",
        "NoticeStatusEnum": "rectification.choices.NoticeStatus",
        "NoticeSourceEnum": "rectification.choices.NoticeSource",
        "VisitStatusEnum": "inspections.choices.VisitStatus",
        "FindingCategoryEnum": "inspections.choices.FindingCategory",
        "FindingStatusEnum": "inspections.choices.FindingStatus",
        "AppealStatusEnum": "inspections.choices.AppealStatus",
    },
}

# --- Product settings -----------------------------------------------------------------
SURVEY_DEDUP_HOURS = int(os.environ.get("SURVEY_DEDUP_HOURS", "24"))
# Seconds an open cycle's inputs must have been quiet before the every-minute job recomputes it (a burst of
# bookings yields one recompute; scoring.tasks.recompute_changed_cycles).
RECOMPUTE_DEBOUNCE = int(os.environ.get("RECOMPUTE_DEBOUNCE", "120"))
SURVEY_RATE_LIMIT = os.environ.get("SURVEY_RATE_LIMIT", "20/h")
# Absolute address that survey QR codes and invitation links point to (e.g. https://pingyi.example.gov.cn);
# empty: taken from the request that prints them.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
# Partner websites (六网联动) that may embed /public/widget/ in a frame and read /public/feed.json from a
# browser: https:// origins, space-separated. Empty: the widget cannot be framed anywhere.
PUBLIC_WIDGET_ORIGINS = tuple(os.environ.get("PUBLIC_WIDGET_ORIGINS", "").split())
if any(not origin.startswith("https://") or origin.rstrip("/") != origin for origin in PUBLIC_WIDGET_ORIGINS):
    raise ImproperlyConfigured("PUBLIC_WIDGET_ORIGINS takes https:// origins without a path, e.g. https://www.example.gov.cn")
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "conduct-eval@localhost")
# The mail server of a real deployment (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend), or the
# folder of the file backend. TLS (STARTTLS, port 587) or SSL (port 465), not both: conduct_eval.E001 says so.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))  # a dead mail server must not hold a worker forever
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# --- Security (check --deploy is clean with DEBUG off) -----------------------------------
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# SECURE_COOKIES=0 is the explicit, documented choice of an HTTP-only intranet: no secure cookies, no SSL
# redirect, no HSTS. Never the default; the system check conduct_eval.W001 warns loudly when it is set.
SECURE_COOKIES = env_bool("SECURE_COOKIES", True)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = SECURE_COOKIES and env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # a load balancer polls the backend over plain HTTP
    SESSION_COOKIE_SECURE = SECURE_COOKIES
    CSRF_COOKIE_SECURE = SECURE_COOKIES
    LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if SECURE_COOKIES else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_COOKIES
    SECURE_HSTS_PRELOAD = SECURE_COOKIES and env_bool("SECURE_HSTS_PRELOAD", True)

# --- Content-Security-Policy (django-csp 4): nothing from another origin, inline code only with the
# request's nonce (templates: nonce="{{ request.csp_nonce }}"; no inline event handlers or style
# attributes, see static/js/app.js and static/css/app.css). No page may be framed; a future public
# widget opens its view with conduct_eval.security.framable_by(origin, ...).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],  # Bootstrap draws its icons from data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
CSRF_FAILURE_VIEW = "conduct_eval.views.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                "axes": {"level": "WARNING"}},  # failures and lockouts; not a line per sign-in
}

# --- Benchmarks only --------------------------------------------------------------------
# bench/scale.py starts its gunicorn with CE_BENCH_URLS=1 to mount the one-INSERT baseline view
# next to the product's URLs (bench/urls.py). Never set in production.
if env_bool("CE_BENCH_URLS", False):
    ROOT_URLCONF = "bench.urls"
