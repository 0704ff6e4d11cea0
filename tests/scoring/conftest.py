import datetime

import pytest
import time_machine
from django.utils import timezone

from agencies.choices import Role
from tests.factories import UserFactory

from .factories import IndicatorFactory


def aware(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture(autouse=True)
def _mid_2026():
    """Scoring tests live inside the 2026 cycle of the shared `cycle` fixture, whatever today is."""
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, tzinfo=datetime.UTC), tick=True):
        yield


@pytest.fixture
def other_assessor(db):
    return UserFactory(username="other_assessor", role=Role.ASSESSOR, assessor_unit="市纪委监委")


@pytest.fixture
def indicator(cycle):
    return IndicatorFactory(cycle=cycle, code="lead", name="班子建设", max_points=20, assessor_unit="市委组织部")
