from rest_framework import mixins, viewsets

from conduct_eval.api import IsAdmin

from ..models import Survey
from .serializers import SurveySerializer


class SurveyViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    queryset = Survey.objects.select_related("cycle")
    serializer_class = SurveySerializer
    permission_classes = [IsAdmin]
    lookup_field = "slug"
    filterset_fields = {"cycle__code": ["exact"], "kind": ["exact"]}
