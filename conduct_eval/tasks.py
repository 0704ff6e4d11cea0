"""Tasks of the platform itself."""
from celery import shared_task
from django.core.cache import cache


@shared_task(name="conduct_eval.heartbeat", ignore_result=True)
def heartbeat(key: str) -> None:
    """Proves a worker is alive and sees the shared cache (used by health checks and tests)."""
    cache.set(key, "alive", timeout=300)
