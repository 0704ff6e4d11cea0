from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Agency, AgencyGroup, Cycle, LoginLockout, User, Window

admin.site.site_header = _("机关作风评议系统 · 管理")
admin.site.site_title = _("机关作风评议系统")
admin.site.index_title = _("系统配置")


@admin.register(AgencyGroup)
class AgencyGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "has_service_window", "leader_in_charge", "active"]
    list_filter = ["group", "has_service_window", "active"]
    search_fields = ["code", "name"]
    inlines = [WindowInline]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["agency", "code", "name", "location"]
    list_filter = ["agency__group"]
    search_fields = ["code", "name", "agency__name"]
    list_select_related = ["agency"]


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


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    """Who is (being) locked out; deleting a row lifts that lock. Nothing else can be changed here."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "path_info"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    fields = list_display
    readonly_fields = list_display
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("解除锁定"), permissions=["delete"])
    def unlock(self, request, queryset):
        count, _rows = queryset.delete()
        self.message_user(request, _("已解除 %(count)d 条登录锁定") % {"count": count})
