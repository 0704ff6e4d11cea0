"""Chinese working days: public holidays and adjusted working days (调休) respected.

The schedule is data the office keeps (`CalendarDay`, edited in the admin from the State
Council's notice; seeded from `chinesecalendar`, which knows no year after 2026). A listed
holiday is off, a listed working day is on, and every other day is Monday–Friday. A year
with no rows at all has no schedule yet: it counts Monday–Friday, logs a warning once, and
the dashboard tells the office from November on that next year is missing.

Each year's rows are read once and kept in the cache; any save or delete of a row
invalidates every cached year (a version key, so a row moved to another year is covered too).
"""
from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from functools import cache as memoize

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .choices import CalendarDayKind
from .models import CalendarDay

logger = logging.getLogger(__name__)
VERSION_KEY = "rectification:calendar:version"
CACHE_SECONDS = 6 * 3600


@memoize
def _warn_unknown_year(year: int) -> None:
    logger.warning("The holiday calendar has no entries for %s: counting Monday–Friday as working days; "
                   "enter the State Council's schedule in the admin (节假日安排)", year)


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY, 0)
    return version


def calendar_of(year: int) -> dict[date, bool]:
    """The year's listed days: date → True for an adjusted working day, False for a holiday ({} when none)."""
    key = f"rectification:calendar:{_version()}:{year}"
    days = cache.get(key)
    if days is None:
        days = {day: kind == CalendarDayKind.WORKDAY
                for day, kind in CalendarDay.objects.filter(day__year=year).values_list("day", "kind")}
        cache.set(key, days, CACHE_SECONDS)
    return days


def calendar_invalidate() -> None:
    """Forget every cached year (now, and again after the commit so no reader keeps the old rows)."""
    cache.set(VERSION_KEY, time.time_ns(), None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, time.time_ns(), None))


@receiver(post_save, sender=CalendarDay, dispatch_uid="rectification.calendar_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="rectification.calendar_deleted")
def _calendar_changed(sender, **kwargs) -> None:
    calendar_invalidate()


def _is_working_day(day: date, calendars: dict[int, dict[date, bool]]) -> bool:
    days = calendars.get(day.year)
    if days is None:
        days = calendars[day.year] = calendar_of(day.year)
    if not days:
        _warn_unknown_year(day.year)
    listed = days.get(day)
    return listed if listed is not None else day.weekday() < 5


def is_working_day(day: date) -> bool:
    return _is_working_day(day, {})


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start day itself is not counted)."""
    if days < 0:
        raise ValueError("days must be ≥ 0")
    calendars: dict[int, dict[date, bool]] = {}
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if _is_working_day(day, calendars):
            remaining -= 1
    return day
