from django.db import models


class SurveyKind(models.TextChoices):
    PUBLIC = "public", "网上民评"
    APPRAISAL = "appraisal", "年度评议"
