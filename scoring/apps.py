from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("评分与排名")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, receivers  # noqa: F401  (receivers: an indicator's change bumps the inputs)

        auditlog.register(models.Indicator)
