from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = _("整改")

    def ready(self):
        from auditlog.registry import auditlog

        from scoring.signals import final_snapshot_published

        from . import models, receivers, workdays  # noqa: F401  (workdays: the calendar's cache invalidation)

        final_snapshot_published.connect(receivers.on_final_snapshot_published,
                                         dispatch_uid="rectification.final_snapshot")
        auditlog.register(models.RectificationNotice)
