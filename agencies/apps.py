from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("机关与周期")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, signals  # noqa: F401  (signals: tokens revoked on password change)

        for model in (models.AgencyGroup, models.Agency, models.Window, models.Cycle):
            auditlog.register(model)
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
