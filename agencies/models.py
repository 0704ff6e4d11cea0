from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import CycleStatus, Role
from .scheme import SchemeError, normalize_scheme


class AgencyGroup(models.Model):
    """机关分组 — a group of agencies ranked together (e.g. 窗口服务部门)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("机关分组")
        verbose_name_plural = _("机关分组")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Agency(models.Model):
    """被评议机关 — a municipal agency under evaluation."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    group = models.ForeignKey(AgencyGroup, models.PROTECT, related_name="agencies", verbose_name=_("分组"))
    has_service_window = models.BooleanField(_("有服务窗口"), default=False)
    leader_in_charge = models.CharField(_("分管市领导"), max_length=50, blank=True)
    # The leader's account, when the leader uses ConductEval: reminders and reminder talks reach it.
    leader_account = models.ForeignKey("User", models.SET_NULL, null=True, blank=True, related_name="led_agencies",
                                       verbose_name=_("分管市领导账号"), limit_choices_to={"role": Role.LEADER})
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("机关")
        verbose_name_plural = _("机关")
        ordering = ["group__order", "code"]

    def __str__(self):
        return self.name


class Window(models.Model):
    """服务窗口 — one of an agency's service windows; its QR code opens the survey."""

    agency = models.ForeignKey(Agency, models.CASCADE, related_name="windows", verbose_name=_("机关"))
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    location = models.CharField(_("位置"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("服务窗口")
        verbose_name_plural = _("服务窗口")
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="window_code_unique_per_agency")]

    def __str__(self):
        return f"{self.agency.name} · {self.name}"


class Cycle(models.Model):
    """评议周期 — an evaluation year with its scheme (every number of the method)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.DRAFT)
    scheme = models.JSONField(_("评分方案"), default=dict, blank=True)
    # Bumped (agencies.services.cycle_inputs_changed) by every write that changes an input of the cycle's
    # scores, so that a recompute can tell at once that nothing changed since its newest snapshot.
    inputs_version = models.PositiveBigIntegerField(_("输入版本"), default=0, editable=False)
    inputs_changed_at = models.DateTimeField(_("输入变更时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("评议周期")
        verbose_name_plural = _("评议周期")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="cycle_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    _VERSION_FIELDS = ("inputs_version", "inputs_changed_at")

    def save(self, *args, **kwargs):
        # The input version moves only by `cycle_inputs_changed`'s UPDATE: a full save of a copy read
        # before a concurrent bump must not write the older version back (a recompute would then take
        # changed inputs for unchanged ones).
        if (self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None
                and not kwargs.get("force_insert") and not (args and args[0])):
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name not in self._VERSION_FIELDS]
        super().save(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        """A closed or published cycle's scheme may no longer change."""
        return self.status in (CycleStatus.CLOSED, CycleStatus.PUBLISHED)

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("结束日期不能早于开始日期")
        try:
            self.scheme = normalize_scheme(self.scheme)
        except SchemeError as exc:
            errors["scheme"] = exc.messages
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """系统用户 — with one role; a liaison is bound to one agency, an assessor to one unit."""

    # No role until one is given: a role-less account signs in but sees nothing a role grants.
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, blank=True, default="")
    agency = models.ForeignKey(Agency, models.PROTECT, null=True, blank=True, related_name="liaisons",
                               verbose_name=_("所属机关"))
    assessor_unit = models.CharField(_("考评单位"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.AGENCY) | models.Q(agency__isnull=False),
                name="liaison_has_agency",
            ),
        ]

    @property
    def effective_role(self) -> str:
        """A superuser is an administrator whatever the role field says; "" when no role is given."""
        return Role.ADMIN if self.is_superuser else self.role

    def clean(self):
        super().clean()
        if self.role == Role.AGENCY and not self.agency_id:
            raise ValidationError({"agency": _("单位联络员必须绑定一个机关")})
        if self.role == Role.ASSESSOR and not self.assessor_unit:
            raise ValidationError({"assessor_unit": _("考评员必须填写考评单位")})


class LoginLockout(AccessAttempt):
    """登录失败记录 — django-axes' count of wrong passwords for one username from one client address.

    At LOGIN_FAILURE_LIMIT the pair is locked for LOGIN_LOCKOUT_MINUTES; deleting the row lifts
    the lock at once (the office does that in the admin when a colleague calls).
    """

    class Meta:
        proxy = True
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
