from auditlog.models import LogEntry
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from conduct_eval.errors import ConflictError

from . import services
from .choices import CycleStatus, Role
from .models import Agency, AgencyGroup, Cycle, LoginLockout, User, Window

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


class CycleAdminForm(forms.ModelForm):
    """A new cycle starts as a draft or open; the scheme of a closed or published cycle is refused here too."""

    class Meta:
        model = Cycle
        fields = ["code", "name", "starts_on", "ends_on", "status", "scheme"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            self.fields["status"].choices = [(value, label) for value, label in CycleStatus.choices
                                             if value in (CycleStatus.DRAFT, CycleStatus.OPEN)]

    def clean_scheme(self):
        scheme = self.cleaned_data.get("scheme")
        if self.instance.pk and self.instance.is_locked and scheme != self.instance.scheme:
            raise ValidationError(_("评议周期已结束，评分方案不可再修改"))
        return scheme


def _status_action(status: str, description):
    """An admin action moving the selected cycles to `status` through the state machine's one service."""

    def action(modeladmin, request, queryset):
        for cycle in queryset.order_by("code"):
            try:
                services.cycle_status_change(cycle=cycle, status=status, actor=request.user)
            except ConflictError as exc:
                modeladmin.message_user(request, f"{cycle.code}：{exc}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{cycle.code}：{CycleStatus(status).label}", messages.SUCCESS)

    action.__name__ = f"cycle_to_{status}"
    return admin.action(description=description)(action)


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    """Status is read-only on a cycle's page: it moves only by the actions, through `cycle_status_change`."""

    form = CycleAdminForm
    list_display = ["code", "name", "starts_on", "ends_on", "status"]
    list_filter = ["status"]
    actions = [
        _status_action(CycleStatus.OPEN, _("开放（草稿→进行中，或已结束→重新开放）")),
        _status_action(CycleStatus.CLOSED, _("结束评议周期")),
        _status_action(CycleStatus.PUBLISHED, _("公布评议结果")),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["status", "scheme"] if obj.is_locked else ["status"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if not change:
            saved = services.cycle_create(code=obj.code, name=obj.name, starts_on=obj.starts_on, ends_on=obj.ends_on,
                                          status=obj.status, scheme=obj.scheme)
        else:
            data.pop("code", None)
            data.pop("status", None)
            saved = services.cycle_update(cycle=obj, **data) if data else obj
        obj.pk = saved.pk


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
