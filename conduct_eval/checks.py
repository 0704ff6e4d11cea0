"""System checks of the deployment's own settings (shown by `manage.py check`, `migrate`, `check --deploy`)."""
from django.conf import settings
from django.core.checks import Error, Warning, register


@register("security")
def http_only_intranet(app_configs, **kwargs):
    if settings.DEBUG or getattr(settings, "SECURE_COOKIES", True):
        return []
    return [Warning(
        "SECURE_COOKIES=0: session and CSRF cookies travel without the Secure flag, HTTP is not redirected to "
        "HTTPS and no HSTS header is sent. Passwords and sessions can be read by anyone on the network path.",
        hint="Only for an HTTP-only intranet by explicit choice; put TLS in front and unset SECURE_COOKIES.",
        id="conduct_eval.W001",
    )]


@register()
def mail_encryption(app_configs, **kwargs):
    if getattr(settings, "EMAIL_USE_TLS", False) and getattr(settings, "EMAIL_USE_SSL", False):
        return [Error("EMAIL_USE_TLS and EMAIL_USE_SSL are both set: every notice e-mail would fail.",
                      hint="STARTTLS (usually port 587): EMAIL_USE_TLS=1; implicit TLS (port 465): EMAIL_USE_SSL=1.",
                      id="conduct_eval.E001")]
    return []
