"""Forms of scoring's pages: the office books and reverses ledger entries."""
from django import forms
from django.utils.translation import gettext_lazy as _

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
