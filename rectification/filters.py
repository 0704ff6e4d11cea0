"""One FilterSet per list, shared by the pages and the API."""
import django_filters
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from surveys.choices import OpinionStatus
from surveys.models import Opinion

from .choices import NoticeSource, NoticeStatus
from .models import RectificationNotice


class NoticeFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__code", label=_("机关编码"))
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices, label=_("状态"))
    source = django_filters.ChoiceFilter(choices=NoticeSource.choices, label=_("来源"))
    overdue = django_filters.BooleanFilter(label=_("逾期"))
    cycle = django_filters.CharFilter(field_name="cycle__code", label=_("评议周期"))

    class Meta:
        model = RectificationNotice
        fields = ["agency", "status", "source", "overdue", "cycle"]


class OpinionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OpinionStatus.choices, label=_("状态"))
    agency = django_filters.ModelChoiceFilter(field_name="agency", to_field_name="code",
                                              queryset=Agency.objects.all(), label=_("机关"))
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label=_("提交时间起"))
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label=_("提交时间止"))
    q = django_filters.CharFilter(field_name="text", lookup_expr="icontains", label=_("内容包含"))

    class Meta:
        model = Opinion
        fields = ["status", "agency", "created_after", "created_before", "q"]
