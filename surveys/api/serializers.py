import re

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency, Cycle
from conduct_eval.api import BoundedDateTimeField

from .. import selectors, services
from ..choices import Channel, EvaluatorCategory, OpinionStatus, ResponseStatus
from ..models import Survey

AGENCY_CODE = re.compile(rf"[-a-zA-Z0-9_]{{1,{Agency._meta.get_field('code').max_length}}}")


class SurveySerializer(serializers.ModelSerializer):
    cycle = serializers.SlugRelatedField(slug_field="code", queryset=Cycle.objects.all())
    opens_at = BoundedDateTimeField(label="开始时间")
    closes_at = BoundedDateTimeField(label="结束时间")

    class Meta:
        model = Survey
        fields = ["slug", "cycle", "kind", "title", "description", "opens_at", "closes_at", "dimensions"]

    def validate(self, attrs):
        if attrs["closes_at"] <= attrs["opens_at"]:
            raise serializers.ValidationError({"closes_at": "结束时间必须晚于开始时间"})
        # Its responses count in its cycle: a survey that is over before the cycle starts, or opens after
        # it ends, would collect answers for no period at all.
        cycle = attrs["cycle"]
        if timezone.localdate(attrs["opens_at"]) > cycle.ends_on:
            raise serializers.ValidationError({"opens_at": f"开始时间晚于评议周期 {cycle.code} 的结束日期"})
        if timezone.localdate(attrs["closes_at"]) <= cycle.starts_on:
            raise serializers.ValidationError({"closes_at": f"结束时间早于评议周期 {cycle.code} 的开始日期"})
        return attrs

    def create(self, validated_data):
        return services.survey_create(**validated_data)


def _levels(**extra) -> dict:
    return {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 5, **extra}}


@extend_schema_field(_levels(nullable=True))
class SurveyRatingsField(serializers.JSONField):
    """`{dimension code: 1–5, or null for "does not apply"}` (the service checks the codes)."""


@extend_schema_field({**_levels(), "minProperties": 1})
class BallotRatingsField(serializers.JSONField):
    """`{agency code: 1–5}`, at least one agency."""


class ResponseInSerializer(serializers.Serializer):
    """`{agency, window?, channel?, ratings, opinion?, contact?}` — codes resolved here, rules in the service."""

    agency = serializers.CharField(max_length=40)
    window = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True)
    channel = serializers.ChoiceField(choices=[c for c in Channel.choices if c[0] != Channel.IMPORT],
                                      default=Channel.WEB)
    ratings = SurveyRatingsField(help_text="{维度编码: 1–5 或 null（不适用）}")
    opinion = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=True)
    contact = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=True)

    def validate_agency(self, code):
        agency = selectors.agencies_rated_publicly().filter(code=code).first()
        if agency is None:
            raise serializers.ValidationError(f"未知机关或该机关不参加网上民评：{code}")
        return agency

    def validate(self, attrs):
        code = attrs.get("window")
        attrs["window"] = None
        if code:
            attrs["window"] = selectors.window_of(attrs["agency"], code)
            if attrs["window"] is None:
                raise serializers.ValidationError({"window": f"该机关没有窗口：{code}"})
        attrs["opinion"] = attrs.get("opinion") or ""
        attrs["contact"] = attrs.get("contact") or ""
        return attrs


class InvitationsInSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=EvaluatorCategory.choices)
    count = serializers.IntegerField(min_value=1, max_value=services.INVITATIONS_MAX)


class BallotInSerializer(serializers.Serializer):
    """`{token, ratings: {agency code: 1–5}}`; agencies the evaluator does not know are left out."""

    token = serializers.CharField(max_length=100)
    ratings = BallotRatingsField(help_text="{机关编码: 1–5}；不了解的机关不填")

    def validate_ratings(self, ratings):
        if not isinstance(ratings, dict) or not ratings:
            raise serializers.ValidationError("ratings 必须是非空对象：{机关编码: 1–5}")
        # Only what can be an agency code goes to the database (a NUL in a key is a ValueError there).
        codes = [code for code in ratings if isinstance(code, str) and AGENCY_CODE.fullmatch(code)]
        agencies = dict(Agency.objects.filter(active=True, code__in=codes).values_list("code", "pk"))
        unknown = [code for code in ratings if code not in agencies]
        if unknown:
            shown = [code if code in codes else repr(code) for code in unknown[:10]]
            raise serializers.ValidationError(f"未知机关：{', '.join(shown)}")
        bad = [code for code, level in ratings.items()
               if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5]
        if bad:
            raise serializers.ValidationError(f"等级必须是 1–5 的整数：{', '.join(bad)}")
        return {agencies[code]: level for code, level in ratings.items()}


# The answers below are built by the views; these classes describe them for the schema.

class ResponseReceiptSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s, ResponseStatus(s).label) for s in (ResponseStatus.VALID,
                                                                                      ResponseStatus.DUPLICATE)])
    receipt = serializers.CharField(required=False, help_text="意见回执码，只在提交了意见时给出；凭它在 /track/ 查询")


class InvitationTokensSerializer(serializers.Serializer):
    tokens = serializers.ListField(child=serializers.CharField(), help_text="评议码，只显示这一次")


class BallotReceiptSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=EvaluatorCategory.choices)
    submitted_on = serializers.DateField()
    rated = serializers.IntegerField(help_text="评了几个机关")


class TrackEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=OpinionStatus.choices)
    note = serializers.CharField()


class TrackSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OpinionStatus.choices)
    history = TrackEventSerializer(many=True)
