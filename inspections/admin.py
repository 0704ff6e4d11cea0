from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from conduct_eval.admin import ReadOnlyAdmin, ReadOnlyInline, service_action

from . import services
from .models import Evidence, Finding, Visit


class FindingInline(ReadOnlyInline):
    model = Finding
    fields = ["category", "severity", "description", "status", "appeal_status"]
    readonly_fields = fields
    show_change_link = True


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["finding", "content_type", "size", "sha256", "uploaded_at", "captured_at"]
    readonly_fields = fields


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    """Inspectors write visits on /inspect/; the admin shows the record with its findings and photos."""

    list_display = ["agency", "visited_at", "mode", "inspector", "status"]
    list_filter = ["mode", "status", "agency__group"]
    search_fields = ["agency__name", "summary"]
    list_select_related = ["agency", "inspector"]
    inlines = [FindingInline, EvidenceInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    """Review goes through the services (they book the entry and issue the notice), from here as from the page."""

    list_display = ["visit", "category", "severity", "status", "appeal_status"]
    list_filter = ["status", "severity", "category", "appeal_status"]
    list_select_related = ["visit__agency"]
    actions = [
        service_action(name="confirm", label=_("确认问题（记分并下发整改通知）"),
                       call=lambda f, actor, reason: services.finding_confirm(finding=f, actor=actor, reason=reason)),
        service_action(name="dismiss", label=_("不予认定"), reason_required=True,
                       call=lambda f, actor, reason: services.finding_dismiss(finding=f, actor=actor, reason=reason)),
        service_action(name="appeal_rejected", label=_("申诉裁定：属实（维持问题）"),
                       call=lambda f, actor, reason: services.finding_adjudicate(finding=f, actor=actor,
                                                                                 finding_true=True, note=reason)),
        service_action(name="appeal_upheld", label=_("申诉裁定：不属实（冲销扣分）"), reason_required=True,
                       call=lambda f, actor, reason: services.finding_adjudicate(finding=f, actor=actor,
                                                                                 finding_true=False, note=reason)),
    ]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["visit", "finding", "content_type", "size", "uploaded_at"]
    list_select_related = ["visit__agency", "finding"]
