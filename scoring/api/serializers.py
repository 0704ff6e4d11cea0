from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from agencies.models import Agency

from ..choices import EntryKind, Outcome
from ..models import Assessment, Indicator, ScoreEntry

BOOKABLE_KINDS = [EntryKind.BONUS, EntryKind.DEDUCTION, EntryKind.VETO]
BOOKABLE_KIND_CHOICES = [(k, EntryKind(k).label) for k in BOOKABLE_KINDS]


class AgencyCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Agency.objects.filter(active=True), **kwargs)


class EntryKindField(serializers.ChoiceField):
    """An entry's kind: bonus, deduction or veto may be booked; every kind is listed (inspection too)."""

    def __init__(self, **kwargs):
        super().__init__(choices=BOOKABLE_KIND_CHOICES, **kwargs)


class EntryKindFieldSchema(OpenApiSerializerFieldExtension):
    """The schema says so too: the request enum has the bookable kinds, the answer's all of them."""

    target_class = EntryKindField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target if direction == "request" else serializers.ChoiceField(choices=EntryKind.choices)
        return auto_schema._map_serializer_field(field, direction, bypass_extensions=True)


class ScoreEntrySerializer(serializers.ModelSerializer):
    """A ledger entry. In: `{agency, kind: bonus|deduction|veto, points, reason}`; points > 0 (0 for a veto)."""

    cycle = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency = AgencyCodeField()
    kind = EntryKindField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    reason = serializers.CharField(max_length=500)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # null: not a reversal
    reversed_by = serializers.SerializerMethodField()
    # null: booked by no one signed in (an overdue notice's deduction)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

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
    assessed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

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


class TaskSerializer(serializers.Serializer):
    """`{task_id}`: the recompute asked for (already done in the embedded default)."""

    task_id = serializers.CharField()


# The rankings answer is built by `scoring.rankings.ranking_payload`; these classes describe it.

def _number(decimal_places: int = 2, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=9, decimal_places=decimal_places, allow_null=True, **kwargs)


def _rank(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(allow_null=True, **kwargs)


class RankingComponentSerializer(serializers.Serializer):
    score = _number(help_text="0–100；未计入时为 null")
    weight = _number(help_text="方案权重 W_c")
    weight_share = _number(4, help_text="W_c ÷ ΣW（只计已计入的分项）；未计入时为 null")
    n = serializers.IntegerField(help_text="评价（或台账）条数")
    included = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True, help_text="未计入的原因代码：no_window、no_data")
    reason_label = serializers.CharField(allow_null=True)
    small_sample = serializers.BooleanField(allow_null=True, help_text="样本少于 min_sample")


class RankingRowSerializer(serializers.Serializer):
    agency = serializers.CharField(help_text="机关编码")
    agency_name = serializers.CharField()
    group = serializers.CharField(help_text="分组编码")
    components = serializers.DictField(child=RankingComponentSerializer(),
                                       help_text="public_survey、appraisal、organizational、inspection")
    bonus = _number(help_text="计入的加分 min(B, bonus_cap)")
    deduction = _number()
    veto = serializers.BooleanField()
    veto_reason = serializers.CharField(allow_null=True, help_text="一票否决的事由（未否决时为 null）")
    total = serializers.DecimalField(max_digits=7, decimal_places=2)
    rank_overall = serializers.IntegerField(allow_null=True, help_text="总排名；暂不排名（unrated）时为 null")
    rank_in_group = serializers.IntegerField(allow_null=True, help_text="组内排名；暂不排名（unrated）时为 null")
    outcome = serializers.ChoiceField(choices=Outcome.choices,
                                      help_text="commended 表彰、warned 谈话提醒、none 或 unrated 暂不排名")
    base = _number()
    bonus_booked = _number(help_text="台账中的净加分 B")
    total_low = _number(help_text="总分 95% 区间下限")
    total_high = _number(help_text="总分 95% 区间上限")
    rank_low = _rank(help_text="总排名 95% 区间中最好的名次")
    rank_high = _rank(help_text="总排名 95% 区间中最差的名次")
    rank_in_group_low = _rank()
    rank_in_group_high = _rank()


class RankingsSerializer(serializers.Serializer):
    snapshot = serializers.IntegerField(help_text="快照 id")
    computed_at = serializers.DateTimeField()
    period = serializers.CharField(help_text="YYYY-Www、YYYY-MM、YYYY-Qn 或 cycle")
    final = serializers.BooleanField(help_text="年度最终结果")
    digest = serializers.CharField(help_text="输入摘要：同样的输入得同样的摘要与结果")
    rows = RankingRowSerializer(many=True)
