import datetime
import uuid

import pytest
from django.utils import timezone

from surveys.models import Survey
from tests.factories import AgencyFactory, WindowFactory


def aware(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate-limit counters live in the cache; every test counts under keys of its own, so none start spent.
    (Clearing the cache instead would flush the whole Redis database, Celery's bindings included.)"""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"


@pytest.fixture
def survey(cycle):
    return Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=aware(2026, 1, 1), closes_at=aware(2027, 1, 1))


@pytest.fixture
def appraisal(cycle):
    return Survey.objects.create(slug="app", cycle=cycle, kind="appraisal", title="年度评议",
                                 opens_at=aware(2026, 11, 15), closes_at=aware(2026, 12, 16))


@pytest.fixture
def public(cycle):
    """A public survey open now (pages and API run on the real clock)."""
    now, month = timezone.now(), datetime.timedelta(days=30)
    return Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评：服务窗口满意度",
                                 opens_at=now - month, closes_at=now + month)


@pytest.fixture
def appraisal_open(cycle):
    now = timezone.now()
    return Survey.objects.create(slug="nianping", cycle=cycle, kind="appraisal", title="年度机关作风评议",
                                 opens_at=now - datetime.timedelta(days=5), closes_at=now + datetime.timedelta(days=25))


@pytest.fixture
def window(agency):
    return WindowFactory(agency=agency, code="w01", name="户政窗口", location="市民中心三楼")


@pytest.fixture
def no_window_agency(group):
    return AgencyFactory(code="fgw", name="市发展和改革委员会", group=group, has_service_window=False)
