from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "机关与周期"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        for model in (models.AgencyGroup, models.Agency, models.Window, models.Cycle):
            auditlog.register(model)
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
