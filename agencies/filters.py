"""An agency typed by name or code, with type-ahead: one form field, one widget and one filter for every list page.

    agency = AgencyFilter(field_name="agency", label=_("机关"))

The widget is a text box with a `<datalist>` of the active agencies' names, so the browser suggests names as
the user types (no JavaScript). A value that names no agency, or several, is a form error under the field
instead of being ignored; in the API (django-filter's backend) it is a 400 naming the field.
"""
from __future__ import annotations

import django_filters
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import Agency
from .selectors import agencies_named


class AgencyInput(forms.TextInput):
    """A text box suggesting the active agencies' names as the user types."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {})}
        list_id = f"{attrs.get('id') or 'id_' + name}-agencies"
        attrs.update({"list": list_id, "autocomplete": "off"})
        agencies = Agency.objects.filter(active=True).order_by("name").only("name", "code")
        options = format_html_join("", '<option value="{}">{}</option>', ((a.name, a.code) for a in agencies))
        return format_html('{}<datalist id="{}">{}</datalist>', super().render(name, value, attrs, renderer),
                           list_id, options)


class AgencyField(forms.CharField):
    """An agency by its name (市公安局), its code (gaj) or an unambiguous part of its name (公安局)."""

    widget = AgencyInput
    default_error_messages = {
        "unknown": _("没有名称或编码为“%(value)s”的机关"),
        "ambiguous": _("“%(value)s”对应多个机关（%(names)s），请从列表中选择"),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("placeholder", _("名称或编码"))

    def clean(self, value) -> Agency | None:
        value = super().clean(value)
        if not value:
            return None
        found = agencies_named(value)
        if not found:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"value": value})
        if len(found) > 1:
            raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous",
                                        params={"value": value, "names": "、".join(a.name for a in found[:5])})
        return found[0]


@extend_schema_field(OpenApiTypes.STR)  # a name or a code, not the agency's id
class AgencyFilter(django_filters.Filter):
    """Filter on an agency typed by name or code (see `AgencyField`)."""

    field_class = AgencyField
