"""Schemathesis over the whole API schema, in-process and with a tiny budget: each operation answers within what
/api/v1/schema/ says (no 5xx, a documented status, a body of the documented shape). bin/fuzz-api runs the same
checks against gunicorn and PostgreSQL with a real budget, as the administrator and as a liaison."""
import datetime
import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
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


@pytest.fixture
def _keep_the_test_connection():
    """The calls go through the WSGI handler, which closes the database connection after each request (and with
    it the test's transaction, on PostgreSQL); Django's test client disconnects the same signals."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def admin_token(_keep_the_test_connection, db, settings, cycle, agency, liaison, admin):
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
