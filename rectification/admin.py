from django.contrib import admin

from .models import CalendarDay, CommendationList, NoticeEvent, NoticeEvidence, Notification, RectificationNotice


class NoticeEventInline(admin.TabularInline):
    model = NoticeEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "actor", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class NoticeEvidenceInline(admin.TabularInline):
    model = NoticeEvidence
    extra = 0
    can_delete = False
    readonly_fields = ["name", "content_type", "size", "sha256", "round", "uploaded_at", "uploaded_by"]
    exclude = ["file", "extension"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(admin.ModelAdmin):
    """State changes go through the services (pages and API); the admin shows the record."""

    list_display = ["id", "agency", "source", "status", "deadline", "overdue", "issued_at"]
    list_filter = ["status", "source", "overdue", "cycle"]
    search_fields = ["text", "source_key", "agency__name", "agency__code"]
    readonly_fields = [f.name for f in RectificationNotice._meta.fields]
    inlines = [NoticeEvidenceInline, NoticeEventInline]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "recipient", "kind", "created_at", "sent_at", "attempts", "read_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipient__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CommendationList)
class CommendationListAdmin(admin.ModelAdmin):
    list_display = ["cycle", "snapshot_id", "published_at"]
    filter_horizontal = ["agencies"]
    readonly_fields = ["cycle", "snapshot_id", "published_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The office enters each year's holidays and adjusted working days from the State Council's notice."""

    list_display = ["day", "kind", "name"]
    list_filter = ["kind", "name"]
    search_fields = ["name"]
    date_hierarchy = "day"
    ordering = ["-day"]
