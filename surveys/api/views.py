from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from conduct_eval.api import IsAdmin, error_answers

from .. import fastpath, privacy, selectors, services
from ..choices import ResponseStatus
from ..limits import BALLOT_RATE_LIMIT, over_limit
from ..models import Survey
from .serializers import (
    BallotInSerializer,
    BallotReceiptSerializer,
    InvitationsInSerializer,
    InvitationTokensSerializer,
    ResponseInSerializer,
    ResponseReceiptSerializer,
    SurveySerializer,
    TrackSerializer,
)


def json_object(request) -> dict:
    """The request body as a JSON object; anything else is a 400 (never a 500)."""
    try:
        data = request.data
    except exceptions.ParseError as exc:
        raise exceptions.ValidationError({"non_field_errors": [f"请求体不是合法的 JSON：{exc.detail}"]}) from None
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["请求体必须是 JSON 对象"]})
    return data


class PublicEndpoint(APIView):
    """Anyone, anonymous: no session (hence no CSRF to present) and no token needed.

    Abuse is held back by a per-address rate limit in the shared cache instead.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    rate_group = ""
    rate = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and over_limit(request, group=self.rate_group, rate=self.rate):
            raise exceptions.Throttled(detail="提交过于频繁，请稍后再试")


class SurveyViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    queryset = Survey.objects.select_related("cycle")
    serializer_class = SurveySerializer
    permission_classes = [IsAdmin]
    lookup_field = "slug"
    filterset_fields = {"cycle__code": ["exact"], "kind": ["exact"]}

    @extend_schema(request=InvitationsInSerializer, responses={201: InvitationTokensSerializer})
    @action(detail=True, methods=["post"], serializer_class=InvitationsInSerializer)
    def invitations(self, request, slug=None):
        """One-time tokens of an evaluator category; shown once (only their keyed hashes are stored)."""
        survey = selectors.survey_appraisal(slug)
        if survey is None:
            raise Http404
        serializer = InvitationsInSerializer(data=json_object(request))
        serializer.is_valid(raise_exception=True)
        tokens = services.invitations_issue(survey=survey, **serializer.validated_data)
        return Response({"tokens": tokens}, status=status.HTTP_201_CREATED,
                        headers={"Cache-Control": "no-store"})


class ResponseCreateView(PublicEndpoint):
    """The DRF view describes and answers the endpoint; a plain, correct POST is answered by the lean
    hot path first (surveys/fastpath.py: one Redis round trip, one INSERT) when Redis and PostgreSQL
    are there. Whatever it does not take — errors, opinions, Redis down — comes here unchanged."""

    rate_group = "survey-response"

    def dispatch(self, request, *args, **kwargs):
        answer = fastpath.submit(request, kwargs.get("slug", ""))
        return answer if answer is not None else super().dispatch(request, *args, **kwargs)

    @extend_schema(request=ResponseInSerializer, responses={201: ResponseReceiptSerializer, **error_answers(409, 429)})
    def post(self, request, slug):
        survey = selectors.survey_public(slug)
        if survey is None:
            raise Http404
        serializer = ResponseInSerializer(data=json_object(request))
        serializer.is_valid(raise_exception=True)
        result = services.response_submit(survey=survey, fingerprint=privacy.request_fingerprint(request),
                                          **serializer.validated_data)
        # The API has no honeypot of its own, but the service may still classify a response as
        # suspicious; it is answered as "valid" so that a bot learns nothing from the answer.
        answer = {"status": ResponseStatus.DUPLICATE if result.status == ResponseStatus.DUPLICATE
                  else ResponseStatus.VALID}
        if result.receipt:
            answer["receipt"] = result.receipt
        return Response(answer, status=status.HTTP_201_CREATED)


class BallotCreateView(PublicEndpoint):
    rate_group = "ballot"
    rate = BALLOT_RATE_LIMIT

    @extend_schema(request=BallotInSerializer, responses={201: BallotReceiptSerializer, **error_answers(409, 429)})
    def post(self, request):
        serializer = BallotInSerializer(data=json_object(request))
        serializer.is_valid(raise_exception=True)
        ballot = services.ballot_submit(**serializer.validated_data)
        return Response({"category": ballot.category, "submitted_on": ballot.submitted_on,
                         "rated": len(serializer.validated_data["ratings"])}, status=status.HTTP_201_CREATED)


class TrackView(PublicEndpoint):
    @extend_schema(responses=TrackSerializer)
    def get(self, request, receipt):
        """An opinion's status and history (a merged one: its merge root's progress); never its contact."""
        progress = selectors.opinion_progress(receipt)
        if progress is None:
            raise Http404
        return Response({"status": progress.status, "history": [
            {"at": event.at, "status": event.status, "note": event.note} for event in progress.history]})
