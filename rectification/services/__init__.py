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
from .triage import (
    BulkOutcome,
    opinion_tags_change,
    opinion_triage,
    opinions_triage_bulk,
    route_deadline,
    triage_public_note,
)

__all__ = [
    "BulkOutcome",
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
    "opinion_tags_change",
    "opinion_triage",
    "opinions_triage_bulk",
    "ranking_outcomes_publish",
    "route_deadline",
    "triage_public_note",
]
