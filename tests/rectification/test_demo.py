import io

import pytest
from django.core.management import call_command

from rectification.models import CalendarDay, RectificationNotice

pytestmark = pytest.mark.django_db


def test_demo_has_notices_in_every_state_some_overdue_and_is_idempotent(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    CalendarDay.objects.all().delete()  # a database made before the calendar was seeded
    call_command("load_demo", stdout=io.StringIO())
    assert CalendarDay.objects.filter(day__year=2026, kind="holiday").exists()
    statuses = set(RectificationNotice.objects.values_list("status", flat=True))
    assert statuses >= {"issued", "responded", "verified", "returned"}
    assert RectificationNotice.objects.filter(overdue=True).count() >= 2
    count = RectificationNotice.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert RectificationNotice.objects.count() == count
