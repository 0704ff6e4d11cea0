from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("民意调查")

    def ready(self):
        from auditlog.registry import auditlog

        from . import fastpath, models  # noqa: F401 (fastpath: the catalog's invalidation signals)

        # Who changed a survey or an opinion's triage; contacts stay out of the audit trail.
        auditlog.register(models.Survey)
        auditlog.register(models.Opinion, exclude_fields=["contact", "contact_masked"])
