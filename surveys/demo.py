"""Demo data of the surveys app: this year's public survey and appraisal. Idempotent."""
from datetime import date, datetime, time

from django.utils import timezone

from agencies.models import Cycle

from .choices import SurveyKind
from .models import Survey
from .services import survey_create


def _aware(day: date, at: time = time.min) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def demo_load(*, cycle: Cycle, stdout) -> None:
    year = cycle.starts_on.year
    if not Survey.objects.filter(slug=f"{year}-public").exists():
        survey_create(slug=f"{year}-public", cycle=cycle, kind=SurveyKind.PUBLIC,
                      title=f"{year}年网上民评：服务窗口满意度", opens_at=_aware(cycle.starts_on),
                      closes_at=_aware(cycle.ends_on, time.max),
                      description="请您对办事窗口的服务作出评价，可留下意见建议，凭回执码查询办理进度。")
    if not Survey.objects.filter(slug=f"{year}-appraisal").exists():
        survey_create(slug=f"{year}-appraisal", cycle=cycle, kind=SurveyKind.APPRAISAL,
                      title=f"{year}年度机关作风评议", opens_at=_aware(date(year, 11, 15)),
                      closes_at=_aware(date(year, 12, 15)))
