from rest_framework import serializers

from agencies.models import Agency

from ..choices import EntryKind
from ..models import Assessment, Indicator, ScoreEntry

BOOKABLE_KINDS = [EntryKind.BONUS, EntryKind.DEDUCTION, EntryKind.VETO]


class AgencyCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Agency.objects.filter(active=True), **kwargs)


class ScoreEntrySerializer(serializers.ModelSerializer):
    """A ledger entry. In: `{agency, kind: bonus|deduction|veto, points, reason}`; points > 0 (0 for a veto)."""

    cycle = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency = AgencyCodeField()
    kind = serializers.ChoiceField(choices=[(k, EntryKind(k).label) for k in BOOKABLE_KINDS])
    points = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    reason = serializers.CharField(max_length=500)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True)
    reversed_by = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ScoreEntry
        fields = ["id", "cycle", "agency", "kind", "points", "reason", "source", "source_key", "reverses",
                  "reversed_by", "created_by", "created_at"]
        read_only_fields = ["id", "source", "source_key", "created_at"]

    def get_reversed_by(self, entry) -> int | None:
        reversal = getattr(entry, "reversed_by", None)
        return reversal.pk if reversal else None

    def validate(self, attrs):
        if attrs.get("points") is None:
            if attrs["kind"] != EntryKind.VETO:
                raise serializers.ValidationError({"points": "必须填写分值（大于 0）"})
            attrs["points"] = 0
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["kind"] = instance.kind  # inspection entries are listed too
        return data


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class IndicatorSerializer(serializers.ModelSerializer):
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)

    class Meta:
        model = Indicator
        fields = ["code", "name", "max_points", "assessor_unit"]


class AssessmentSerializer(serializers.ModelSerializer):
    """`PUT {indicator, agency, points, note}`: an upsert (a new revision; the latest counts)."""

    indicator = serializers.CharField()
    agency = AgencyCodeField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    assessed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Assessment
        fields = ["indicator", "agency", "points", "note", "revision", "assessed_by", "assessed_at"]
        read_only_fields = ["revision", "assessed_at"]

    def validate_indicator(self, code):
        indicator = Indicator.objects.filter(cycle=self.context["cycle"], code=code).first()
        if indicator is None:
            raise serializers.ValidationError(f"本周期没有指标 {code}")
        return indicator

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["indicator"] = instance.indicator.code
        return data


class RecomputeSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=10, required=False, default="cycle")
    final = serializers.BooleanField(required=False, default=False)
