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
from .periods import CYCLE, PeriodError, period_just_ended, period_parse


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


@shared_task(name="scoring.recompute_open_cycles", ignore_result=True)
def recompute_open_cycles() -> None:
    """Nightly: refresh the whole-cycle ranking of every open cycle."""
    for cycle_id in cycles_open().values_list("id", flat=True):
        recompute.delay(cycle_id, CYCLE)


@shared_task(name="scoring.snapshot_period_end", ignore_result=True)
def snapshot_period_end(kind: str) -> None:
    """At the end of a week, month or quarter (周检查、月点评、季小结): store that period's snapshot."""
    today = timezone.localdate()
    period = period_just_ended(kind, today=today)
    cycles = Cycle.objects.filter(status__in=[CycleStatus.OPEN, CycleStatus.CLOSED], starts_on__lt=today)
    for cycle in cycles:
        try:
            period_parse(period, starts_on=cycle.starts_on, ends_on=cycle.ends_on)
        except PeriodError:
            continue  # the period lies outside this cycle
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
