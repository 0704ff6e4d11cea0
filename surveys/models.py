from django.db import models
from django.utils import timezone

from agencies.models import Cycle
from agencies.scheme import DIMENSIONS

from .choices import SurveyKind


def default_dimensions() -> list[str]:
    return list(DIMENSIONS)


class Survey(models.Model):
    """调查 — a public survey (网上民评) or an annual appraisal (年度评议) of a cycle."""

    slug = models.SlugField("编码", max_length=60, unique=True)
    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="surveys", verbose_name="评议周期")
    kind = models.CharField("类型", max_length=10, choices=SurveyKind.choices)
    title = models.CharField("标题", max_length=200)
    description = models.TextField("说明", blank=True)
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("结束时间")
    dimensions = models.JSONField("评价维度", default=default_dimensions)

    class Meta:
        verbose_name = "调查"
        verbose_name_plural = "调查"
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="survey_closes_after_open"),
        ]

    def __str__(self):
        return self.title

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at
