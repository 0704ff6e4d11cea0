from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = "明察暗访"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Visit)
        auditlog.register(models.Finding)
