from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "评分与排名"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Indicator)
