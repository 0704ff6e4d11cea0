from rest_framework import serializers

from agencies.models import Agency, Cycle
from surveys.models import Opinion

from ..choices import NoticeSource, TriageAction
from ..models import NoticeEvidence, RectificationNotice


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = NoticeEvidence
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        return f"/agency/notices/{obj.notice_id}/evidence/{obj.pk}/"


class NoticeSerializer(serializers.ModelSerializer):
    """`{id, agency, source, text, issued_at, deadline, status, overdue, response}` (the contract)."""

    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    response = serializers.SerializerMethodField()

    class Meta:
        model = RectificationNotice
        fields = ["id", "agency", "source", "text", "issued_at", "deadline", "status", "overdue", "response"]

    def get_response(self, obj) -> dict | None:
        if obj.responded_at is None:
            return None
        return {"measures": obj.measures, "responded_at": serializers.DateTimeField().to_representation(
            obj.responded_at), "evidence": EvidenceSerializer(obj.evidence.all(), many=True).data}


class NoticeDetailSerializer(NoticeSerializer):
    history = serializers.SerializerMethodField()

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "history"]

    def get_history(self, obj) -> list[dict]:
        at = serializers.DateTimeField()
        return [{"at": at.to_representation(e.at), "action": e.action, "note": e.note} for e in obj.events.all()]


class NoticeCreateSerializer(serializers.Serializer):
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.filter(active=True))
    text = serializers.CharField(max_length=4000)
    source = serializers.ChoiceField(choices=NoticeSource.choices, default=NoticeSource.MANUAL)
    cycle = serializers.SlugRelatedField(slug_field="code", queryset=Cycle.objects.all(), required=False,
                                         allow_null=True)
    source_key = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)


class RespondSerializer(serializers.Serializer):
    measures = serializers.CharField(max_length=4000)
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class VerifySerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OpinionSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    window = serializers.SlugRelatedField(slug_field="code", read_only=True)
    merged_into = serializers.PrimaryKeyRelatedField(read_only=True)
    similar = serializers.SerializerMethodField()

    class Meta:
        model = Opinion
        # Administrators are the triage staff: they see the contact in full.
        fields = ["id", "receipt", "agency", "window", "text", "contact", "contact_masked", "status", "merged_into",
                  "created_at", "similar"]

    def get_similar(self, obj) -> list[dict]:
        return [{"id": other.pk, "text": other.text, "score": score}
                for other, score in self.context.get("suggestions", {}).get(obj.pk, [])]


class TriageSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=TriageAction.choices)
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.filter(active=True),
                                          required=False, allow_null=True)
    merge_into = serializers.PrimaryKeyRelatedField(queryset=Opinion.objects.all(), required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
