"""Reads of the rectification loop for pages, the API and tasks. Every notice read goes through `scope`."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies.access import get_visible, scope
from agencies.models import Cycle, User
from surveys.choices import OpinionStatus
from surveys.models import Opinion
from surveys.selectors import opinion_merge_root

from .choices import NoticeStatus
from .models import (
    CalendarDay,
    NoticeEvent,
    NoticeEvidence,
    Notification,
    OpinionNote,
    OpinionTag,
    ProblemCategory,
    RectificationNotice,
)
from .similarity import clusters, similar

# Near-duplicates are looked for among the same agency's opinions of the last weeks only.
SIMILAR_WEEKS = 8
SIMILAR_CANDIDATES = 500
# Clusters are looked for among at most this many new opinions of each agency (the newest).
CLUSTER_PER_AGENCY = 300
CLUSTER_MAX = 5000


def notices_visible(user: User) -> QuerySet[RectificationNotice]:
    queryset = (RectificationNotice.objects.select_related("agency", "cycle")
                .prefetch_related(Prefetch("evidence", queryset=NoticeEvidence.objects.order_by("uploaded_at", "id"))))
    return scope(queryset, user)


def notice_visible(user: User, pk) -> RectificationNotice:
    """One notice the user may see, else Http404 (another agency's notice does not exist for a liaison)."""
    return get_visible(notices_visible(user).prefetch_related(
        Prefetch("events", queryset=NoticeEvent.objects.select_related("actor"))), user, pk=pk)


def notice_for_source(source_key: str) -> RectificationNotice | None:
    """The notice issued for `source_key` (e.g. "finding:12"), if any."""
    return RectificationNotice.objects.filter(source_key=source_key).first()


def evidence_visible(user: User, notice_pk, pk) -> NoticeEvidence:
    return get_visible(NoticeEvidence.objects.select_related("notice"), user, agency_field="notice__agency",
                       notice_id=notice_pk, pk=pk)


# A notice in one of these is done with: neither open nor overdue on the boards.
CLOSED_STATUSES = (NoticeStatus.VERIFIED, NoticeStatus.WITHDRAWN)


def _rate(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def notice_stats(*, cycle: Cycle, at: datetime | None = None, agency_id: int | None = None) -> dict:
    """The cycle's rectification figures, in one aggregate query.

    Withdrawn notices (已撤销: their cause fell away) count nowhere, not even in `issued`.

    * issued: every notice of the cycle that stands;
    * due: the notices whose deadline that applies has ended (the re-check deadline of a reopened
      notice, else the deadline; before today, Asia/Shanghai), plus those verified earlier — a notice
      closed ahead of time has come due by being closed, so the rate never exceeds 1;
    * verified: notices verified (all of them due by the definition above);
    * on_time: verified and not late (first verified by the deadline, and any re-check by its own);
    * overdue: notices flagged overdue (late by the deadline that applied);
    * rate = verified ÷ due, on_time_rate = on_time ÷ due (null while nothing is due).
    """
    today = timezone.localdate(at or timezone.now())
    verified = Q(status=NoticeStatus.VERIFIED)
    notices = RectificationNotice.objects.filter(cycle=cycle)
    if agency_id is not None:  # one agency's figures (its public page)
        notices = notices.filter(agency_id=agency_id)
    figures = (notices.exclude(status=NoticeStatus.WITHDRAWN)
               .annotate(applied=Coalesce("recheck_deadline", "deadline")).aggregate(
        issued=Count("id"),
        due=Count("id", filter=Q(applied__lt=today) | verified),
        verified=Count("id", filter=verified),
        on_time=Count("id", filter=verified & Q(overdue=False)),
        overdue=Count("id", filter=Q(overdue=True)),
    ))
    figures["rate"] = _rate(figures["verified"], figures["due"])
    figures["on_time_rate"] = _rate(figures["on_time"], figures["due"])
    return figures


def notice_counts_by_status(queryset: QuerySet[RectificationNotice]) -> dict:
    return queryset.aggregate(total=Count("id"), open=Count("id", filter=Q(status__in=[
        NoticeStatus.ISSUED, NoticeStatus.RETURNED])), responded=Count("id", filter=Q(status=NoticeStatus.RESPONDED)),
        overdue_open=Count("id", filter=Q(overdue=True) & ~Q(status__in=CLOSED_STATUSES)))


# --- opinions ---------------------------------------------------------------------------

def opinions_for_triage() -> QuerySet[Opinion]:
    has_notice = RectificationNotice.objects.filter(opinion_id=OuterRef("pk"))
    return (Opinion.objects.select_related("agency", "window", "survey__cycle", "merged_into")
            .prefetch_related(Prefetch("tags", queryset=OpinionTag.objects.select_related("category")
                                       .order_by("category__order", "category__code")),
                              Prefetch("internal_notes", queryset=OpinionNote.objects.select_related("author")),
                              Prefetch("notices", queryset=RectificationNotice.objects.only("id", "opinion_id")))
            .annotate(has_notice=Exists(has_notice)).order_by("-created_at", "-id"))


def problem_categories_active() -> QuerySet[ProblemCategory]:
    return ProblemCategory.objects.filter(active=True)


def opinion_category_counts(opinions: QuerySet[Opinion]) -> list[dict]:
    """How many of `opinions` carry each problem category, in the list's order: every active category (zeros
    included) and any retired one still counted. One aggregate query.

    An opinion may carry several categories, so the counts may add up to more than the opinions.
    """
    counted = dict(OpinionTag.objects.filter(opinion__in=opinions.order_by().values("pk"))
                   .values_list("category_id").annotate(n=Count("opinion_id", distinct=True)).order_by())
    return [{"code": c.code, "name": c.name, "active": c.active, "count": counted.get(c.pk, 0)}
            for c in ProblemCategory.objects.all() if c.active or c.pk in counted]


def opinion_clusters(opinions: QuerySet[Opinion]) -> list[list[Opinion]]:
    """Near-duplicate groups among the new opinions of `opinions`: same agency, alike texts (see
    `similarity.clusters`), largest group first. Each agency's newest CLUSTER_PER_AGENCY new opinions are read,
    at most CLUSTER_MAX in all, in one query.
    """
    by_agency: dict[int, dict[int, Opinion]] = defaultdict(dict)
    for opinion in opinions.filter(status=OpinionStatus.NEW).order_by("-created_at", "-id")[:CLUSTER_MAX]:
        if len(by_agency[opinion.agency_id]) < CLUSTER_PER_AGENCY:
            by_agency[opinion.agency_id][opinion.pk] = opinion
    found: list[list[Opinion]] = []
    for rows in by_agency.values():
        found.extend([rows[pk] for pk in group] for group in clusters({pk: o.text for pk, o in rows.items()}))
    return sorted(found, key=lambda group: (-len(group), group[0].pk))


def opinion_suggestions(opinions: list[Opinion], *,
                        at: datetime | None = None) -> dict[int, list[tuple[Opinion, float]]]:
    """For each new opinion: near-duplicates among the same agency's opinions of the last SIMILAR_WEEKS weeks.

    One query for all the agencies on the page, bounded, then rapidfuzz in memory.
    """
    new = [o for o in opinions if o.status == OpinionStatus.NEW]
    if not new:
        return {}
    since = (at or timezone.now()) - timedelta(weeks=SIMILAR_WEEKS)
    candidates = (Opinion.objects.filter(agency_id__in={o.agency_id for o in new}, created_at__gte=since)
                  .exclude(status__in=[OpinionStatus.MERGED, OpinionStatus.REJECTED])
                  .only("id", "agency_id", "text", "receipt", "status", "created_at")
                  .order_by("-created_at")[:SIMILAR_CANDIDATES])
    by_agency: dict[int, dict[int, Opinion]] = defaultdict(dict)
    for candidate in candidates:
        by_agency[candidate.agency_id][candidate.pk] = candidate
    result = {}
    for opinion in new:
        pool = {pk: c.text for pk, c in by_agency[opinion.agency_id].items() if pk != opinion.pk}
        result[opinion.pk] = [(by_agency[opinion.agency_id][pk], score) for pk, score in similar(opinion.text, pool)]
    return result


def notice_for_receipt(receipt: str) -> RectificationNotice | None:
    """The notice that answers the opinion with this receipt (directly or through a merge)."""
    opinion = Opinion.objects.filter(receipt=(receipt or "").strip().upper()).first()
    if opinion is None:
        return None
    return RectificationNotice.objects.filter(opinion=opinion_merge_root(opinion)).first()


# --- in-app inbox -----------------------------------------------------------------------

def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("notice__agency")


# --- holiday calendar -------------------------------------------------------------------

CALENDAR_WARN_FROM_MONTH = 11  # the State Council publishes next year's schedule around November


def calendar_years_missing(*, today: date | None = None) -> list[int]:
    """The years whose holiday schedule the office still has to enter: this one, and from November the next."""
    today = today or timezone.localdate()
    years = [today.year, today.year + 1] if today.month >= CALENDAR_WARN_FROM_MONTH else [today.year]
    known = {first.year for first in CalendarDay.objects.filter(day__year__in=years).dates("day", "year")}
    return [year for year in years if year not in known]
