"""The rhythm of scoring (周检查、月点评、季小结), in Asia/Shanghai time (CELERY_TIMEZONE).

Nightly the whole cycle is recomputed; just after each week, month and quarter ends, that
period's snapshot is stored.
"""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The outbox of requested recomputes: what a dead broker kept from the workers runs within a minute of its return.
    "scoring-recompute-sweep": {"task": "scoring.recompute_sweep", "schedule": 60.0},
    # 数据已变更，待重新计算: an open cycle whose inputs changed is recomputed once they have been quiet for
    # RECOMPUTE_DEBOUNCE seconds (scoring.services.recompute_changed).
    "scoring-debounced-recompute": {"task": "scoring.recompute_changed_cycles", "schedule": 60.0},
    "scoring-nightly-recompute": {
        "task": "scoring.recompute_open_cycles",
        "schedule": crontab(hour=1, minute=30),
    },
    # Every night, not only on the day after a period ends: a run files only the periods still
    # unfiled, so after downtime (beat does not replay missed runs) the next night catches up.
    "scoring-week-end": {
        "task": "scoring.snapshot_period_end",
        "schedule": crontab(hour=0, minute=10),
        "args": ["week"],
    },
    "scoring-month-end": {
        "task": "scoring.snapshot_period_end",
        "schedule": crontab(hour=0, minute=20),
        "args": ["month"],
    },
    "scoring-quarter-end": {
        "task": "scoring.snapshot_period_end",
        "schedule": crontab(hour=0, minute=40),
        "args": ["quarter"],
    },
    # The outbox of final results: a publication whose task was lost or failed is carried out here.
    "scoring-publications-sweep": {
        "task": "scoring.publications_sweep",
        "schedule": crontab(minute="*/5"),
    },
}
