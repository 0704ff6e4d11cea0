"""The office's triage of citizen opinions: route to an agency (a notice follows), merge, or reject; one at a time
or on a selection; problem categories (tags) on opinions; internal notes.

Every step goes through surveys' `opinion_set_status`, so the citizen sees it on /track/: `note` is the reply the
citizen reads there. `internal_note` is the office's own (an `OpinionNote`) and never reaches /track/.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from conduct_eval.errors import ConflictError
from surveys.choices import OpinionStatus
from surveys.models import Opinion
from surveys.selectors import opinion_merge_root
from surveys.services import opinion_lock_new, opinion_set_status

from ..choices import NoticeSource, TriageAction
from ..models import OpinionNote, OpinionTag, ProblemCategory
from ..workdays import add_working_days
from .notices import notice_issue, working_days_of

NOTE_MAX_LENGTH = 1000
# A selection is at most a few pages of the queue; one transaction holds a lock on each opinion of it.
BULK_MAX = 200

MERGED_NOTE = "与内容相同的意见合并办理，办理进度将在此同步"


def route_deadline(opinion: Opinion, at: datetime | None = None) -> date:
    """The deadline a notice issued now for `opinion` would get (the preview shows it before routing)."""
    return add_working_days(timezone.localdate(at or timezone.now()), working_days_of(opinion.survey.cycle))


def triage_public_note(*, action: str, note: str = "", agency_name: str = "", deadline: date | None = None) -> str:
    """What the citizen reads on /track/ for a triage step: the reply written, else the standard sentence."""
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    if note or action == TriageAction.REJECT:
        return note
    if action == TriageAction.ROUTE:
        return f"已转交{agency_name}整改，整改期限 {deadline:%Y-%m-%d}"
    return MERGED_NOTE


def _validate(*, action: str, note: str, agency: Agency | None, merge_into: Opinion | None,
              agency_required: bool = True) -> None:
    if action not in TriageAction.values:
        raise ValidationError({"action": f"action 应为 {', '.join(TriageAction.values)}"})
    if action == TriageAction.ROUTE and agency is None and agency_required:
        raise ValidationError({"agency": "转交时请指定机关"})
    if action == TriageAction.MERGE and merge_into is None:
        raise ValidationError({"merge_into": "合并时请指定目标意见"})
    if action == TriageAction.REJECT and not note:
        raise ValidationError({"note": "不予采纳时请填写答复群众的理由"})


@transaction.atomic
def opinion_triage(*, opinion: Opinion, action: str, note: str = "", agency: Agency | None = None,
                   merge_into: Opinion | None = None, internal_note: str = "", actor: User | None = None,
                   at: datetime | None = None) -> Opinion:
    """Triage a new opinion. Bad input is a ValidationError naming the field; an opinion already triaged a 409.

    `note` is the reply to the citizen (public on /track/); `internal_note` stays with the office.
    """
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    internal_note = (internal_note or "").strip()[:NOTE_MAX_LENGTH]
    _validate(action=action, note=note, agency=agency, merge_into=merge_into)
    if action == TriageAction.MERGE:
        merge_into = opinion_merge_root(merge_into)
        if merge_into.pk == opinion.pk:
            raise ValidationError({"merge_into": "不能合并到自身"})
    locked = opinion_lock_new(opinion=opinion)
    at = at or timezone.now()
    if internal_note:
        OpinionNote.objects.create(opinion=locked, text=internal_note, author=actor, at=at)
    if action == TriageAction.ROUTE:
        notice = notice_issue(agency=agency, source=NoticeSource.OPINION, text=locked.text, actor=actor,
                              cycle=locked.survey.cycle, source_key=f"opinion:{locked.pk}", issued_at=at,
                              opinion=locked)
        public = triage_public_note(action=action, note=note, agency_name=agency.name, deadline=notice.deadline)
        return opinion_set_status(opinion=locked, status=OpinionStatus.ROUTED, at=at, note=public)
    if action == TriageAction.MERGE:
        return opinion_set_status(opinion=locked, status=OpinionStatus.MERGED, merged_into=merge_into, at=at,
                                  note=triage_public_note(action=action, note=note))
    return opinion_set_status(opinion=locked, status=OpinionStatus.REJECTED, note=note, at=at)


@dataclass
class BulkOutcome:
    """What a bulk action did: the opinions done, and each one left undone with the reason."""

    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(m for ms in exc.message_dict.values() for m in ms) if hasattr(exc, "error_dict") \
            else "；".join(exc.messages)
    return str(exc)


@transaction.atomic
def opinions_triage_bulk(*, opinion_ids: Sequence[int], action: str, note: str = "", agency: Agency | None = None,
                         merge_into: Opinion | None = None, internal_note: str = "", actor: User | None = None,
                         at: datetime | None = None) -> BulkOutcome:
    """Triage a selection of opinions in one transaction, each through `opinion_triage`.

    Route without `agency` sends each opinion to its own agency. Merge folds every selected opinion into
    `merge_into` (the root the office chose; selecting it too is fine). Bad input for the whole action (no
    reason for a rejection, an unknown action, too many) is a ValidationError and nothing is done. An opinion
    that cannot be done (already triaged, gone) is listed with the reason; each one is done whole or not at all
    (its own savepoint), so no opinion is left routed without its notice.
    """
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    _validate(action=action, note=note, agency=agency, merge_into=merge_into, agency_required=False)
    ids = list(dict.fromkeys(int(pk) for pk in opinion_ids))
    if not ids:
        raise ValidationError({"ids": "请先勾选意见"})
    if len(ids) > BULK_MAX:
        raise ValidationError({"ids": f"一次最多处理 {BULK_MAX} 条意见"})
    root = opinion_merge_root(merge_into) if merge_into is not None else None
    at = at or timezone.now()
    # Lock in id order, as every bulk action does, so two of them over overlapping selections cannot deadlock.
    found = {o.pk: o for o in Opinion.objects.select_for_update().select_related("agency", "survey__cycle")
             .filter(pk__in=ids).order_by("pk")}
    outcome = BulkOutcome()
    for pk in sorted(ids):
        opinion = found.get(pk)
        if opinion is None:
            outcome.failed.append((pk, "没有这条意见"))
            continue
        if root is not None and opinion.pk == root.pk:
            continue  # the root stays as it is: the others are merged into it
        try:
            with transaction.atomic():
                opinion_triage(opinion=opinion, action=action, note=note, agency=agency or opinion.agency,
                               merge_into=root, internal_note=internal_note, actor=actor, at=at)
        except (ValidationError, ConflictError) as exc:
            outcome.failed.append((pk, _reason(exc)))
        else:
            outcome.done.append(pk)
    return outcome


@transaction.atomic
def opinion_tags_change(*, opinion_ids: Sequence[int], add: Iterable[ProblemCategory] = (),
                        remove: Iterable[ProblemCategory] = (), actor: User | None = None,
                        at: datetime | None = None) -> int:
    """Add and remove problem categories on a selection of opinions (any status). Returns the tags written or removed.

    Adding a category an opinion already has does nothing; a retired category cannot be added.
    """
    add, remove = list(add), list(remove)
    if not add and not remove:
        raise ValidationError({"categories": "请选择问题类别"})
    retired = [c.name for c in add if not c.active]
    if retired:
        raise ValidationError({"categories": f"问题类别已停用：{'、'.join(retired)}"})
    ids = list(Opinion.objects.filter(pk__in=list(opinion_ids)).values_list("pk", flat=True))
    if not ids:
        raise ValidationError({"ids": "请先勾选意见"})
    if len(ids) > BULK_MAX:
        raise ValidationError({"ids": f"一次最多处理 {BULK_MAX} 条意见"})
    at = at or timezone.now()
    removed = OpinionTag.objects.filter(opinion_id__in=ids, category__in=remove).delete()[0] if remove else 0
    tagged = OpinionTag.objects.filter(opinion_id__in=ids, category__in=add)
    before = tagged.count() if add else 0
    OpinionTag.objects.bulk_create([OpinionTag(opinion_id=pk, category=c, tagged_by=actor, tagged_at=at)
                                    for pk in ids for c in add], ignore_conflicts=True)
    return removed + (tagged.count() - before if add else 0)
