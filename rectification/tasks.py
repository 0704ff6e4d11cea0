"""Thin Celery entry points of the rectification loop: ids in, one service call."""
from __future__ import annotations

import smtplib

from celery import shared_task

from . import services
from .models import Notification

TEMPORARY_MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(name="rectification.notification_send", ignore_result=True, autoretry_for=TEMPORARY_MAIL_ERRORS,
             retry_backoff=10, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def notification_send(notification_id: int) -> None:
    if not Notification.objects.filter(pk=notification_id).exists():
        return
    services.notification_deliver(notification_id=notification_id)


@shared_task(name="rectification.notifications_sweep", ignore_result=True)
def notifications_sweep() -> int:
    return services.notifications_sweep()


@shared_task(name="rectification.notices_mark_overdue", ignore_result=True)
def notices_mark_overdue() -> int:
    return services.notices_mark_overdue()
