"""Shared fixtures: named test users by role, an API client per role, and the rule for
tests that need real services (PostgreSQL, Redis, Chromium).

Without the service they skip loudly; with REQUIRE_SERVICES=1 (as in CI) they fail instead.
"""
import os
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread
from rest_framework.test import APIClient

from agencies.choices import Role

from .factories import AgencyFactory, AgencyGroupFactory, CycleFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here


def _missing_service(item) -> str | None:
    if item.get_closest_marker("postgres") and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "PostgreSQL (set DATABASE_URL=postgres://…)"
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        return "Redis (set REDIS_URL=redis://…)"
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        return f"Chromium ({CHROMIUM}: apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    skipped = []
    for item in items:
        missing = _missing_service(item)
        if missing is None:
            continue
        if REQUIRE_SERVICES:
            item.add_marker(pytest.mark.usefixtures("_fail_missing_service"))
        else:
            skipped.append(item.nodeid)
            item.add_marker(pytest.mark.skip(reason=f"SKIPPED: needs {missing}"))
    config._ce_skipped_for_services = skipped


@pytest.fixture
def _fail_missing_service(request):
    pytest.fail(f"REQUIRE_SERVICES=1 but {_missing_service(request.node)} is not available")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = getattr(config, "_ce_skipped_for_services", [])
    if skipped:
        terminalreporter.write_sep("!", f"{len(skipped)} TESTS SKIPPED: real PostgreSQL/Redis/Chromium not configured",
                                   red=True, bold=True)
        terminalreporter.write_line("Run .ci/run (or set DATABASE_URL / REDIS_URL) to exercise them.")


class _OneRequestAtATime:
    """A WSGI app that answers one request at a time, its body read to the end inside the lock; static and media
    files, which read no database, are served beside them."""

    def __init__(self, app):
        from django.conf import settings

        self.app, self.lock = app, threading.Lock()
        self.files = tuple(url for url in (settings.STATIC_URL, settings.MEDIA_URL) if url and url != "/")

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(self.files):
            return self.app(environ, start_response)
        with self.lock:
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return [body]


class _SerialWSGIServer(ThreadedWSGIServer):
    """The live server for SQLite's in-memory test database: its threads share the test's one connection (Django
    hands it to them), and two of them using it at once (the dashboard's charts fetch in parallel) can deadlock.
    Connections still come in on threads; requests are answered one after another."""

    def set_app(self, application):
        super().set_app(_OneRequestAtATime(application))


@pytest.fixture(scope="session", autouse=True)
def _live_server_serial_on_sqlite():
    if connection.vendor == "sqlite":  # the vendor is known from the settings, without connecting
        LiveServerThread.server_class = _SerialWSGIServer
    yield
    LiveServerThread.server_class = ThreadedWSGIServer


@pytest.fixture(autouse=True)
def _sqlite_or_postgres_only():
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.fixture
def group(db):
    return AgencyGroupFactory(code="window", name="窗口服务部门")


@pytest.fixture
def agency(group):
    return AgencyFactory(code="gaj", name="市公安局", group=group)


@pytest.fixture
def other_agency(group):
    return AgencyFactory(code="scjgj", name="市市场监督管理局", group=group)


@pytest.fixture
def cycle(db):
    return CycleFactory(code="2026")


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", role=Role.ADMIN)


@pytest.fixture
def leader(db):
    return UserFactory(username="leader", role=Role.LEADER)


@pytest.fixture
def inspector(db):
    return UserFactory(username="inspector", role=Role.INSPECTOR)


@pytest.fixture
def other_inspector(db):
    return UserFactory(username="other_inspector", role=Role.INSPECTOR)


@pytest.fixture
def assessor(db):
    return UserFactory(username="assessor", role=Role.ASSESSOR, assessor_unit="市委组织部")


@pytest.fixture
def liaison(agency):
    return UserFactory(username="liaison", role=Role.AGENCY, agency=agency)


@pytest.fixture
def other_liaison(other_agency):
    return UserFactory(username="other_liaison", role=Role.AGENCY, agency=other_agency)


@pytest.fixture
def client_for():
    """`client_for(user)` → an API client signed in as that user (None: anonymous)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def api(client_for, admin):
    """The administrator's API client."""
    return client_for(admin)
