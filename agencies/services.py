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
from django.db.models import F
from django.utils import timezone

from conduct_eval.errors import ConflictError

from .choices import CycleStatus, Role
from .models import Agency, AgencyGroup, Cycle, User, Window
from .scheme import SchemeError, normalize_scheme


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


# The cycle's state machine (DESIGN.md "Cycle"): forward only, one step at a time, except that a
# closed cycle may go back to open until its final snapshot exists; published never moves.
CYCLE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CycleStatus.DRAFT: (CycleStatus.OPEN,),
    CycleStatus.OPEN: (CycleStatus.CLOSED,),
    CycleStatus.CLOSED: (CycleStatus.PUBLISHED, CycleStatus.OPEN),
    CycleStatus.PUBLISHED: (),
}
_CREATE_STATUSES = (CycleStatus.DRAFT, CycleStatus.OPEN)


def _status_label(status: str) -> str:
    return str(CycleStatus(status).label) if status in CycleStatus.values else status


def cycle_inputs_changed(cycle_id: int | None = None, *, all_cycles: bool = False) -> None:
    """Record, in the caller's transaction, that an input of a cycle's scores changed (or of every cycle's).

    One UPDATE of the cycle row: the version rises with the write's commit, or not at all if it rolls back.
    Writers that come in bursts (survey responses) call it once per batch, not once per row.
    """
    cycles = Cycle.objects.all() if all_cycles else Cycle.objects.filter(pk=cycle_id)
    cycles.update(inputs_version=F("inputs_version") + 1, inputs_changed_at=timezone.now())


def cycle_has_final(cycle: Cycle) -> bool:
    """Whether the cycle's final annual snapshot exists (read through the reverse relation: no scoring import)."""
    return cycle.snapshots.filter(final=True).exists()


def cycle_refuse_locked(cycle: Cycle | None, what: str = "登记") -> None:
    """409 when `cycle` is closed or published: entries, assessments, visits and notices are refused then.

    The status is read from the database, not from the object handed in, so a cycle closed a moment
    ago by another request is not written into on a stale copy.
    """
    if cycle is None:
        return
    status = cycle.status
    if not cycle.is_locked and cycle.pk is not None:
        status = Cycle.objects.filter(pk=cycle.pk).values_list("status", flat=True).first() or status
    if status in (CycleStatus.CLOSED, CycleStatus.PUBLISHED):
        raise ConflictError(f"评议周期 {cycle.code} {_status_label(status)}，不能再{what}")


def cycle_moves(cycle: Cycle) -> list[str]:
    """The statuses `cycle` may move to now (what the pages offer); reopening ends with the final snapshot."""
    moves = list(CYCLE_TRANSITIONS[cycle.status])
    if cycle.status == CycleStatus.CLOSED and cycle_has_final(cycle):
        moves.remove(CycleStatus.OPEN)
    return moves


@transaction.atomic
def cycle_create(*, code: str, name: str, starts_on: date, ends_on: date, status: str = CycleStatus.DRAFT,
                 scheme: dict | None = None) -> Cycle:
    """A new cycle, as a draft or already open (closing and publishing go through `cycle_status_change`)."""
    if status not in _CREATE_STATUSES:
        raise ValidationError({"status": "新建的评议周期只能是草稿（draft）或进行中（open）"})
    return _save(Cycle(code=code, name=name, starts_on=starts_on, ends_on=ends_on, status=status,
                       scheme=normalize_scheme(scheme or {})))


@transaction.atomic
def cycle_status_change(*, cycle: Cycle, status: str, actor: User | None = None) -> Cycle:
    """Move a cycle along draft → open → closed → published (closed → open until the final snapshot exists).

    Any other move is a 409 naming both states; the same status again changes nothing. The row is
    locked, so two offices closing and reopening at once are serialised.
    """
    if status not in CycleStatus.values:
        raise ValidationError({"status": f"状态应为 {', '.join(CycleStatus.values)}"})
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status == status:
        return cycle
    if status not in CYCLE_TRANSITIONS[cycle.status]:
        raise ConflictError(f"评议周期不能从“{_status_label(cycle.status)}”改为“{_status_label(status)}”")
    if cycle.status == CycleStatus.CLOSED and status == CycleStatus.OPEN and cycle_has_final(cycle):
        raise ConflictError("年度最终结果已生成，评议周期不能再重新开放")
    cycle.status = status
    cycle.save(update_fields=["status"])
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, **changes: Any) -> Cycle:
    """Change a cycle. The scheme changes only while draft or open (else 409), and validated (400 naming
    the key); a status change goes through `cycle_status_change`, after the other changes."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    status = changes.pop("status", None)
    if "scheme" in changes:
        if cycle.is_locked:
            raise ConflictError("评议周期已结束，评分方案不可再修改")
        # A partial scheme updates the current one: omitted keys keep their values.
        try:
            changes["scheme"] = normalize_scheme({**cycle.scheme, **(changes["scheme"] or {})})
        except SchemeError as exc:
            raise ValidationError({"scheme": exc.messages}) from None
    if changes:
        # The scheme and the dates are inputs of every score of the cycle (the dates bound its periods).
        moves_scores = any(getattr(cycle, key) != value for key, value in changes.items()
                           if key in ("scheme", "starts_on", "ends_on"))
        for key, value in changes.items():
            setattr(cycle, key, value)
        cycle = _save(cycle)
        if moves_scores:
            cycle_inputs_changed(cycle.pk)
            cycle.refresh_from_db(fields=["inputs_version", "inputs_changed_at"])
    if status is not None:
        cycle = cycle_status_change(cycle=cycle, status=status)
    return cycle


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
