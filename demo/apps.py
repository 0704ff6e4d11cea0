from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """演示数据 — `manage.py load_demo`: above the domain apps, it may use every one of them."""

    name = "demo"
    verbose_name = _("演示数据")
