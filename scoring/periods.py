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


def period_just_ended(kind: str, *, today: date) -> str:
    """The name of the week, month or quarter that ended right before `today`."""
    yesterday = today - timedelta(days=1)
    if kind == "week":
        year, week, _ = yesterday.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{yesterday.year}-{yesterday.month:02d}"
    if kind == "quarter":
        return f"{yesterday.year}-Q{(yesterday.month - 1) // 3 + 1}"
    raise ValueError(kind)

