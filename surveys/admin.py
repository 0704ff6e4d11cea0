from django.contrib import admin

from .models import Invitation, Opinion, OpinionEvent, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "cycle", "kind", "opens_at", "closes_at"]
    list_filter = ["kind", "cycle"]
    search_fields = ["slug", "title"]


class OpinionEventInline(admin.TabularInline):
    model = OpinionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Opinion)
class OpinionAdmin(admin.ModelAdmin):
    """Read-only: opinions change status through the triage pages (which keep the history)."""

    list_display = ["receipt", "agency", "status", "created_at", "contact_masked"]
    list_filter = ["status", "survey"]
    search_fields = ["receipt", "text"]
    list_select_related = ["agency"]
    # The contact in plain text is for triage staff on the triage pages; here it stays masked.
    fields = ["receipt", "survey", "agency", "window", "text", "contact_masked", "status", "merged_into", "created_at"]
    readonly_fields = fields
    inlines = [OpinionEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Who was invited is not who voted: an invitation shows whether it was used, never a ballot."""

    list_display = ["survey", "category", "valid_from", "valid_until", "used_at"]
    list_filter = ["survey", "category", ("used_at", admin.EmptyFieldListFilter)]
    fields = ["survey", "category", "valid_from", "valid_until", "used_at", "created_at"]
    readonly_fields = ["survey", "category", "used_at", "created_at"]

    def has_add_permission(self, request):
        return False  # tokens are issued (and shown once) on the invitations page
