from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from conduct_eval.api import IsAdmin, ReadSignedInWriteAdmin, error_answers
from conduct_eval.authentication import lockout_minutes, token_for

from ..models import Agency, AgencyGroup, Cycle, User, Window
from .serializers import AgencyGroupSerializer, AgencySerializer, CycleSerializer, UserSerializer, WindowSerializer


class TokenRequestSerializer(AuthTokenSerializer):
    """DRF's token request, with the account model's username length: a longer one is a 400 naming the field
    before any sign-in is tried (the lockout store could not keep it)."""

    username = serializers.CharField(label="用户名", max_length=User._meta.get_field("username").max_length,
                                     write_only=True)


@extend_schema_view(post=extend_schema(request=TokenRequestSerializer,
                                       responses={200: AuthTokenSerializer, **error_answers(429)}))
class TokenView(ObtainAuthToken):
    """`POST {username, password}` → `{token}`, good for TOKEN_TTL_DAYS.

    Repeated wrong passwords for one username from one client address lock that pair for a
    while (django-axes, the same lock as the login pages): then 429, even with the right password.
    """

    permission_classes = [permissions.AllowAny]  # as ObtainAuthToken's empty list, but the schema can tell
    throttle_classes = []  # the lockout above is the guard; a per-address throttle would lock out an office
    serializer_class = TokenRequestSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):  # set by axes on this (DRF) request
                raise exceptions.Throttled(wait=settings.AXES_COOLOFF_TIME.total_seconds(), detail=(
                    f"密码错误次数过多，此账号已在当前地址暂时锁定，请 {lockout_minutes()} 分钟后再试"))
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        # A sign-in like the pages': last_login, axes' access log, and the pair's failures wiped.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token_for(user).key})


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
