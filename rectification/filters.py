"""One FilterSet per list, shared by the pages and the API."""
import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from agencies.models import Agency
from surveys.choices import OpinionStatus
from surveys.models import Opinion

from .choices import NoticeSource, NoticeStatus
from .models import RectificationNotice


class StyledFilterSet(django_filters.FilterSet):
    """Filters whose form looks like the rest of the pages: Bootstrap controls, "全部" for no choice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            select = isinstance(widget, forms.Select)
            widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = _("全部")
            elif isinstance(widget, forms.NullBooleanSelect):
                widget.choices = [("", _("全部")), ("true", _("是")), ("false", _("否"))]
            elif isinstance(field, forms.ChoiceField):
                field.choices = [("", _("全部")), *((v, label) for v, label in field.choices if v not in ("", None))]


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment, read in Shanghai time and from 2000 to 2100: PostgreSQL refuses an offset past ±15:59
    (`…-23:22`), and no opinion is older than the product."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        invalid = forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            value = timezone.localtime(value) if timezone.is_aware(value) else timezone.make_aware(value)
        except (OverflowError, ValueError):
            raise invalid from None
        if not 2000 <= value.year <= 2100:
            raise invalid
        return value


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class NoticeFilterSet(StyledFilterSet):
    agency = django_filters.CharFilter(field_name="agency__code", label=_("机关编码"))
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices, label=_("状态"))
    source = django_filters.ChoiceFilter(choices=NoticeSource.choices, label=_("来源"))
    overdue = django_filters.BooleanFilter(label=_("逾期"))
    cycle = django_filters.CharFilter(field_name="cycle__code", label=_("评议周期"))

    class Meta:
        model = RectificationNotice
        fields = ["agency", "status", "source", "overdue", "cycle"]


class OpinionFilterSet(StyledFilterSet):
    status = django_filters.ChoiceFilter(choices=OpinionStatus.choices, label=_("状态"))
    agency = django_filters.ModelChoiceFilter(field_name="agency", to_field_name="code",
                                              queryset=Agency.objects.all(), label=_("机关"))
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte", label=_("提交时间起"))
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt", label=_("提交时间止"))
    q = django_filters.CharFilter(field_name="text", lookup_expr="icontains", label=_("内容包含"))

    class Meta:
        model = Opinion
        fields = ["status", "agency", "created_after", "created_before", "q"]
