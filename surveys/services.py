"""Every write on surveys: one function per state change."""
from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.models import Cycle
from agencies.scheme import DIMENSIONS

from .models import Survey, default_dimensions


@transaction.atomic
def survey_create(*, slug: str, cycle: Cycle, kind: str, title: str, opens_at: datetime, closes_at: datetime,
                  description: str = "", dimensions: list[str] | None = None) -> Survey:
    dimensions = dimensions or default_dimensions()
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValidationError({"dimensions": f"未知维度：{', '.join(unknown)}"})
    survey = Survey(slug=slug, cycle=cycle, kind=kind, title=title, description=description, opens_at=opens_at,
                    closes_at=closes_at, dimensions=dimensions)
    survey.full_clean()
    survey.save()
    return survey
