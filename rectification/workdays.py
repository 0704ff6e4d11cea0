"""Chinese working days: public holidays and adjusted working days (调休) respected.

The schedule is data the office keeps (`CalendarDay`, edited in the admin from the State
Council's notice; seeded from `chinesecalendar`, which knows no year after 2026). A listed
holiday is off, a listed working day is on, and every other day is Monday–Friday. A year
with no rows at all has no schedule yet: it counts Monday–Friday, logs a warning once, and
the dashboard tells the office from November on that next year is missing.

Each computation reads the rows of the years it touches, one indexed query a year (a
deadline spans one year, rarely two). They are not kept in the shared cache: the calendar
must not depend on Redis (with Redis down a deadline is still computed at once), and an
edit in the admin counts from the next deadline in every process, with nothing to invalidate.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import cache as memoize

from .choices import CalendarDayKind
from .models import CalendarDay

logger = logging.getLogger(__name__)


@memoize
def _warn_unknown_year(year: int) -> None:
    logger.warning("The holiday calendar has no entries for %s: counting Monday–Friday as working days; "
                   "enter the State Council's schedule in the admin (节假日安排)", year)


def calendar_of(year: int) -> dict[date, bool]:
    """The year's listed days: date → True for an adjusted working day, False for a holiday ({} when none)."""
    return {day: kind == CalendarDayKind.WORKDAY
            for day, kind in CalendarDay.objects.filter(day__year=year).values_list("day", "kind")}


def _is_working_day(day: date, calendars: dict[int, dict[date, bool]]) -> bool:
    days = calendars.get(day.year)
    if days is None:
        days = calendars[day.year] = calendar_of(day.year)
    if not days:
        _warn_unknown_year(day.year)
    listed = days.get(day)
    return listed if listed is not None else day.weekday() < 5


def is_working_day(day: date, calendars: dict[int, dict[date, bool]] | None = None) -> bool:
    """Whether `day` is a working day; pass the same `calendars` dict to a loop so each year is read once."""
    return _is_working_day(day, {} if calendars is None else calendars)


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
