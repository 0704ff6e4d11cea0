"""Every write of the rectification loop: one function per state change (see the modules)."""
from .calendar import calendar_seed_from_library
from .notices import (
    notice_citizen_feedback,
    notice_issue,
    notice_may_respond,
    notice_may_verify,
    notice_respond,
    notice_verify,
    notice_withdraw,
    notices_mark_overdue,
)
from .notifications import (
    notification_deliver,
    notification_mark_read,
    notifications_queue,
    notifications_sweep,
)
from .ranking import ranking_outcomes_publish
from .triage import opinion_triage

__all__ = [
    "calendar_seed_from_library",
    "notice_citizen_feedback",
    "notice_issue",
    "notice_may_respond",
    "notice_may_verify",
    "notice_respond",
    "notice_verify",
    "notice_withdraw",
    "notices_mark_overdue",
    "notification_deliver",
    "notification_mark_read",
    "notifications_queue",
    "notifications_sweep",
    "opinion_triage",
    "ranking_outcomes_publish",
]
