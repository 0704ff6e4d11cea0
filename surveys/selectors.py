"""Reads of surveys for pages, the API and tasks."""
from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .choices import SurveyKind
from .models import Survey


def surveys_open_public() -> QuerySet[Survey]:
    now = timezone.now()
    return Survey.objects.filter(kind=SurveyKind.PUBLIC, opens_at__lte=now, closes_at__gt=now).select_related("cycle")
