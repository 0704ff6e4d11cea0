from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from conduct_eval.admin import ReadOnlyAdmin, ReadOnlyInline, service_action

from . import services
from .models import (
    CalendarDay,
    CommendationList,
    NoticeEvent,
    NoticeEvidence,
    Notification,
    ProblemCategory,
    RectificationNotice,
)


class NoticeEventInline(ReadOnlyInline):
    model = NoticeEvent
    fields = readonly_fields = ["at", "action", "actor", "note"]


class NoticeEvidenceInline(ReadOnlyInline):
    model = NoticeEvidence
    fields = readonly_fields = ["name", "content_type", "size", "sha256", "round", "uploaded_at", "uploaded_by"]


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(ReadOnlyAdmin):
    """State changes go through the services (pages, API and the actions here); the admin shows the record."""

    list_display = ["id", "agency", "source", "status", "deadline", "overdue", "issued_at"]
    list_filter = ["status", "source", "overdue", "cycle"]
    search_fields = ["text", "source_key", "agency__name", "agency__code"]
    list_select_related = ["agency"]
    inlines = [NoticeEvidenceInline, NoticeEventInline]
    actions = [
        service_action(name="verify", label=_("核验办结"),
                       call=lambda n, actor, reason: services.notice_verify(notice=n, actor=actor, accepted=True,
                                                                            comment=reason)),
        service_action(name="return_to_agency", label=_("退回重新整改"), reason_required=True,
                       call=lambda n, actor, reason: services.notice_verify(notice=n, actor=actor, accepted=False,
                                                                            comment=reason)),
    ]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox: the sweep re-sends what is pending; nobody edits a message or its delivery state."""

    list_display = ["id", "subject", "recipient", "kind", "created_at", "sent_at", "attempts", "read_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipient__username"]
    list_select_related = ["recipient"]


@admin.register(CommendationList)
class CommendationListAdmin(ReadOnlyAdmin):
    """Published from a final snapshot by the ranking service; the list of agencies is the record."""

    list_display = ["cycle", "snapshot_id", "published_at"]
    fields = readonly_fields = ["cycle", "snapshot_id", "published_at", "agencies"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The office enters each year's holidays and adjusted working days from the State Council's notice."""

    list_display = ["day", "kind", "name"]
    list_filter = ["kind", "name"]
    search_fields = ["name"]
    date_hierarchy = "day"
    ordering = ["-day"]


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(admin.ModelAdmin):
    """The office's list of problem categories for opinions. One in use cannot be deleted: retire it instead."""

    list_display = ["name", "code", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
