"""Forms of the public pages. Their rules are the services'; the forms only shape the input."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agencies.scheme import DIMENSIONS, LEVELS

from .choices import Channel, EvaluatorCategory
from .services import CONTACT_MAX_LENGTH, INVITATIONS_MAX, OPINION_MAX_LENGTH

NOT_APPLICABLE = "na"
LEVEL_CHOICES = [(str(level), _(label)) for level, label in LEVELS.items()] + [(NOT_APPLICABLE, _("不适用"))]
HONEYPOT = "website"  # a field people never see nor fill; bots that fill every input do
BALLOT_UNKNOWN = "0"
BALLOT_CHOICES = [(str(level), _(label)) for level, label in LEVELS.items()] + [(BALLOT_UNKNOWN, _("不了解"))]


def dimension_field(code: str) -> str:
    return f"d_{code}"


class ResponseForm(forms.Form):
    """Eight dimensions × (five levels or 不适用), an optional opinion and contact, and the honeypot."""

    window = forms.ChoiceField(label=_("办事窗口"), required=False)
    opinion = forms.CharField(
        label=_("意见建议（选填）"), required=False, max_length=OPINION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("您遇到的问题或建议，我们会转交办理")}))
    contact = forms.CharField(label=_("联系方式（选填，仅用于回访，不会公开）"), required=False,
                              max_length=CONTACT_MAX_LENGTH,
                              widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    channel = forms.ChoiceField(choices=[(Channel.WEB, Channel.WEB.label), (Channel.QR, Channel.QR.label)],
                                initial=Channel.WEB, widget=forms.HiddenInput)

    def __init__(self, *args, survey, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey, self.agency = survey, agency
        self.windows = {w.code: w for w in agency.windows.all()}
        self.fields["window"].choices = [("", _("（不确定 / 未指定）"))] + [
            (code, w.name) for code, w in self.windows.items()]
        for code in survey.dimensions:
            self.fields[dimension_field(code)] = forms.ChoiceField(
                label=_(DIMENSIONS[code]), choices=LEVEL_CHOICES, widget=forms.RadioSelect,
                error_messages={"required": _("请选择一项（不了解可选“不适用”）")})
        self.fields[HONEYPOT] = forms.CharField(required=False, label=_("网址"), widget=forms.TextInput(
            attrs={"autocomplete": "off", "tabindex": "-1"}))

    def dimension_fields(self):
        return [self[dimension_field(code)] for code in self.survey.dimensions]

    def submission(self) -> dict:
        """The keyword arguments of `response_submit` (without survey and fingerprint)."""
        data = self.cleaned_data
        return {
            "agency": self.agency,
            "window": self.windows.get(data["window"]),
            "channel": data["channel"],
            "ratings": {code: None if data[dimension_field(code)] == NOT_APPLICABLE
                        else int(data[dimension_field(code)]) for code in self.survey.dimensions},
            "opinion": data["opinion"],
            "contact": data["contact"],
            "honeypot": bool(data[HONEYPOT]),
        }


class TrackForm(forms.Form):
    receipt = forms.CharField(label=_("回执码"), max_length=16, widget=forms.TextInput(
        attrs={"autocapitalize": "characters", "autocomplete": "off", "placeholder": _("例如 K7PQ3MZ8XA")}))


class BallotForm(forms.Form):
    """A 1–5 choice or 不了解 per agency, grouped by agency group."""

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = groups
        for group in groups:
            for agency in group.listed:
                self.fields[f"a_{agency.code}"] = forms.ChoiceField(
                    label=agency.name, choices=BALLOT_CHOICES, initial=BALLOT_UNKNOWN, widget=forms.RadioSelect)

    def grouped(self):
        return [(group, [(agency, self[f"a_{agency.code}"]) for agency in group.listed]) for group in self.groups]

    def clean(self):
        data = super().clean()
        if not any(data.get(name, BALLOT_UNKNOWN) != BALLOT_UNKNOWN for name in self.fields):
            raise forms.ValidationError(_("请至少评价一个机关。"))
        return data

    def sections(self) -> list[tuple]:
        """(group, rows, rated in the group) for the ballot's collapsible sections."""
        return [(group, rows, sum(1 for _agency, field in rows if field.value() not in (None, "", BALLOT_UNKNOWN)))
                for group, rows in self.grouped()]

    def progress(self) -> tuple[int, int]:
        """(agencies rated, agencies listed): the "已评 n / m 个机关" count of the page."""
        values = [self[name].value() for name in self.fields]
        return sum(1 for v in values if v not in (None, "", BALLOT_UNKNOWN)), len(values)

    def summary(self) -> dict:
        """What the confirmation step shows: per group the agencies rated with their level, and the counts."""
        labels = dict(BALLOT_CHOICES)
        groups, levels = [], {value: 0 for value, _label in BALLOT_CHOICES if value != BALLOT_UNKNOWN}
        for group, rows in self.grouped():
            rated = [(agency, self.cleaned_data[field.name]) for agency, field in rows
                     if self.cleaned_data[field.name] != BALLOT_UNKNOWN]
            for _agency, value in rated:
                levels[value] += 1
            groups.append({"group": group, "total": len(rows),
                           "rated": [(agency, labels[value]) for agency, value in rated]})
        rated, total = self.progress()
        return {"groups": groups, "rated": rated, "total": total, "unknown": total - rated,
                "levels": [(labels[value], count) for value, count in sorted(levels.items(), reverse=True)]}

    def ratings(self) -> dict[int, int]:
        return {agency.pk: int(self.cleaned_data[f"a_{agency.code}"]) for group in self.groups
                for agency in group.listed if self.cleaned_data[f"a_{agency.code}"] != BALLOT_UNKNOWN}


class InvitationForm(forms.Form):
    category = forms.ChoiceField(label=_("评议人类别"), choices=EvaluatorCategory.choices)
    count = forms.IntegerField(label=_("数量"), min_value=1, max_value=INVITATIONS_MAX, initial=50)
