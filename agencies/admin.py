from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Agency, AgencyGroup, Cycle, User, Window

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
