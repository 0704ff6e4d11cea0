"""Thin Celery entry points of scoring: ids in, one service call."""
from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone

from agencies.choices import CycleStatus
from agencies.models import Cycle
from agencies.selectors import cycles_open

from . import services
from .periods import CYCLE
from .selectors import periods_unfiled


@shared_task(name="scoring.recompute", autoretry_for=(OperationalError,), retry_backoff=5, retry_jitter=True,
             max_retries=5)
def recompute(cycle_id: int, period: str = CYCLE, final: bool = False, actor_id: int | None = None) -> int | None:
    """Recompute one cycle for one period; returns the snapshot id (None if the cycle is gone)."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        return None
    actor = None
    if actor_id is not None:
        actor = get_user_model().objects.filter(pk=actor_id).first()
    return services.snapshot_compute(cycle=cycle, period=period, final=final, actor=actor).pk


@shared_task(name="scoring.recompute_requested", ignore_result=True, autoretry_for=(OperationalError,),
             retry_backoff=5, retry_jitter=True, max_retries=5)
def recompute_requested(request_id: int) -> int | None:
    """Run one recompute of the outbox (asked for on the dashboard or the API)."""
    return services.recompute_run(request_id=request_id)


@shared_task(name="scoring.recompute_sweep", ignore_result=True)
def recompute_sweep() -> int:
    """Run the requested recomputes whose message never reached a worker (the broker was down), then store the
    95% intervals that a recompute left missing."""
    ran = services.recompute_sweep()
    services.snapshot_intervals_sweep()
    return ran


@shared_task(name="scoring.recompute_changed_cycles", ignore_result=True)
def recompute_changed_cycles() -> list[int]:
    """Every minute: one recompute of each open cycle whose inputs changed and then stayed quiet (debounced)."""
    return services.recompute_changed()


@shared_task(name="scoring.recompute_open_cycles", ignore_result=True)
def recompute_open_cycles() -> None:
    """Nightly: refresh the whole-cycle ranking of every open cycle."""
    for cycle_id in cycles_open().values_list("id", flat=True):
        recompute.delay(cycle_id, CYCLE)


@shared_task(name="scoring.snapshot_period_end", ignore_result=True)
def snapshot_period_end(kind: str) -> None:
    """After a week, month or quarter ends (周检查、月点评、季小结): store that period's snapshot.

    The period is the one that ended before the job's scheduled time, not "yesterday's":
    a run delayed past its time files the same period, and a run after downtime files
    every period missed since the newest one stored, each as of its own end.
    """
    today = timezone.localdate()
    cycles = Cycle.objects.filter(status__in=[CycleStatus.OPEN, CycleStatus.CLOSED], starts_on__lt=today)
    for cycle in cycles.order_by("starts_on"):
        for period in periods_unfiled(cycle=cycle, kind=kind, today=today):
            recompute.delay(cycle.id, period)


@shared_task(name="scoring.publication_carry_out", ignore_result=True, autoretry_for=(OperationalError,),
             retry_backoff=5, retry_jitter=True, max_retries=5)
def publication_carry_out(publication_id: int) -> bool:
    """Right after a final snapshot's commit: its commendation list, reminder talks and notices, once."""
    return services.publication_carry_out(publication_id=publication_id)


@shared_task(name="scoring.publications_sweep", ignore_result=True)
def publications_sweep() -> int:
    """Every few minutes: whatever publication is still pending (a failed handler, a lost task) is carried out."""
    return services.publications_sweep()
