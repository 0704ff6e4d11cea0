"""Forms of scoring's pages: the office books and reverses ledger entries."""
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.filters import AgencyField, CycleField, GroupField, InvalidMarked
from agencies.models import Agency

from .choices import EntryKind

BOOKABLE_KINDS = [EntryKind.BONUS, EntryKind.DEDUCTION, EntryKind.VETO]


class EntryForm(forms.Form):
    """加分 / 扣分 / 一票否决 — the service checks the points (> 0, two decimals; 0 for a veto)."""

    agency = forms.ModelChoiceField(label=_("机关"), queryset=Agency.objects.filter(active=True).order_by("code"),
                                    to_field_name="code")
    kind = forms.ChoiceField(label=_("类别"), choices=[(k.value, k.label) for k in BOOKABLE_KINDS])
    points = forms.DecimalField(label=_("分值"), required=False, max_digits=7, decimal_places=2)
    reason = forms.CharField(label=_("事由"), max_length=500)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲销理由"), max_length=500)


class LedgerFilterForm(InvalidMarked, forms.Form):
    """The ledger's filters: the cycle and the agency by name or code; a value that names nothing is an error."""

    cycle = CycleField(label=_("周期"), required=False)
    agency = AgencyField(label=_("机关"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "f-%s")  # beside the booking form's own `id_agency`
        super().__init__(*args, **kwargs)
        self.fields["agency"].widget.attrs["class"] = "form-control form-control-sm"


class DashboardFilterForm(InvalidMarked, forms.Form):
    """The dashboard's period (one that has a snapshot) and group (by name or code); a value that names nothing
    is an error under its field."""

    cycle = forms.CharField(label=_("周期"), required=False)  # read by the view, which needs it first
    period = forms.CharField(label=_("期间"), required=False, max_length=20)
    group = GroupField(label=_("分组"), required=False)

    def __init__(self, *args, periods=(), **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        self.periods = list(periods)

    def clean_period(self):
        period = self.cleaned_data["period"]
        if period and period not in self.periods:
            raise forms.ValidationError(_("本周期没有这一期间的排名快照：%(period)s"), code="invalid_choice",
                                        params={"period": period})
        return period or None
