from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.access import is_admin
from agencies.choices import Role
from agencies.models import Cycle
from conduct_eval.api import IsAdmin, IsAdminOrLeader, error_answers, roles_allowed
from surveys.models import Opinion

from .. import selectors, services
from ..filters import NoticeFilterSet, OpinionFilterSet
from .serializers import (
    CategoryCountSerializer,
    NoticeCreateSerializer,
    NoticeDetailSerializer,
    NoticeSerializer,
    NoticeStatsSerializer,
    OpinionSerializer,
    RespondJSONSerializer,
    RespondSerializer,
    TriageSerializer,
    VerifySerializer,
)


@extend_schema_view(create=extend_schema(request=NoticeCreateSerializer,
                                         responses={201: NoticeSerializer, **error_answers(409)}))  # a closed cycle
class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Rectification notices. Visibility first (another agency's notice is a 404), then the action's role (403).

    Administrators and leaders read every notice, a liaison its own agency's (narrowed by `scope`);
    who may respond or verify is the service's rule.
    """

    permission_classes = [roles_allowed(Role.ADMIN, Role.LEADER, Role.AGENCY)]
    filter_backends = [DjangoFilterBackend]
    filterset_class = NoticeFilterSet

    def get_queryset(self):
        return selectors.notices_visible(self.request.user).order_by("-issued_at", "-id")

    def get_object(self):
        return selectors.notice_visible(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self):
        return NoticeDetailSerializer if self.action == "retrieve" else NoticeSerializer

    def create(self, request, *args, **kwargs):
        if not is_admin(request.user):
            raise PermissionDenied("只有办公室管理员可以下发整改通知")
        data = NoticeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_issue(actor=request.user, **data.validated_data)
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"application/json": RespondJSONSerializer, "multipart/form-data": RespondSerializer},
                   responses={200: NoticeSerializer, **error_answers(409)})
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        notice = self.get_object()
        services.notice_may_respond(notice=notice, actor=request.user)  # 403 before any input is judged
        payload = {"measures": request.data.get("measures", "")}
        if hasattr(request.data, "getlist"):
            payload["evidence"] = request.data.getlist("evidence")
        data = RespondSerializer(data=payload)
        data.is_valid(raise_exception=True)
        notice = services.notice_respond(notice=notice, actor=request.user, measures=data.validated_data["measures"],
                                         files=data.validated_data["evidence"])
        return Response(NoticeSerializer(selectors.notice_visible(request.user, notice.pk)).data)

    @extend_schema(request=VerifySerializer, responses={200: NoticeSerializer, **error_answers(409)})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        notice = self.get_object()
        services.notice_may_verify(actor=request.user)  # 403 before any input is judged
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_verify(notice=notice, actor=request.user, **data.validated_data)
        return Response(NoticeSerializer(selectors.notice_visible(request.user, notice.pk)).data)


class RectificationStatsView(APIView):
    permission_classes = [IsAdminOrLeader]

    @extend_schema(responses=NoticeStatsSerializer)
    def get(self, request, code):
        cycle = get_object_or_404(Cycle, code=code)
        return Response(selectors.notice_stats(cycle=cycle))


class OpinionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The office's triage of citizen opinions."""

    permission_classes = [IsAdmin]
    serializer_class = OpinionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OpinionFilterSet

    def get_queryset(self):
        return selectors.opinions_for_triage()

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True,
                                         context={**self.get_serializer_context(),
                                                  "suggestions": selectors.opinion_suggestions(page)})
        return self.get_paginated_response(serializer.data)

    @extend_schema(responses=CategoryCountSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="categories", pagination_class=None)
    def categories(self, request):
        """Problem-category counts of the opinions the filters select (the same filters as the list)."""
        return Response(selectors.opinion_category_counts(self.filter_queryset(self.get_queryset())))

    @extend_schema(request=TriageSerializer, responses={200: OpinionSerializer, **error_answers(409)})
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        opinion = get_object_or_404(Opinion, pk=pk)
        data = TriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opinion = services.opinion_triage(opinion=opinion, actor=request.user, **data.validated_data)
        opinion = self.get_queryset().get(pk=opinion.pk)
        return Response(OpinionSerializer(opinion, context={"suggestions": {}}).data)
