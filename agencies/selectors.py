"""Reads of groups, agencies, windows and cycles for pages, the API and tasks."""
from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from .choices import CycleStatus
from .models import Agency, AgencyGroup, Cycle


def agencies_active() -> QuerySet[Agency]:
    return Agency.objects.filter(active=True).select_related("group")


def agencies_named(value: str) -> list[Agency]:
    """The agencies a typed name or code means: an exact code or name first, else every name containing it.

    `市公安局` and `gaj` find the same agency; `公安` finds it too while no other name contains 公安.
    Filters that take an agency by name use this, so every page reads a typed agency the same way.
    """
    value = (value or "").strip()
    if not value:
        return []
    exact = list(Agency.objects.filter(Q(code__iexact=value) | Q(name=value)).order_by("pk")[:2])
    if exact:
        return exact
    return list(Agency.objects.filter(name__icontains=value).order_by("name")[:10])


def _named(model, value: str, order: str) -> list:
    value = (value or "").strip()
    if not value:
        return []
    exact = list(model.objects.filter(Q(code__iexact=value) | Q(name=value)).order_by("pk")[:2])
    return exact or list(model.objects.filter(name__icontains=value).order_by(order)[:10])


def cycles_named(value: str) -> list[Cycle]:
    """The cycles a typed name or code means, read as `agencies_named` reads agencies (`2026年度`, `2026`, `2026年`)."""
    return _named(Cycle, value, "-starts_on")


def groups_named(value: str) -> list[AgencyGroup]:
    """The agency groups a typed name or code means, read as `agencies_named` reads agencies."""
    return _named(AgencyGroup, value, "order")


def cycles_open() -> QuerySet[Cycle]:
    return Cycle.objects.filter(status=CycleStatus.OPEN)


def cycle_for_date(day: date) -> Cycle | None:
    """The cycle whose year covers `day` (the newest if cycles overlap)."""
    return Cycle.objects.filter(starts_on__lte=day, ends_on__gte=day).order_by("-starts_on").first()


def cycle_current() -> Cycle | None:
    """The open cycle that started last, else the newest cycle."""
    return cycles_open().order_by("-starts_on").first() or Cycle.objects.order_by("-starts_on").first()
