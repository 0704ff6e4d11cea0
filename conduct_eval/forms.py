"""Forms that look like the rest of the site: Bootstrap controls, the error under its field.

`StyledFormMixin` gives each widget its Bootstrap class and each field the template
`conduct_eval/forms/field.html` (label, control, help, then the errors), so `{{ form }}` renders
a form people can read. A field in error is marked `is-invalid` and keeps what was typed.
"""
from django import forms

FIELD_TEMPLATE = "conduct_eval/forms/field.html"


def _control_class(widget: forms.Widget) -> str:
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class StyledFormMixin:
    """Mix into a `forms.Form` (before it): Bootstrap classes, errors under the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = FIELD_TEMPLATE
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {_control_class(widget)}".strip()

    def add_error(self, field, error):
        """Every error (from cleaning, or from a service afterwards) marks its control invalid."""
        super().add_error(field, error)
        for name in self.errors:
            bound = self.fields.get(name)
            if bound is not None and "is-invalid" not in bound.widget.attrs.get("class", "").split():
                bound.widget.attrs["class"] = f"{bound.widget.attrs.get('class', '')} is-invalid".strip()
