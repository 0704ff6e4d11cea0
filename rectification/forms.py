from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.filters import AgencyField
from agencies.models import Agency
from conduct_eval.forms import StyledFormMixin

from .choices import BulkAction, CitizenAnswer, TriageAction
from .models import ProblemCategory


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


REPLY_LABEL = _("答复群众（公开：群众在“查询办理进度”页面看到）")
INTERNAL_NOTE_LABEL = _("内部备注（仅办公室可见，群众看不到）")


class TriageForm(forms.Form):
    action = forms.ChoiceField(label=_("处理方式"), choices=TriageAction.choices)
    agency = forms.ModelChoiceField(label=_("转交机关"), queryset=Agency.objects.filter(active=True),
                                    to_field_name="code", required=False)
    merge_into = forms.IntegerField(label=_("合并到意见编号"), required=False, min_value=1)
    note = forms.CharField(label=REPLY_LABEL, required=False, max_length=1000)
    internal_note = forms.CharField(label=INTERNAL_NOTE_LABEL, required=False, max_length=1000)


class OpinionIdsField(forms.Field):
    """The opinions ticked on the page (`ids` repeated), as a list of ids."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("请先勾选意见"), "invalid": _("应为意见编号")}

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        if not all(isinstance(v, str) and v.isdigit() and len(v) < 12 for v in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return [int(v) for v in values]


class BulkTriageForm(forms.Form):
    """One action on the opinions ticked on the triage page."""

    ids = OpinionIdsField(label=_("所选意见"))
    action = forms.ChoiceField(label=_("批量操作"), choices=BulkAction.choices)
    agency = AgencyField(label=_("转交机关（不填则转交各自所属机关）"), required=False)
    merge_into = forms.IntegerField(label=_("合并到（主意见编号）"), required=False, min_value=1)
    categories = forms.ModelMultipleChoiceField(label=_("问题类别"), required=False, to_field_name="code",
                                                queryset=ProblemCategory.objects.filter(active=True),
                                                widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=REPLY_LABEL, required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    internal_note = forms.CharField(label=INTERNAL_NOTE_LABEL, required=False, max_length=1000,
                                    widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == BulkAction.MERGE and not data.get("merge_into"):
            self.add_error("merge_into", _("合并时请选择主意见"))
        if action == BulkAction.REJECT and not (data.get("note") or "").strip():
            self.add_error("note", _("不予采纳时请填写答复群众的理由"))
        if action in (BulkAction.TAG, BulkAction.UNTAG) and not data.get("categories"):
            self.add_error("categories", _("请选择问题类别"))
        return data


class FeedbackForm(forms.Form):
    answer = forms.ChoiceField(choices=CitizenAnswer.choices)
