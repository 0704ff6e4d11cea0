from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from conduct_eval.admin import ReadOnlyAdmin, service_action

from . import services
from .models import Assessment, Indicator, PublicRelease, RankingSnapshot, Scorecard, ScoreEntry


@admin.register(ScoreEntry)
class ScoreEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "cycle", "agency", "kind", "points", "reason", "source", "reverses", "created_by",
                    "created_at"]
    list_filter = ["cycle", "kind", "source"]
    search_fields = ["agency__name", "agency__code", "reason", "source_key"]
    list_select_related = ["cycle", "agency", "reverses", "created_by"]
    actions = [
        service_action(name="reverse", label=_("冲销（记一笔相反的台账）"), reason_required=True,
                       call=lambda e, actor, reason: services.score_entry_reverse(entry=e, reason=reason, actor=actor)),
    ]


class IndicatorForm(forms.ModelForm):
    def clean_cycle(self):
        # indicator_create's rule: a closed cycle's assessment items are final (the model checks the rest).
        cycle = self.cleaned_data["cycle"]
        if cycle is not None and cycle.is_locked:
            raise ValidationError(_("评议周期 %(code)s 已结束，不能再登记") % {"code": cycle.code})
        return cycle


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    form = IndicatorForm
    list_display = ["cycle", "code", "name", "max_points", "assessor_unit"]
    list_filter = ["cycle", "assessor_unit"]
    search_fields = ["code", "name"]
    list_select_related = ["cycle"]

    def get_readonly_fields(self, request, obj=None):
        return ["cycle", "code"] if obj else []

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.cycle.is_locked)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.cycle.is_locked)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "agency", "revision", "points", "note", "assessed_by", "assessed_at"]
    list_filter = ["indicator__cycle", "indicator__assessor_unit"]
    search_fields = ["agency__name", "indicator__name"]
    list_select_related = ["indicator", "agency", "assessed_by"]


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["id", "cycle", "period", "final", "computed_at", "computed_by", "digest"]
    list_filter = ["cycle", "final"]
    list_select_related = ["cycle", "computed_by"]


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ["snapshot", "agency", "group_code", "total", "rank_overall", "rank_in_group", "outcome", "veto"]
    list_filter = ["snapshot__cycle", "outcome", "group_code"]
    search_fields = ["agency__name", "agency__code"]
    list_select_related = ["snapshot", "snapshot__cycle", "agency"]


@admin.register(PublicRelease)
class PublicReleaseAdmin(ReadOnlyAdmin):
    """Which period results the office has shown on /public/ (released and withdrawn on the dashboard)."""

    list_display = ["snapshot", "released_at", "released_by", "withdrawn_at", "withdrawn_by"]
    list_select_related = ["snapshot__cycle", "released_by", "withdrawn_by"]
