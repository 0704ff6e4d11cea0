"""An agency, a cycle or a group typed by name or code, with type-ahead: one form field, one widget and one filter
for every list page.

    agency = AgencyFilter(field_name="agency", label=_("机关"))
    cycle = CycleFilter(field_name="cycle", label=_("评议周期"))

The widget is a text box with a `<datalist>` of the names, so the browser suggests names as the user types
(no JavaScript). A value that names nothing, or several things, is a form error under the field instead of being
ignored; in the API (django-filter's backend) it is a 400 naming the field.
"""
from __future__ import annotations

import django_filters
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import Agency, AgencyGroup, Cycle
from .selectors import agencies_named, cycles_named, groups_named


def mark_invalid(form) -> None:
    """Give the controls of a form's fields in error Bootstrap's red outline (their message is under them)."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", "").split():
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class InvalidMarked:
    """Mix into a `forms.Form` (before it): its fields in error are outlined in red (see `mark_invalid`)."""

    def full_clean(self):
        super().full_clean()
        mark_invalid(self)


class NamedInput(forms.TextInput):
    """A text box suggesting names as the user types: a `<datalist>` of (name, code) pairs."""

    suffix = "names"

    def options(self):
        return ()

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {})}
        list_id = f"{attrs.get('id') or 'id_' + name}-{self.suffix}"
        attrs.update({"list": list_id, "autocomplete": "off"})
        options = format_html_join("", '<option value="{}">{}</option>', self.options())
        return format_html('{}<datalist id="{}">{}</datalist>', super().render(name, value, attrs, renderer),
                           list_id, options)


class AgencyInput(NamedInput):
    """A text box suggesting the active agencies' names as the user types."""

    suffix = "agencies"

    def options(self):
        return ((a.name, a.code) for a in Agency.objects.filter(active=True).order_by("name").only("name", "code"))


class CycleInput(NamedInput):
    """A text box suggesting the cycles' names, newest first."""

    suffix = "cycles"

    def options(self):
        return ((c.name, c.code) for c in Cycle.objects.order_by("-starts_on").only("name", "code"))


class GroupInput(NamedInput):
    """A text box suggesting the agency groups' names."""

    suffix = "groups"

    def options(self):
        return ((g.name, g.code) for g in AgencyGroup.objects.order_by("order", "code").only("name", "code"))


class NamedField(forms.CharField):
    """A thing by its name, its code or an unambiguous part of its name; `find` says what a typed value means."""

    widget = NamedInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("placeholder", _("名称或编码"))

    @staticmethod
    def find(value: str) -> list:
        raise NotImplementedError

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        found = self.find(value)
        if not found:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"value": value})
        if len(found) > 1:
            raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous",
                                        params={"value": value, "names": "、".join(a.name for a in found[:5])})
        return found[0]


class AgencyField(NamedField):
    """An agency by its name (市公安局), its code (gaj) or an unambiguous part of its name (公安局)."""

    widget = AgencyInput
    find = staticmethod(agencies_named)
    default_error_messages = {
        "unknown": _("没有名称或编码为“%(value)s”的机关"),
        "ambiguous": _("“%(value)s”对应多个机关（%(names)s），请从列表中选择"),
    }


class CycleField(NamedField):
    """A cycle by its name (2026年度), its code (2026) or an unambiguous part of its name."""

    widget = CycleInput
    find = staticmethod(cycles_named)
    default_error_messages = {
        "unknown": _("没有名称或编码为“%(value)s”的评议周期"),
        "ambiguous": _("“%(value)s”对应多个评议周期（%(names)s），请从列表中选择"),
    }


class GroupField(NamedField):
    """An agency group by its name (执法类), its code or an unambiguous part of its name."""

    widget = GroupInput
    find = staticmethod(groups_named)
    default_error_messages = {
        "unknown": _("没有名称或编码为“%(value)s”的机关分组"),
        "ambiguous": _("“%(value)s”对应多个机关分组（%(names)s），请从列表中选择"),
    }


@extend_schema_field(OpenApiTypes.STR)  # a name or a code, not the agency's id
class AgencyFilter(django_filters.Filter):
    """Filter on an agency typed by name or code (see `AgencyField`)."""

    field_class = AgencyField


@extend_schema_field(OpenApiTypes.STR)
class CycleFilter(django_filters.Filter):
    """Filter on a cycle typed by name or code (see `CycleField`)."""

    field_class = CycleField
