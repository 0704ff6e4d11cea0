from django.utils import timezone
from rest_framework import serializers

from agencies.models import Agency, Window
from agencies.selectors import cycle_for_date
from conduct_eval.api import BoundedDateTimeField

from ..choices import FindingCategory, Severity, VisitMode
from ..models import Evidence, Finding, Visit


class FindingSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=FindingCategory.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)

    class Meta:
        model = Finding
        fields = ["id", "category", "severity", "description", "status", "reason", "appeal_status"]
        read_only_fields = ["id", "status", "reason", "appeal_status"]


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "finding", "content_type", "size", "sha256", "width", "height", "uploaded_at", "captured_at",
                  "gps_latitude", "gps_longitude", "url"]

    def get_url(self, obj) -> str:
        return f"/inspect/evidence/{obj.pk}/"


class VisitSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.filter(active=True))
    # Written as a code; answered as a code too (Window's str() would cost a query per visit).
    window = serializers.SlugRelatedField(slug_field="code", required=False, allow_null=True,
                                          queryset=Window.objects.all())
    visited_at = BoundedDateTimeField(past=True, label="察访时间")
    mode = serializers.ChoiceField(choices=VisitMode.choices)
    findings = FindingSerializer(many=True, required=False)
    evidence = EvidenceSerializer(many=True, read_only=True)
    submit = serializers.BooleanField(write_only=True, default=True,
                                      help_text="false 保存为草稿；默认直接提交审核")

    class Meta:
        model = Visit
        fields = ["id", "agency", "window", "visited_at", "mode", "summary", "status", "submitted_at", "findings",
                  "evidence", "submit"]
        read_only_fields = ["id", "status", "submitted_at"]

    def validate_visited_at(self, visited_at):
        # A confirmed finding is booked in the cycle of its visit's day: a visit outside every cycle could
        # never count.
        if cycle_for_date(timezone.localdate(visited_at)) is None:
            raise serializers.ValidationError("察访日期不在任何评议周期内")
        return visited_at

    def to_internal_value(self, data):
        # A window code is unique within its agency only: look it up there, not among all windows.
        code = data.get("window") if hasattr(data, "get") else None
        if code:
            data = {**data, "window": None}
        attrs = super().to_internal_value(data)
        if code:
            attrs["window"] = attrs["agency"].windows.filter(code=code).first()
            if attrs["window"] is None:
                raise serializers.ValidationError({"window": [f"该机关没有编码为 {code} 的窗口"]})
        return attrs


class ReviewSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AppealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AdjudicateSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=[("true", "属实"), ("false", "不属实")])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AgencyFindingSerializer(serializers.ModelSerializer):
    """What an agency sees of a finding: never who made it."""

    agency = serializers.CharField(source="visit.agency.code")
    visited_at = serializers.DateTimeField(source="visit.visited_at")
    mode = serializers.CharField(source="visit.mode")
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "agency", "visited_at", "mode", "category", "severity", "description", "status", "reason",
                  "appeal_status", "appeal_text", "appeal_note", "evidence"]

    def get_evidence(self, obj) -> list[str]:
        return [f"/inspect/evidence/{e.pk}/" for e in obj.evidence.all()]


class EvidenceUploadSerializer(serializers.Serializer):
    """`POST /visits/{id}/evidence/` (multipart): one photo, optionally tied to one of the visit's findings.

    Describes the body for the schema; the service checks the file (JPEG/PNG ≤ 10 MB, content).
    """

    file = serializers.FileField()
    finding = serializers.IntegerField(required=False, help_text="本次察访中某个问题的 id")
