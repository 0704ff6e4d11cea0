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

    def ratings(self) -> dict[int, int]:
        return {agency.pk: int(self.cleaned_data[f"a_{agency.code}"]) for group in self.groups
                for agency in group.listed if self.cleaned_data[f"a_{agency.code}"] != BALLOT_UNKNOWN}


class InvitationForm(forms.Form):
    category = forms.ChoiceField(label=_("评议人类别"), choices=EvaluatorCategory.choices)
    count = forms.IntegerField(label=_("数量"), min_value=1, max_value=INVITATIONS_MAX, initial=50)
