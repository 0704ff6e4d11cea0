"""Schemathesis over the whole API schema, in-process and with a tiny budget: each operation answers within what
/api/v1/schema/ says (no 5xx, a documented status, a body of the documented shape). bin/fuzz-api runs the same
checks against gunicorn and PostgreSQL with a real budget, as the administrator and as a liaison."""
import datetime
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from surveys.models import Survey

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


# The document /api/v1/schema/ serves, made the same way; the calls go to the WSGI application in this process.
# Fuzzing only, a few cases per operation: the coverage phase's hundreds of cases are bin/fuzz-api's job.
CONFIG = schemathesis.Config.from_dict({"phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI application, not through Django's test client, which is what usually
    stops a request from closing the connection: inside the test's transaction the connection's autocommit
    differs from its settings, so close_old_connections would close it (on PostgreSQL) mid-test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, settings, cycle, agency, liaison, admin):
    """The administrator's token, with a cycle, an agency, its liaison and an open public survey to find."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"
    now = timezone.now()
    Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评",
                          opens_at=now - datetime.timedelta(days=3), closes_at=now + datetime.timedelta(days=3))
    # Straight from the model: the login endpoint's throttle would answer 429 after the first few operations.
    return Token.objects.get_or_create(user=admin)[0].key


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=CHECKS)
