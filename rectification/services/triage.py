"""The office's triage of citizen opinions: route to an agency (a notice follows), merge, or reject.

Every step goes through surveys' `opinion_set_status`, so the citizen sees it on /track/.
"""
from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from surveys.choices import OpinionStatus
from surveys.models import Opinion
from surveys.selectors import opinion_merge_root
from surveys.services import opinion_lock_new, opinion_set_status

from ..choices import NoticeSource, TriageAction
from .notices import notice_issue

NOTE_MAX_LENGTH = 1000


@transaction.atomic
def opinion_triage(*, opinion: Opinion, action: str, note: str = "", agency: Agency | None = None,
                   merge_into: Opinion | None = None, actor: User | None = None, at: datetime | None = None) -> Opinion:
    """Triage a new opinion. Bad input is a ValidationError naming the field; an opinion already triaged a 409."""
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    if action not in TriageAction.values:
        raise ValidationError({"action": f"action 应为 {', '.join(TriageAction.values)}"})
    if action == TriageAction.ROUTE and agency is None:
        raise ValidationError({"agency": "转交时请指定机关"})
    if action == TriageAction.MERGE:
        if merge_into is None:
            raise ValidationError({"merge_into": "合并时请指定目标意见"})
        merge_into = opinion_merge_root(merge_into)
        if merge_into.pk == opinion.pk:
            raise ValidationError({"merge_into": "不能合并到自身"})
    if action == TriageAction.REJECT and not note:
        raise ValidationError({"note": "不予采纳时请填写理由"})
    locked = opinion_lock_new(opinion=opinion)
    at = at or timezone.now()
    if action == TriageAction.ROUTE:
        notice = notice_issue(agency=agency, source=NoticeSource.OPINION, text=locked.text, actor=actor,
                              cycle=locked.survey.cycle, source_key=f"opinion:{locked.pk}", issued_at=at,
                              opinion=locked)
        return opinion_set_status(opinion=locked, status=OpinionStatus.ROUTED, at=at,
                                  note=note or f"已转交{agency.name}整改，整改期限 {notice.deadline:%Y-%m-%d}")
    if action == TriageAction.MERGE:
        return opinion_set_status(opinion=locked, status=OpinionStatus.MERGED, merged_into=merge_into, at=at,
                                  note=note or "与内容相同的意见合并办理，办理进度将在此同步")
    return opinion_set_status(opinion=locked, status=OpinionStatus.REJECTED, note=note, at=at)
