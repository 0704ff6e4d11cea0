from django.contrib import admin

from .models import Evidence, Finding, Visit


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ["category", "severity", "description", "status", "appeal_status"]
    readonly_fields = ["status", "appeal_status"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["finding", "content_type", "size", "sha256", "uploaded_at", "captured_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["agency", "visited_at", "mode", "inspector", "status"]
    list_filter = ["mode", "status", "agency__group"]
    search_fields = ["agency__name", "summary"]
    list_select_related = ["agency", "inspector"]
    inlines = [FindingInline, EvidenceInline]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    """Review happens on the office's page (it books entries and issues notices); here it is read only."""

    list_display = ["visit", "category", "severity", "status", "appeal_status"]
    list_filter = ["status", "severity", "category", "appeal_status"]
    list_select_related = ["visit__agency"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at", "appeal_status", "adjudicated_at"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["visit", "finding", "content_type", "size", "uploaded_at"]
    readonly_fields = [f.name for f in Evidence._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
