from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Window

from .choices import FindingCategory, Severity, VisitMode


class VisitForm(forms.Form):
    agency = forms.ModelChoiceField(Agency.objects.filter(active=True).select_related("group"), label=_("被察访机关"),
                                    empty_label=_("请选择机关"))
    window = forms.ModelChoiceField(Window.objects.none(), label=_("窗口"), required=False,
                                    empty_label=_("（不指定窗口）"))
    visited_at = forms.DateTimeField(label=_("察访时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                              format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    mode = forms.ChoiceField(label=_("方式"), choices=VisitMode.choices, widget=forms.RadioSelect,
                             initial=VisitMode.COVERT)
    summary = forms.CharField(label=_("概况"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agency_id = self.data.get("agency") or (self.initial.get("agency") and getattr(
            self.initial["agency"], "pk", self.initial["agency"]))
        if agency_id and str(agency_id).isdigit():
            self.fields["window"].queryset = Window.objects.filter(agency_id=agency_id)
        if not self.is_bound and "visited_at" not in self.initial:
            self.initial["visited_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class FindingForm(forms.Form):
    category = forms.ChoiceField(label=_("问题类别"), choices=FindingCategory.choices)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, initial=Severity.MINOR)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


FindingFormSet = formset_factory(FindingForm, extra=0, can_delete=True, max_num=20, absolute_max=20)


class AdjudicateForm(forms.Form):
    """The office's ruling on an appeal: 属实 keeps the finding, 不属实 reverses its deduction."""

    verdict = forms.ChoiceField(choices=[("true", _("属实")), ("false", _("不属实"))])
    note = forms.CharField(label=_("裁定意见"), required=False, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
