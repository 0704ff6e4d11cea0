from auditlog.models import LogEntry
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .models import Agency, AgencyGroup, Cycle, User, Window

admin.site.site_header = _("机关作风评议系统 · 管理")
admin.site.site_title = _("机关作风评议系统")
admin.site.index_title = _("系统配置")


@admin.register(AgencyGroup)
class AgencyGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # the API's key: it never changes (the API has no update)


class WindowInlineForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True  # an existing window's code is printed in its QR code


class WindowInline(admin.TabularInline):
    model = Window
    form = WindowInlineForm
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "has_service_window", "leader_in_charge", "active"]
    list_filter = ["group", "has_service_window", "active"]
    search_fields = ["code", "name"]
    inlines = [WindowInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # printed in QR codes and the API's key: agency_update refuses it too


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["agency", "code", "name", "location"]
    list_filter = ["agency__group"]
    search_fields = ["code", "name", "agency__name"]
    list_select_related = ["agency"]

    def get_readonly_fields(self, request, obj=None):
        return ["agency", "code"] if obj else []  # printed in the window's QR code


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "starts_on", "ends_on", "status"]
    list_filter = ["status"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "role", "agency", "assessor_unit", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [*BaseUserAdmin.fieldsets, (_("角色"), {"fields": ["role", "agency", "assessor_unit"]})]
    add_fieldsets = [*BaseUserAdmin.add_fieldsets, (_("角色"), {"fields": ["role", "agency", "assessor_unit"]})]

    def get_deleted_objects(self, objs, request):
        # The audit log would keep only an e-mail address of a deleted actor (auditlog's SET_NULL):
        # a user who changed anything is deactivated instead, and the admin says so.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        users = {user.pk: user for user in objs}
        acted = (LogEntry.objects.filter(actor_id__in=users).values("actor_id").annotate(n=Count("id"))
                 .values_list("actor_id", "n"))
        protected = [*protected, *(_("%(user)s 的 %(count)d 条审计日志（请停用该账号，而不是删除）")
                                   % {"user": users[pk], "count": n} for pk, n in acted)]
        return deleted, counts, perms_needed, protected

    def save_model(self, request, obj, form, change):
        # The role's rules (a liaison has an agency, an assessor a unit) are the model's clean, which the
        # form ran; what user_create does beyond them is done here too, so both faces make the same user.
        if obj.role != Role.AGENCY:
            obj.agency = None
        if obj.role != Role.ASSESSOR:
            obj.assessor_unit = ""
        if not change:
            obj.is_staff = obj.role == Role.ADMIN
        super().save_model(request, obj, form, change)
