"""The holiday calendar is data the office keeps: seeded from chinesecalendar, edited in the admin, cached."""
import datetime
import importlib

import chinese_calendar
import pytest
import time_machine
from django.apps import apps
from django.test import Client
from django.utils import timezone

from rectification.models import CalendarDay
from rectification.workdays import add_working_days, is_working_day
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def superuser(db):
    user = UserFactory(username="root", role="admin")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def test_the_migration_seeds_every_day_the_library_knows():
    from chinese_calendar import constants

    assert CalendarDay.objects.filter(kind="holiday").count() == len(constants.holidays)
    assert CalendarDay.objects.filter(kind="workday").count() == len(constants.workdays)
    assert CalendarDay.objects.get(day=D(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(day=D(2026, 10, 10)).kind == "workday"  # 调休上班
    seed = importlib.import_module("rectification.migrations.0003_holiday_calendar_seed").seed
    CalendarDay.objects.filter(day__year=2026).delete()
    CalendarDay.objects.create(day=D(2026, 12, 31), kind="holiday", name="办公室录入")
    seed(apps, None)  # idempotent, and a row the office entered stays
    assert CalendarDay.objects.filter(day__year=2026).count() == 1 + sum(
        d.year == 2026 for d in (*constants.holidays, *constants.workdays)) - (D(2026, 12, 31) in constants.holidays)
    assert CalendarDay.objects.get(day=D(2026, 12, 31)).name == "办公室录入"


def test_working_days_follow_the_table_not_the_library():
    for day in (D(2026, 10, 1), D(2026, 10, 10), D(2026, 10, 12), D(2026, 10, 11)):
        assert is_working_day(day) == chinese_calendar.is_workday(day)
    CalendarDay.objects.filter(day=D(2026, 10, 10)).delete()  # the office struck the make-up Saturday
    assert not is_working_day(D(2026, 10, 10))
    CalendarDay.objects.create(day=D(2026, 10, 12), kind="holiday", name="国庆节")
    assert not is_working_day(D(2026, 10, 12))


def test_a_2027_schedule_entered_in_the_admin_moves_the_deadline(superuser):
    # Issued Tuesday 2027-02-02; with no 2027 rows, 5 working days are Mon–Fri: 02-09.
    assert add_working_days(D(2027, 2, 2), 5) == D(2027, 2, 9)
    client = Client()
    client.force_login(superuser)
    for day in ("2027-02-05", "2027-02-08"):
        r = client.post("/admin/rectification/calendarday/add/", {"day": day, "kind": "holiday", "name": "春节"})
        assert r.status_code == 302, r.content.decode()[:500]
    r = client.post("/admin/rectification/calendarday/add/", {"day": "2027-02-06", "kind": "workday", "name": "春节"})
    assert r.status_code == 302
    # 1 02-03  2 02-04  (02-05 holiday)  3 02-06 Sat 调休  (02-07 Sun, 02-08 holiday)  4 02-09  5 02-10
    assert add_working_days(D(2027, 2, 2), 5) == D(2027, 2, 10)
    row = CalendarDay.objects.get(day=D(2027, 2, 8))
    client.post(f"/admin/rectification/calendarday/{row.pk}/delete/", {"post": "yes"})
    assert add_working_days(D(2027, 2, 2), 5) == D(2027, 2, 9)


def test_a_deadline_reads_the_calendar_once_per_year_it_spans(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert add_working_days(D(2026, 9, 28), 15) == D(2026, 10, 23)
    with django_assert_num_queries(2):
        add_working_days(D(2026, 12, 20), 15)


@pytest.mark.parametrize("now, warned", [
    (datetime.datetime(2026, 10, 30, 9), False),
    (datetime.datetime(2026, 11, 2, 9), True),
])
def test_the_dashboard_warns_from_november_when_next_year_is_missing(cycle, admin, now, warned):
    client = Client()
    client.force_login(admin)
    with time_machine.travel(timezone.make_aware(now), tick=False):
        page = client.get("/dashboard/").content.decode()
        assert ("尚未录入 2027 年的节假日安排" in page) is warned
        CalendarDay.objects.create(day=D(2027, 1, 1), kind="holiday", name="元旦")
        assert "尚未录入 2027 年" not in client.get("/dashboard/").content.decode()
