from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "民意调查"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # Who changed a survey or an opinion's triage; contacts stay out of the audit trail.
        auditlog.register(models.Survey)
        auditlog.register(models.Opinion, exclude_fields=["contact", "contact_masked"])
