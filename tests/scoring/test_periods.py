"""Periods are pure: no database."""
from datetime import date, datetime

import pytest

from scoring.periods import TZ, PeriodError, period_just_ended, period_parse

YEAR = {"starts_on": date(2026, 1, 1), "ends_on": date(2026, 12, 31)}


@pytest.mark.parametrize("name, first, end", [
    ("cycle", date(2026, 1, 1), date(2027, 1, 1)),
    ("2026-W01", date(2026, 1, 1), date(2026, 1, 5)),     # ISO week 1 of 2026 starts on Mon 29 Dec 2025
    ("2026-W10", date(2026, 3, 2), date(2026, 3, 9)),
    ("2026-W53", date(2026, 12, 28), date(2027, 1, 1)),   # clipped to the cycle's end
    ("2026-02", date(2026, 2, 1), date(2026, 3, 1)),
    ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
    ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
    ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
])
def test_periods_end_where_the_calendar_says(name, first, end):
    period = period_parse(name, **YEAR)
    assert (period.first_day, period.end_day) == (first, end)
    assert period.until == datetime(end.year, end.month, end.day, tzinfo=TZ)


@pytest.mark.parametrize("name", ["", "2026", "2026-13", "2026-00", "2026-Q5", "2026-W54", "2025-W60", "2025-12",
                                  "2027-01", "week", "2026-w05", "2026-1"])
def test_bad_or_foreign_periods_are_refused(name):
    with pytest.raises(PeriodError):
        period_parse(name, **YEAR)


@pytest.mark.parametrize("kind, today, expected", [
    ("week", date(2026, 3, 9), "2026-W10"),
    ("week", date(2027, 1, 4), "2026-W53"),
    ("month", date(2026, 3, 1), "2026-02"),
    ("month", date(2027, 1, 1), "2026-12"),
    ("quarter", date(2026, 4, 1), "2026-Q1"),
    ("quarter", date(2027, 1, 1), "2026-Q4"),
    ("week", date(2026, 3, 11), "2026-W10"),  # run late: still the week that ended, not the running one
    ("month", date(2026, 3, 5), "2026-02"),
    ("quarter", date(2026, 5, 20), "2026-Q1"),
])
def test_the_period_that_just_ended(kind, today, expected):
    assert period_just_ended(kind, today=today) == expected
