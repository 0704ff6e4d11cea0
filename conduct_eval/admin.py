"""What every app's admin shares: read-only views of the records that only services write, and admin
actions that hand the selected rows to those services (with the office's reason, when one is needed).

The admin is a window onto the record, not a side door: a finding is confirmed, an entry reversed and
a notice verified by the same service functions the pages and the API call, with their checks, their
audit rows and their notifications; no admin form ever writes such a row's fields.
"""
from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from agencies.access import is_admin
from conduct_eval.errors import ConflictError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by services: visible in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """A service-written record's history or attachments, shown under it and never edited."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             max_length=500)


def service_action(*, name: str, label, call: Callable, reason_required: bool = False):
    """An admin action that asks for a reason on an intermediate page, then calls
    `call(obj, actor=request.user, reason=…)` (a service) once per selected row.

    A row the service refuses (a 409 or a 400 on the API) is reported by name with the service's
    message; the others go ahead, each in its own transaction (the services are atomic)."""

    def action(modeladmin, request, queryset):
        if not is_admin(request.user):
            raise PermissionDenied
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid() and (form.cleaned_data["reason"].strip() or not reason_required):
            done = 0
            for obj in queryset:
                try:
                    call(obj, actor=request.user, reason=form.cleaned_data["reason"])
                    done += 1
                except (ConflictError, ValidationError, PermissionDenied) as exc:
                    text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
            if done:
                modeladmin.message_user(request, _("%(action)s：%(count)d 条已完成") % {"action": label, "count": done},
                                        messages.SUCCESS)
            return None
        if form.is_bound and reason_required:
            form.add_error("reason", _("请填写理由"))
        return TemplateResponse(request, "admin/service_action.html", {
            **modeladmin.admin_site.each_context(request),
            "title": label,
            "opts": modeladmin.model._meta,
            "objects": queryset,
            "form": form,
            "action": name,
            "reason_required": reason_required,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        })

    action.__name__ = name
    action.short_description = label
    action.allowed_permissions = ("view",)  # the rows are read-only: acting is the office's, checked above
    return action
