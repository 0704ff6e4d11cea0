from django.shortcuts import get_object_or_404
from rest_framework import mixins, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from conduct_eval.api import IsAdmin, ReadSignedInWriteAdmin

from ..models import Agency, AgencyGroup, Cycle, User
from .serializers import AgencyGroupSerializer, AgencySerializer, CycleSerializer, UserSerializer, WindowSerializer


class TokenView(ObtainAuthToken):
    """`POST {username, password}` → `{token}`; throttled per client against password guessing."""

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


class CycleViewSet(CreateListRetrieve, mixins.UpdateModelMixin):
    queryset = Cycle.objects.all()
    serializer_class = CycleSerializer
    permission_classes = [IsAdmin]
    lookup_field = "code"
    filterset_fields = ["status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
