from rest_framework import serializers

from agencies.models import Cycle

from .. import services
from ..models import Survey


class SurveySerializer(serializers.ModelSerializer):
    cycle = serializers.SlugRelatedField(slug_field="code", queryset=Cycle.objects.all())

    class Meta:
        model = Survey
        fields = ["slug", "cycle", "kind", "title", "description", "opens_at", "closes_at", "dimensions"]

    def validate(self, attrs):
        if attrs["closes_at"] <= attrs["opens_at"]:
            raise serializers.ValidationError({"closes_at": "结束时间必须晚于开始时间"})
        return attrs

    def create(self, validated_data):
        return services.survey_create(**validated_data)
