from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from agencies.access import has_role, require_role
from agencies.choices import Role
from conduct_eval.api import EitherOf, error_answers, roles_allowed
from conduct_eval.parsers import FormParser, MultiPartParser

from .. import selectors, services
from .serializers import (
    AdjudicateSerializer,
    AgencyFindingSerializer,
    AppealSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    FindingSerializer,
    ReviewSerializer,
    VisitSerializer,
)


@extend_schema_view(create=extend_schema(responses={201: VisitSerializer, **error_answers(409)}))  # a closed cycle
class VisitViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
    """Visits: an inspector logs its own; administrators read the submitted ones."""

    serializer_class = VisitSerializer
    permission_classes = [roles_allowed(Role.INSPECTOR, Role.ADMIN)]
    filterset_fields = {"status": ["exact"], "mode": ["exact"], "agency__code": ["exact"]}

    def get_queryset(self):
        return selectors.visits_for(self.request.user).prefetch_related("findings", "evidence")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.visit_create(inspector=self.request.user, **data)

    @extend_schema(request={"multipart/form-data": EvidenceUploadSerializer},
                   responses={201: EvidenceSerializer, **error_answers(409)})  # the office has reviewed the visit
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser],
            serializer_class=EvidenceSerializer)
    def evidence(self, request, pk=None):
        visit = self.get_object()
        if visit.inspector_id != request.user.pk:
            raise PermissionDenied("只有本次察访的察访员可以上传证据")
        finding = None
        if request.data.get("finding"):
            finding = visit.findings.filter(pk=request.data["finding"]).first() if str(
                request.data["finding"]).isdigit() else None
            if finding is None:
                return Response({"detail": "输入有误：finding", "errors": {"finding": ["该问题不属于本次察访"]}},
                                status=status.HTTP_400_BAD_REQUEST)
        item = services.evidence_add(visit=visit, upload=request.FILES.get("file"), finding=finding)
        return Response(EvidenceSerializer(item).data, status=status.HTTP_201_CREATED)


def _finding_as_seen(many: bool = False) -> EitherOf:
    return EitherOf("FindingAsSeen", [FindingSerializer, AgencyFindingSerializer], many=many)


# The office, leaders and inspectors see Finding; an agency's liaison sees AgencyFinding, which adds its
# visit's time and mode, the appeal and the evidence links (and, as Finding, never the inspector).
@extend_schema_view(list=extend_schema(responses=_finding_as_seen(many=True)),
                    retrieve=extend_schema(responses=_finding_as_seen()))
class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Findings: the office reviews; an agency sees its confirmed ones (never the inspector) and may appeal."""

    permission_classes = [roles_allowed(Role.ADMIN, Role.LEADER, Role.INSPECTOR, Role.AGENCY)]
    filterset_fields = {"status": ["exact"], "severity": ["exact"], "category": ["exact"]}

    def get_queryset(self):
        return selectors.findings_for(self.request.user).prefetch_related("evidence")

    def get_serializer_class(self):
        return AgencyFindingSerializer if has_role(self.request.user, Role.AGENCY) else FindingSerializer

    def _review(self, request, pk, serializer_class, allowed):
        require_role(request.user, *allowed)
        finding = get_object_or_404(self.get_queryset(), pk=pk)
        params = serializer_class(data=request.data)
        params.is_valid(raise_exception=True)
        return finding, params.validated_data

    @extend_schema(request=ReviewSerializer, responses={200: FindingSerializer, **error_answers(409)})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        finding, data = self._review(request, pk, ReviewSerializer, {Role.ADMIN})
        finding = services.finding_confirm(finding=finding, actor=request.user, reason=data["reason"])
        return Response(FindingSerializer(finding).data)

    @extend_schema(request=ReviewSerializer, responses={200: FindingSerializer, **error_answers(409)})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        finding, data = self._review(request, pk, ReviewSerializer, {Role.ADMIN})
        finding = services.finding_dismiss(finding=finding, actor=request.user, reason=data["reason"])
        return Response(FindingSerializer(finding).data)

    @extend_schema(request=AppealSerializer, responses={200: AgencyFindingSerializer, **error_answers(409)})
    @action(detail=True, methods=["post"])
    def appeal(self, request, pk=None):
        finding, data = self._review(request, pk, AppealSerializer, {Role.AGENCY})
        finding = services.finding_appeal(finding=finding, actor=request.user, reason=data["reason"])
        return Response(AgencyFindingSerializer(finding).data)

    @extend_schema(request=AdjudicateSerializer, responses={200: FindingSerializer, **error_answers(409)})
    @action(detail=True, methods=["post"])
    def adjudicate(self, request, pk=None):
        finding, data = self._review(request, pk, AdjudicateSerializer, {Role.ADMIN})
        finding = services.finding_adjudicate(finding=finding, actor=request.user,
                                              finding_true=data["verdict"] == "true", note=data["note"])
        return Response(FindingSerializer(finding).data)

