"""Chinese working days: public holidays and adjusted working days (调休) respected.

Pure Python over the `chinesecalendar` library. That library carries the State Council's
schedule only for the years it knows (1.11.0: up to 2026); for a later year we fall back to
Monday–Friday and log a warning once per year, so deadlines keep coming but someone is told
to upgrade the calendar before they are trusted.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import cache

import chinese_calendar

logger = logging.getLogger(__name__)


@cache
def _warn_unknown_year(year: int) -> None:
    logger.warning("chinesecalendar has no holiday schedule for %s: counting Monday–Friday as working days; "
                   "upgrade chinesecalendar for this year's official schedule", year)


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Outside the library's known years: Monday–Friday (see the module docstring).
        _warn_unknown_year(day.year)
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start day itself is not counted)."""
    if days < 0:
        raise ValueError("days must be ≥ 0")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
