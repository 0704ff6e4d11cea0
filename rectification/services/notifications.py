"""The outbox: notifications are rows committed with the change that causes them, e-mailed after commit.

Exactly once, however the send is retried:
* a unique key per (notice, kind, seq, recipient) — the same event never makes two rows;
* a compare-and-set claim (`claimed_at` from NULL to now, committed before the hand-over to the
  mail backend) — two tasks, or a task and the sweep, never send the same row;
* the sweep releases a claim older than NOTIFICATION_CLAIM_LEASE (its worker died mid-send)
  and sends what is still pending, so a killed worker or a dead broker delays mail, never loses it.
The lease must exceed the longest hand-over (EMAIL_TIMEOUT); the stable Message-ID lets mail
clients fold a copy should a worker die after the backend accepted a message but before `sent_at`
was written — the one window no database can close.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Agency, User

from ..links import absolute_text
from ..models import Notification, RectificationNotice

logger = logging.getLogger(__name__)

# Seconds after which a claim whose sender never finished is taken to be dead (see the module docstring).
DEFAULT_CLAIM_LEASE = 600
SWEEP_BATCH = 500


def claim_lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "NOTIFICATION_CLAIM_LEASE", DEFAULT_CLAIM_LEASE))


def recipients_liaisons(agency: Agency) -> list[User]:
    return list(User.objects.filter(role=Role.AGENCY, agency=agency, is_active=True).order_by("id"))


def recipients_leader(agency: Agency) -> list[User]:
    leader = agency.leader_account
    return [leader] if leader is not None and leader.is_active else []


def notifications_queue(*, notice: RectificationNotice, kind: str, recipients: Iterable[User], subject: str,
                        body: str, seq: int = 1) -> list[int]:
    """Write one notification per recipient (once per key) in the caller's transaction; send after commit."""
    rows = [Notification(notice=notice, kind=kind, seq=seq, recipient=user, email=user.email or "",
                         subject=subject[:200], body=body) for user in {u.pk: u for u in recipients}.values()]
    if not rows:
        return []
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(Notification.objects.filter(notice=notice, kind=kind, seq=seq, recipient__in=[r.recipient for r in rows],
                                           sent_at__isnull=True).exclude(email="").values_list("id", flat=True))
    if ids:
        transaction.on_commit(lambda: enqueue_sends(ids), robust=True)
    return ids


def enqueue_sends(ids: list[int]) -> None:
    """Hand the sends to the workers. A dead broker costs one quick failure, never the request: the sweep
    sends later."""
    from ..tasks import notification_send  # tasks call services; imported here to keep the import graph one-way

    for position, notification_id in enumerate(ids):
        try:
            notification_send.delay(notification_id)
        except Exception as exc:  # any broker failure: the rows stay pending for the sweep
            logger.warning("broker unavailable (%s): %d notification(s) left for the sweep", exc, len(ids) - position)
            return


def notification_deliver(*, notification_id: int) -> bool:
    """E-mail one notification unless it is sent, claimed by another sender, or in-app only. True if sent now.

    Runs in autocommit: the claim is committed before the hand-over, the mark after it.
    """
    claimed_at = timezone.now()
    claimed = (Notification.objects.filter(pk=notification_id, sent_at__isnull=True, claimed_at__isnull=True)
               .exclude(email="").update(claimed_at=claimed_at, attempts=F("attempts") + 1))
    if claimed != 1:
        return False
    notification = Notification.objects.get(pk=notification_id)
    message = EmailMessage(subject=notification.subject, body=absolute_text(notification.body), to=[notification.email],
                           headers={"Message-ID": notification.message_id})
    try:
        message.send()
    except Exception as exc:
        # Give the row back at once so a retry (or the sweep) need not wait out the lease.
        Notification.objects.filter(pk=notification_id, claimed_at=claimed_at).update(
            claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:300])
        raise
    Notification.objects.filter(pk=notification_id, claimed_at=claimed_at).update(sent_at=timezone.now(),
                                                                                 last_error="")
    return True


def notifications_sweep(*, at: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Release claims older than the lease, then send what is pending. Returns the number sent."""
    at = at or timezone.now()
    released = Notification.objects.filter(sent_at__isnull=True, claimed_at__lt=at - claim_lease()).update(
        claimed_at=None)
    if released:
        logger.warning("released %d notification claim(s) whose sender died", released)
    pending = list(Notification.objects.filter(sent_at__isnull=True, claimed_at__isnull=True)
                   .exclude(email="").order_by("id").values_list("id", flat=True)[:limit])
    sent = 0
    for notification_id in pending:
        try:
            sent += notification_deliver(notification_id=notification_id)
        except Exception:  # one bad address must not stop the sweep; the row stays pending
            logger.exception("notification %s not sent; the next sweep tries again", notification_id)
    return sent


def notifications_unread(user: User):
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of `user` read."""
    query = Q(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        query &= Q(pk=notification_id)
    return Notification.objects.filter(query).update(read_at=timezone.now())
