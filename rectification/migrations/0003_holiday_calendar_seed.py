"""Seed the holiday calendar with every year chinesecalendar knows (1.11.0: 2004–2026).

Self-contained on purpose (apps.get_model, the library, no app code): later years are
entered by the office from the State Council's notice.
"""
from django.db import migrations

NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    from chinese_calendar import constants

    CalendarDay = apps.get_model("rectification", "CalendarDay")
    known = set(CalendarDay.objects.values_list("day", flat=True))
    rows = [CalendarDay(day=day, kind=kind, name=NAMES.get(str(name), str(name))[:40])
            for kind, days in (("holiday", constants.holidays), ("workday", constants.workdays))
            for day, name in sorted(days.items()) if day not in known]
    CalendarDay.objects.bulk_create(rows, batch_size=500)


def unseed(apps, schema_editor):
    apps.get_model("rectification", "CalendarDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("rectification", "0002_holiday_calendar")]
    operations = [migrations.RunPython(seed, unseed)]
