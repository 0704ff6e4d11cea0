from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from conduct_eval.forms import StyledFormMixin

from .choices import CitizenAnswer, TriageAction


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; their types are checked by content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class RespondForm(StyledFormMixin, forms.Form):
    measures = forms.CharField(label=_("整改措施"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    evidence = MultipleFileField(label=_("佐证材料（JPEG/PNG/PDF，每个不超过 10 MB）"), required=False)


class VerifyForm(StyledFormMixin, forms.Form):
    accepted = forms.TypedChoiceField(label=_("核验结论"), coerce=lambda v: v == "1",
                                      choices=[("1", _("核验通过，办结")), ("0", _("退回单位重新整改"))],
                                      widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class TriageForm(forms.Form):
    action = forms.ChoiceField(label=_("处理方式"), choices=TriageAction.choices)
    agency = forms.ModelChoiceField(label=_("转交机关"), queryset=Agency.objects.filter(active=True),
                                    to_field_name="code", required=False)
    merge_into = forms.IntegerField(label=_("合并到意见编号"), required=False, min_value=1)
    note = forms.CharField(label=_("说明（不予采纳时必填）"), required=False, max_length=1000)


class FeedbackForm(forms.Form):
    answer = forms.ChoiceField(choices=CitizenAnswer.choices)
