"""Background work of the surveys app."""
from celery import shared_task
from django.db import OperationalError


@shared_task(name="surveys.rollups_catch_up", ignore_result=True, autoretry_for=(OperationalError,), max_retries=2)
def rollups_catch_up() -> int:
    """Count the responses the Redis submission path inserted uncounted (surveys.rollups.catch_up)."""
    from .rollups import catch_up

    return catch_up()
