"""Periodic work of the rectification loop (merged into the beat schedule by conduct_eval/celery.py)."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Hourly, a few minutes past: a notice turns overdue within the first hour after its deadline day.
    "rectification-mark-overdue": {"task": "rectification.notices_mark_overdue", "schedule": crontab(minute=5)},
    # Every two minutes: send what the after-commit task could not (dead broker, killed worker).
    "rectification-notifications-sweep": {"task": "rectification.notifications_sweep", "schedule": 120.0},
}
