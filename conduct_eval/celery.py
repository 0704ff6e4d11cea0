"""The Celery app. Tasks are discovered in each app's tasks.py.

Embedded default: kombu's filesystem transport, so `make run` needs no broker server and
scheduled work really happens. Full stack: Redis (`REDIS_URL`).
"""
import importlib
import os
from pathlib import Path

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conduct_eval.settings")

app = Celery("conduct_eval")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["conduct_eval"])

# Each app may declare its periodic work in `<app>/schedule.py` as BEAT_SCHEDULE (a plain dict
# of celery.schedules entries; no Django imports there), so the rhythm lives with its tasks.
for _app in settings.DOMAIN_APPS:
    try:
        app.conf.beat_schedule.update(importlib.import_module(f"{_app}.schedule").BEAT_SCHEDULE)
    except ModuleNotFoundError as exc:
        if exc.name != f"{_app}.schedule":
            raise

for folder in (app.conf.broker_transport_options or {}).values():
    if isinstance(folder, str) and folder.startswith("/"):
        Path(folder).mkdir(parents=True, exist_ok=True)
