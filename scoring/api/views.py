import threading
import uuid

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.access import has_role
from agencies.choices import Role
from agencies.models import Cycle
from conduct_eval.api import IsAdmin, error_answers
from conduct_eval.parsers import query_param

from .. import selectors, services
from ..models import Indicator, ScoreEntry
from ..periods import CYCLE, PeriodError, period_parse
from ..rankings import ranking_payload
from .serializers import (
    AssessmentSerializer,
    IndicatorSerializer,
    RankingsSerializer,
    RecomputeSerializer,
    ReverseSerializer,
    ScoreEntrySerializer,
    TaskSerializer,
)


class LedgerPermission(permissions.BasePermission):
    """Administrators book; administrators, leaders and liaisons (own agency) read."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return has_role(request.user, Role.ADMIN, Role.LEADER, Role.AGENCY)
        return has_role(request.user, Role.ADMIN)


class CycleMixin:
    def get_cycle(self) -> Cycle:
        if not hasattr(self, "_cycle"):
            self._cycle = get_object_or_404(Cycle, code=self.kwargs["cycle_code"])
        return self._cycle


@extend_schema_view(
    get=extend_schema(parameters=[OpenApiParameter("agency", str, description="机关编码")]),
    post=extend_schema(responses={201: ScoreEntrySerializer, **error_answers(409)}),
)
class ScoreEntryList(CycleMixin, generics.ListCreateAPIView):
    """`GET/POST /cycles/{code}/entries/` — the ledger of a cycle (filters `agency`, `kind`)."""

    queryset = ScoreEntry.objects.none()  # names the model for the schema; get_queryset scopes the rows
    serializer_class = ScoreEntrySerializer
    permission_classes = [LedgerPermission]
    filterset_fields = ["kind"]

    def get_queryset(self):
        entries = selectors.score_entries_visible(user=self.request.user, cycle=self.get_cycle())
        entries = entries.select_related("reversed_by")
        if agency := query_param(self.request, "agency"):
            entries = entries.filter(agency__code=agency)
        return entries

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.score_entry_book(
            cycle=self.get_cycle(), agency=data["agency"], kind=data["kind"], points=data["points"],
            reason=data["reason"], actor=self.request.user)


class ScoreEntryReverse(APIView):
    """`POST /entries/{id}/reverse/ {reason}` → 201 the reversing entry; twice → 409."""

    permission_classes = [IsAdmin]

    @extend_schema(request=ReverseSerializer, responses={201: ScoreEntrySerializer, **error_answers(409)})
    def post(self, request, pk: int):
        entry = get_object_or_404(ScoreEntry.objects.select_related("cycle", "agency"), pk=pk)
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reversal = services.score_entry_reverse(entry=entry, reason=body.validated_data["reason"],
                                                actor=request.user)
        return Response(ScoreEntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


@extend_schema_view(post=extend_schema(responses={201: IndicatorSerializer, **error_answers(409)}))
class IndicatorList(CycleMixin, generics.ListCreateAPIView):
    """`GET/POST /cycles/{code}/indicators/` — administrators; an assessor reads its unit's."""

    queryset = Indicator.objects.none()  # names the model for the schema; get_queryset scopes the rows
    serializer_class = IndicatorSerializer

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS and has_role(self.request.user, Role.ASSESSOR):
            return [permissions.IsAuthenticated()]
        return [IsAdmin()]

    def get_queryset(self):
        return selectors.indicators_of(cycle=self.get_cycle(), user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.indicator_create(cycle=self.get_cycle(), **serializer.validated_data)


class AssessmentPut(CycleMixin, APIView):
    """`PUT /cycles/{code}/assessments/ {indicator, agency, points, note}` — the indicator's assessor or an admin."""

    def get_permissions(self):
        return [permissions.IsAuthenticated()]

    @extend_schema(request=AssessmentSerializer, responses={200: AssessmentSerializer, **error_answers(409)})
    def put(self, request, cycle_code: str):
        if not has_role(request.user, Role.ADMIN, Role.ASSESSOR):
            raise exceptions.PermissionDenied()
        cycle = self.get_cycle()
        body = AssessmentSerializer(data=request.data, context={"cycle": cycle})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        assessment = services.assessment_put(indicator=data["indicator"], agency=data["agency"],
                                             points=data["points"], note=data["note"], actor=request.user)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_200_OK)


class Recompute(CycleMixin, APIView):
    """`POST /cycles/{code}/recompute/ {period?, final?}` → 202 `{task_id}`.

    Embedded default (no Redis): the work is done before the answer. Full stack: queued
    after the commit for a worker.
    """

    permission_classes = [IsAdmin]

    @extend_schema(request=RecomputeSerializer, responses={202: TaskSerializer, **error_answers(409)})
    def post(self, request, cycle_code: str):
        cycle = self.get_cycle()
        body = RecomputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        period, final = body.validated_data["period"], body.validated_data["final"]
        task_id = services.recompute_request(cycle=cycle, period=period, final=final, actor=request.user)
        return Response({"task_id": task_id}, status=status.HTTP_202_ACCEPTED)


class Rankings(CycleMixin, APIView):
    """`GET /cycles/{code}/rankings/?period=` — admins and leaders; anyone once the cycle is published."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("period", str, description="YYYY-Www、YYYY-MM、YYYY-Qn 或 cycle；省略：最新快照")],
        responses={200: RankingsSerializer, **error_answers(403)},  # 403 until the cycle is published
    )
    def get(self, request, cycle_code: str):
        cycle = self.get_cycle()
        if not selectors.rankings_visible(request.user, cycle):
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated()
            raise exceptions.PermissionDenied()
        period = query_param(request, "period") or None
        if period:
            try:
                period = period_parse(period, starts_on=cycle.starts_on, ends_on=cycle.ends_on).name
            except PeriodError as exc:
                raise exceptions.ValidationError({"period": [str(exc)]}) from None
        if has_role(request.user, Role.ADMIN, Role.LEADER):
            snapshot = selectors.snapshot_newest(cycle=cycle, period=period)
        else:  # the public reads what /public/ shows: the published final result, never a provisional one
            snapshot = selectors.snapshot_published(cycle_code=cycle.code)[1] if period in (None, CYCLE) else None
        if snapshot is None:
            raise exceptions.NotFound(f"期间 {period or CYCLE} 还没有排名快照")
        if request.accepted_renderer.format != "json":  # the browsable API renders it as any other answer
            return Response(ranking_payload(snapshot, selectors.scorecards_of(snapshot)))
        return HttpResponse(ranking_body(snapshot), content_type="application/json")


RANKINGS_BODY_SECONDS = 24 * 3600


def ranking_body_key(snapshot) -> str:
    # The digest and the time too: an id alone could name another snapshot after a database is restored.
    return f"scoring:rankings-body-v2:{snapshot.pk}:{snapshot.digest[:16]}:{snapshot.computed_at.timestamp()}"


def ranking_body(snapshot) -> bytes:
    """The snapshot's rankings as the JSON body the API answers, rendered once per snapshot and then served
    from the cache: a snapshot never changes once its intervals are stored after it (which forgets the entry:
    `services.snapshot_cached_forget`); the entry merely expires after a day unread, so old snapshots do not
    hold the cache's memory). 2,000 scorecards are read and rendered once, not on every request.

    The body is cached with a token, and each worker keeps the last few bodies it served with theirs
    (`_bodies`). A request then asks the cache for the token alone, a few bytes, rather than the body (1.9 MB,
    4 ms of a 10 ms answer at 2,000 agencies): the same token, the same body. A forgotten entry has no token
    any more, and a body rendered again gets a new one.
    """
    key = ranking_body_key(snapshot)
    kept = _bodies.get(key)
    if kept is not None and cache.get(f"{key}:token") == kept[0]:
        return kept[1]
    entry = cache.get(key)
    if entry is None:
        entry = (uuid.uuid4().hex, JSONRenderer().render(ranking_payload(snapshot, selectors.scorecards_of(snapshot))))
        cache.set(key, entry, RANKINGS_BODY_SECONDS)
    cache.set(f"{key}:token", entry[0], RANKINGS_BODY_SECONDS)  # (again: it may have been evicted alone)
    with _bodies_lock:
        _bodies[key] = entry
        while len(_bodies) > RANKINGS_BODIES_KEPT:
            _bodies.pop(next(iter(_bodies)))
    return entry[1]


RANKINGS_BODIES_KEPT = 4  # per worker: the newest snapshot of a few periods (≈ 2 MB each at 2,000 agencies)
_bodies: dict[str, tuple[str, bytes]] = {}
_bodies_lock = threading.Lock()
