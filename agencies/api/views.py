from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from conduct_eval.api import IsAdmin, ReadSignedInWriteAdmin, error_answers

from ..models import Agency, AgencyGroup, Cycle, User, Window
from .serializers import AgencyGroupSerializer, AgencySerializer, CycleSerializer, UserSerializer, WindowSerializer


@extend_schema_view(post=extend_schema(responses={200: AuthTokenSerializer, **error_answers(429)}))
class TokenView(ObtainAuthToken):
    """`POST {username, password}` → `{token}`; throttled per client against password guessing."""

    permission_classes = [permissions.AllowAny]  # as ObtainAuthToken's empty list, but the schema can tell
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"


class CreateListRetrieve(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    pass


class UserViewSet(CreateListRetrieve):
    queryset = User.objects.select_related("agency").order_by("id")
    serializer_class = UserSerializer
    permission_classes = [IsAdmin]
    filterset_fields = ["role"]


class AgencyGroupViewSet(CreateListRetrieve):
    queryset = AgencyGroup.objects.all()
    serializer_class = AgencyGroupSerializer
    permission_classes = [IsAdmin]
    lookup_field = "code"


class AgencyViewSet(CreateListRetrieve, mixins.UpdateModelMixin):
    queryset = Agency.objects.select_related("group")
    serializer_class = AgencySerializer
    permission_classes = [ReadSignedInWriteAdmin]
    lookup_field = "code"
    filterset_fields = {"group__code": ["exact"], "has_service_window": ["exact"], "active": ["exact"]}
    http_method_names = ["get", "post", "patch", "head", "options"]


class WindowViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Window.objects.none()  # names the model for the schema; get_queryset scopes the rows
    serializer_class = WindowSerializer
    permission_classes = [IsAdmin]

    def get_agency(self):
        return get_object_or_404(Agency, code=self.kwargs["agency_code"])

    def get_queryset(self):
        return self.get_agency().windows.select_related("agency")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "agency_code" in self.kwargs:
            context["agency"] = self.get_agency()
        return context


@extend_schema_view(partial_update=extend_schema(responses={200: CycleSerializer, **error_answers(409)}))
class CycleViewSet(CreateListRetrieve, mixins.UpdateModelMixin):
    queryset = Cycle.objects.all()
    serializer_class = CycleSerializer
    permission_classes = [IsAdmin]
    lookup_field = "code"
    filterset_fields = ["status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
