"""Reads of groups, agencies, windows and cycles for pages, the API and tasks."""
from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from .choices import CycleStatus
from .models import Agency, Cycle


def agencies_active() -> QuerySet[Agency]:
    return Agency.objects.filter(active=True).select_related("group")


def cycles_open() -> QuerySet[Cycle]:
    return Cycle.objects.filter(status=CycleStatus.OPEN)


def cycle_for_date(day: date) -> Cycle | None:
    """The cycle whose year covers `day` (the newest if cycles overlap)."""
    return Cycle.objects.filter(starts_on__lte=day, ends_on__gte=day).order_by("-starts_on").first()


def cycle_current() -> Cycle | None:
    """The open cycle that started last, else the newest cycle."""
    return cycles_open().order_by("-starts_on").first() or Cycle.objects.order_by("-starts_on").first()
