from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from conduct_eval.admin import ReadOnlyAdmin, ReadOnlyInline

from . import services
from .models import Invitation, Opinion, OpinionEvent, Survey


class SurveyForm(forms.ModelForm):
    def clean_dimensions(self):
        dimensions = self.cleaned_data["dimensions"] or services.default_dimensions()
        if not isinstance(dimensions, list):
            raise ValidationError("评价维度必须是维度编码的列表")
        try:
            services.dimensions_validate(dimensions)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["dimensions"]) from None
        return dimensions


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Created with the API's rules; once created its slug (printed in QR codes), cycle, kind and
    dimensions (the columns its responses fill) stay as they are, as in the API, which has no update."""

    form = SurveyForm
    list_display = ["slug", "title", "cycle", "kind", "opens_at", "closes_at"]
    list_filter = ["kind", "cycle"]
    search_fields = ["slug", "title"]

    def get_readonly_fields(self, request, obj=None):
        return ["slug", "cycle", "kind", "dimensions"] if obj else []


class OpinionEventInline(ReadOnlyInline):
    model = OpinionEvent
    fields = readonly_fields = ["at", "status", "note"]


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    """Read-only: opinions change status through the triage pages (which keep the history)."""

    list_display = ["receipt", "agency", "status", "created_at", "contact_masked"]
    list_filter = ["status", "survey"]
    search_fields = ["receipt", "text"]
    list_select_related = ["agency"]
    # The contact in plain text is for triage staff on the triage pages; here it stays masked.
    fields = ["receipt", "survey", "agency", "window", "text", "contact_masked", "status", "merged_into", "created_at"]
    readonly_fields = fields
    inlines = [OpinionEventInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Who was invited is not who voted: an invitation shows whether it was used, never a ballot.

    Tokens are issued (and shown once) on the invitations page; here the office may only move the
    validity of an unused one or withdraw it. A used invitation is history and stays as it is."""

    list_display = ["survey", "category", "valid_from", "valid_until", "used_at"]
    list_filter = ["survey", "category", ("used_at", admin.EmptyFieldListFilter)]
    fields = ["survey", "category", "valid_from", "valid_until", "used_at", "created_at"]
    readonly_fields = ["survey", "category", "used_at", "created_at"]

    def has_add_permission(self, request):
        return False

    def get_actions(self, request):
        # Withdrawing goes one invitation at a time, where a used one is refused (bulk delete would not ask).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.used_at is None)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.used_at is None)
