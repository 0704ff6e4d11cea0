from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = "整改"

    def ready(self):
        from auditlog.registry import auditlog

        from scoring.signals import final_snapshot_published

        from . import models, receivers

        final_snapshot_published.connect(receivers.on_final_snapshot_published,
                                         dispatch_uid="rectification.final_snapshot")
        auditlog.register(models.RectificationNotice)
