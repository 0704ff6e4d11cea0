"""One FilterSet per list, shared by the pages and the API."""
import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from agencies.filters import AgencyFilter, CycleFilter, mark_invalid
from surveys.choices import OpinionStatus
from surveys.models import Opinion

from .choices import NoticeSource, NoticeStatus
from .models import ProblemCategory, RectificationNotice


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
                choices = [(v, label) for v, label in field.choices if v not in ("", None)]
                if hasattr(field, "empty_label"):  # django-filter's ChoiceField adds its empty choice itself
                    field.empty_label = None if field.empty_label is None else _("全部")
                    field.choices = choices
                else:
                    field.choices = [("", _("全部")), *choices]

    def is_valid(self):
        valid = super().is_valid()
        mark_invalid(self.form)
        return valid


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


class DayField(forms.DateField):
    """A day from a date picker (`2026-03-05`), from 2000 to 2100 like `MomentField`."""

    widget = forms.DateInput(attrs={"type": "date", "min": "2000-01-01", "max": "2100-12-31"}, format="%Y-%m-%d")
    input_formats = ["%Y-%m-%d"]

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not 2000 <= value.year <= 2100:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class DayFilter(django_filters.Filter):
    """A moment field filtered by whole days in Shanghai time: from the start of the day (`gte`), or up to and
    including the day (`end=True`: before the next day's start)."""

    field_class = DayField

    def __init__(self, *args, end: bool = False, **kwargs):
        self.end = end
        kwargs["lookup_expr"] = "lt" if end else "gte"
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        day = value + datetime.timedelta(days=1) if self.end else value
        return super().filter(qs, timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)))


class NoticeFilterSet(StyledFilterSet):
    agency = django_filters.CharFilter(field_name="agency__code", label=_("机关编码"))
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices, label=_("状态"))
    source = django_filters.ChoiceFilter(choices=NoticeSource.choices, label=_("来源"))
    overdue = django_filters.BooleanFilter(label=_("逾期"))
    cycle = django_filters.CharFilter(field_name="cycle__code", label=_("评议周期"))

    class Meta:
        model = RectificationNotice
        fields = ["agency", "status", "source", "overdue", "cycle"]


class NoticeBoardFilterSet(NoticeFilterSet):
    """The office's board: the API's notice filters, with the agency and the cycle typed by name or code, the
    issue date from date pickers, and an overdue choice that refuses a value it does not know."""

    agency = AgencyFilter(field_name="agency", label=_("机关"))
    cycle = CycleFilter(field_name="cycle", label=_("评议周期"))
    overdue = django_filters.ChoiceFilter(choices=[("true", _("是")), ("false", _("否"))], method="by_overdue",
                                          label=_("逾期"))
    issued_after = DayFilter(field_name="issued_at", label=_("下发日期起"))
    issued_before = DayFilter(field_name="issued_at", end=True, label=_("下发日期止"))

    class Meta(NoticeFilterSet.Meta):
        fields = ["agency", "status", "source", "overdue", "cycle", "issued_after", "issued_before"]

    def by_overdue(self, queryset, name, value):
        return queryset.filter(overdue=value == "true")


OPINION_SORTS = {
    "newest": (_("最新提交"), ("-created_at", "-id")),
    "oldest": (_("最早提交"), ("created_at", "id")),
    "agency": (_("按机关"), ("agency__name", "-created_at", "-id")),
    "status": (_("按状态"), ("status", "-created_at", "-id")),
}


class OpinionFilterSet(StyledFilterSet):
    status = django_filters.ChoiceFilter(choices=OpinionStatus.choices, label=_("状态"))
    agency = AgencyFilter(field_name="agency", label=_("机关"))
    category = django_filters.ModelChoiceFilter(field_name="tags__category", to_field_name="code", distinct=True,
                                                queryset=ProblemCategory.objects.all(), label=_("问题类别"))
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte", label=_("提交时间起"))
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt", label=_("提交时间止"))
    q = django_filters.CharFilter(field_name="text", lookup_expr="icontains", label=_("内容包含"))
    sort = django_filters.ChoiceFilter(choices=[(key, label) for key, (label, _order) in OPINION_SORTS.items()],
                                       method="sort_by", label=_("排序"), empty_label=None)

    class Meta:
        model = Opinion
        fields = ["status", "agency", "category", "created_after", "created_before", "q", "sort"]

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*OPINION_SORTS[value][1])


class OpinionQueueFilterSet(OpinionFilterSet):
    """The office's triage queue: the API's opinion filters, with the submission dates from date pickers (the
    API keeps its ISO 8601 moments)."""

    created_after = DayFilter(field_name="created_at", label=_("提交日期起"))
    created_before = DayFilter(field_name="created_at", end=True, label=_("提交日期止"))
