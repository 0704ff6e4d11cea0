"""Periods of a cycle: `YYYY-Www` (ISO week), `YYYY-MM`, `YYYY-Qn` and `cycle`.

A period's result is cumulative: it counts everything from the cycle's start up to the
period's end (exclusive), in Asia/Shanghai time. Pure: no ORM.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
CYCLE = "cycle"
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodError(ValueError):
    """A period name that is malformed or lies outside the cycle."""


@dataclass(frozen=True)
class Period:
    name: str
    first_day: date   # the period's own first day (its start for display; counting starts at the cycle start)
    end_day: date     # the first day after the period

    @property
    def until(self) -> datetime:
        """The exclusive end as an aware datetime: midnight in Asia/Shanghai after the last day."""
        return datetime.combine(self.end_day, time.min, tzinfo=TZ)


def _month_after(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def period_parse(name: str, *, starts_on: date, ends_on: date) -> Period:
    """The period called `name` within a cycle running from `starts_on` to `ends_on` (inclusive).

    The end is clipped to the cycle's end; a period that does not overlap the cycle is an error.
    """
    name = (name or "").strip()
    if name == CYCLE:
        first, end = starts_on, ends_on + timedelta(days=1)
    elif m := _WEEK.match(name):
        try:
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise PeriodError(f"没有这一周：{name}") from None
        end = first + timedelta(days=7)
    elif m := _MONTH.match(name):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"没有这个月：{name}")
        first, end = date(year, month, 1), _month_after(year, month)
    elif m := _QUARTER.match(name):
        year, quarter = int(m[1]), int(m[2])
        first = date(year, 3 * quarter - 2, 1)
        end = _month_after(year, 3 * quarter)
    else:
        raise PeriodError("期间格式应为 YYYY-Www、YYYY-MM、YYYY-Qn 或 cycle")
    if end <= starts_on or first > ends_on:
        raise PeriodError(f"期间 {name} 不在本评议周期内")
    return Period(name=name, first_day=max(first, starts_on), end_day=min(end, ends_on + timedelta(days=1)))


def period_containing(kind: str, day: date) -> str:
    """The name of the week, month or quarter that contains `day`."""
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    raise ValueError(kind)


def _natural_bounds(kind: str, day: date) -> tuple[date, date]:
    """The first day of the `kind` period containing `day`, and the first day after it (not clipped to a cycle)."""
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=7)
    if kind == "month":
        first = day.replace(day=1)
        return first, _month_after(first.year, first.month)
    if kind == "quarter":
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return first, _month_after(first.year, first.month + 2)
    raise ValueError(kind)


def period_just_ended(kind: str, *, today: date) -> str:
    """The newest week, month or quarter that has ended on or before `today`.

    Only the period that contains `today` is still running; the one before it is the one
    the period-end job files, however late after its scheduled time the job runs.
    """
    first, _ = _natural_bounds(kind, today)
    return period_containing(kind, first - timedelta(days=1))


def periods_ended(kind: str, *, starts_on: date, ends_on: date, today: date) -> list[str]:
    """Every week, month or quarter of a cycle that has ended on or before `today`, oldest first."""
    names = []
    first, end = _natural_bounds(kind, starts_on)
    while first <= ends_on and end <= today:
        names.append(period_containing(kind, first))
        first, end = _natural_bounds(kind, end)
    return names
