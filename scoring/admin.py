from django.contrib import admin

from .models import Assessment, Indicator, RankingSnapshot, Scorecard, ScoreEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only data: visible in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScoreEntry)
class ScoreEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "cycle", "agency", "kind", "points", "reason", "source", "reverses", "created_by",
                    "created_at"]
    list_filter = ["cycle", "kind", "source"]
    search_fields = ["agency__name", "agency__code", "reason", "source_key"]
    list_select_related = ["cycle", "agency", "reverses", "created_by"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["cycle", "code", "name", "max_points", "assessor_unit"]
    list_filter = ["cycle", "assessor_unit"]
    search_fields = ["code", "name"]
    list_select_related = ["cycle"]


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
