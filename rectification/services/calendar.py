"""The holiday calendar the office keeps (节假日安排)."""
from __future__ import annotations

from django.db import transaction

from ..choices import CalendarDayKind
from ..models import CalendarDay

HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@transaction.atomic
def calendar_seed_from_library() -> int:
    """Add every day `chinesecalendar` knows that the table lacks (rows the office entered stay); returns how many."""
    from chinese_calendar import constants

    known = set(CalendarDay.objects.values_list("day", flat=True))
    rows = [CalendarDay(day=day, kind=kind, name=HOLIDAY_NAMES.get(name, name)[:40])
            for kind, days in ((CalendarDayKind.HOLIDAY, constants.holidays),
                               (CalendarDayKind.WORKDAY, constants.workdays))
            for day, name in sorted(days.items()) if day not in known]
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    return len(rows)
