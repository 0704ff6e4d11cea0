import datetime

import pytest
from django.utils import timezone

from surveys.models import Survey


def aware(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def survey(cycle):
    return Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=aware(2026, 1, 1), closes_at=aware(2027, 1, 1))


@pytest.fixture
def appraisal(cycle):
    return Survey.objects.create(slug="app", cycle=cycle, kind="appraisal", title="年度评议",
                                 opens_at=aware(2026, 11, 15), closes_at=aware(2026, 12, 16))
