from django.apps import AppConfig


class ConductEvalConfig(AppConfig):
    """The project package itself: no models, only its system checks."""

    name = "conduct_eval"
    verbose_name = "ConductEval"

    def ready(self):
        from . import checks  # noqa: F401 — registers them
