"""The rhythm of scoring (周检查、月点评、季小结), in Asia/Shanghai time (CELERY_TIMEZONE).

Nightly the whole cycle is recomputed; just after each week, month and quarter ends, that
period's snapshot is stored.
"""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    "scoring-nightly-recompute": {
        "task": "scoring.recompute_open_cycles",
        "schedule": crontab(hour=1, minute=30),
    },
    "scoring-week-end": {
        "task": "scoring.snapshot_period_end",
        "schedule": crontab(hour=0, minute=10, day_of_week="mon"),
        "args": ["week"],
    },
    "scoring-month-end": {
        "task": "scoring.snapshot_period_end",
        "schedule": crontab(hour=0, minute=20, day_of_month="1"),
        "args": ["month"],
    },
    "scoring-quarter-end": {
        "task": "scoring.snapshot_period_end",
        "schedule": crontab(hour=0, minute=40, day_of_month="1", month_of_year="1,4,7,10"),
        "args": ["quarter"],
    },
    # The outbox of final results: a publication whose task was lost or failed is carried out here.
    "scoring-publications-sweep": {
        "task": "scoring.publications_sweep",
        "schedule": crontab(minute="*/5"),
    },
}
