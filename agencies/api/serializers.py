from django.db import transaction
from rest_framework import serializers

from conduct_eval.api import BoundedDateField

from .. import services
from ..choices import Role
from ..models import Agency, AgencyGroup, Cycle, User, Window
from ..scheme import SchemeError, normalize_scheme


class AgencyGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgencyGroup
        fields = ["code", "name", "order"]

    def create(self, validated_data):
        return services.agency_group_create(**validated_data)


class AgencySerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="code", queryset=AgencyGroup.objects.all())

    class Meta:
        model = Agency
        fields = ["code", "name", "group", "has_service_window", "leader_in_charge", "active"]

    def create(self, validated_data):
        return services.agency_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("code", None)
        return services.agency_update(agency=instance, **validated_data)


class WindowSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Window
        fields = ["code", "name", "location", "agency"]

    def create(self, validated_data):
        return services.window_create(agency=self.context["agency"], **validated_data)


class SchemeField(serializers.JSONField):
    """A cycle's scheme: omitted keys take the defaults; broken numbers are a 400 on `scheme`."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise serializers.ValidationError("评分方案必须是对象")
        try:
            normalize_scheme(data)
        except SchemeError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return data


class CycleSerializer(serializers.ModelSerializer):
    scheme = SchemeField(required=False)
    starts_on = BoundedDateField(label="开始日期")
    ends_on = BoundedDateField(label="结束日期")

    class Meta:
        model = Cycle
        fields = ["code", "name", "starts_on", "ends_on", "status", "scheme"]

    def validate(self, attrs):
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts and ends and ends < starts:
            raise serializers.ValidationError({"ends_on": "结束日期不能早于开始日期"})
        return attrs

    def create(self, validated_data):
        return services.cycle_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("code", None)
        return services.cycle_update(cycle=instance, **validated_data)


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    # Required: an account made without a role would see nothing. Blank only in answers (an account
    # made in the admin without one), never accepted.
    role = serializers.ChoiceField(choices=Role.choices, allow_blank=True,
                                   help_text="必填；回答中空字符串表示尚未分配角色（什么也看不到）")
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all(), required=False,
                                          allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "password", "role", "agency", "assessor_unit", "email", "first_name"]
        read_only_fields = ["id"]

    def validate_role(self, value):
        if not value:
            raise serializers.ValidationError("请选择角色")
        return value

    def validate(self, attrs):
        if attrs.get("role") == Role.AGENCY and not attrs.get("agency"):
            raise serializers.ValidationError({"agency": "单位联络员必须绑定一个机关"})
        if attrs.get("role") == Role.ASSESSOR and not attrs.get("assessor_unit"):
            raise serializers.ValidationError({"assessor_unit": "考评员必须填写考评单位"})
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        return services.user_create(**validated_data)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["role"] = instance.effective_role
        return data
