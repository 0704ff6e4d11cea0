"""Every write on groups, agencies, windows, cycles and users: one function per change.

Each runs in a transaction and validates the model (`full_clean`) before saving, so the
admin, the API and the demo loader share one set of rules. django-auditlog writes the
audit row in the same transaction.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conduct_eval.errors import ConflictError

from .choices import Role
from .models import Agency, AgencyGroup, Cycle, User, Window
from .scheme import normalize_scheme


def _save(obj):
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        # A concurrent writer took the code between the check and the insert: name the field.
        obj.validate_unique()
        obj.validate_constraints()
        raise
    return obj


@transaction.atomic
def agency_group_create(*, code: str, name: str, order: int = 0) -> AgencyGroup:
    return _save(AgencyGroup(code=code, name=name, order=order))


@transaction.atomic
def agency_create(*, code: str, name: str, group: AgencyGroup, has_service_window: bool = False,
                  leader_in_charge: str = "", active: bool = True) -> Agency:
    return _save(Agency(code=code, name=name, group=group, has_service_window=has_service_window,
                        leader_in_charge=leader_in_charge, active=active))


@transaction.atomic
def agency_update(*, agency: Agency, **changes: Any) -> Agency:
    allowed = {"name", "group", "has_service_window", "leader_in_charge", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "不可修改"))
    for key, value in changes.items():
        setattr(agency, key, value)
    return _save(agency)


@transaction.atomic
def window_create(*, agency: Agency, code: str, name: str, location: str = "") -> Window:
    if Window.objects.filter(agency=agency, code=code).exists():
        raise ValidationError({"code": f"窗口编码 {code} 在本机关已存在"})
    return _save(Window(agency=agency, code=code, name=name, location=location))


@transaction.atomic
def cycle_create(*, code: str, name: str, starts_on: date, ends_on: date, status: str = "draft",
                 scheme: dict | None = None) -> Cycle:
    return _save(Cycle(code=code, name=name, starts_on=starts_on, ends_on=ends_on, status=status,
                       scheme=normalize_scheme(scheme or {})))


@transaction.atomic
def cycle_update(*, cycle: Cycle, **changes: Any) -> Cycle:
    """Change a cycle; its scheme is frozen once the cycle is closed (409)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if "scheme" in changes:
        if cycle.is_locked:
            raise ConflictError("评议周期已结束，评分方案不可再修改")
        # A partial scheme updates the current one: omitted keys keep their values.
        changes["scheme"] = normalize_scheme({**cycle.scheme, **(changes["scheme"] or {})})
    for key, value in changes.items():
        setattr(cycle, key, value)
    return _save(cycle)


@transaction.atomic
def user_create(*, username: str, password: str, role: str, agency: Agency | None = None,
                assessor_unit: str = "", email: str = "", first_name: str = "") -> User:
    user = User(username=username, role=role, agency=agency if role == Role.AGENCY else None,
                assessor_unit=assessor_unit if role == Role.ASSESSOR else "", email=email,
                first_name=first_name, is_staff=role == Role.ADMIN)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    return _save(user)
