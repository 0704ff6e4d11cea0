from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("明察暗访")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Visit)
        auditlog.register(models.Finding)
