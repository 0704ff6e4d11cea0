from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from agencies.models import Agency, Cycle
from surveys.models import Opinion

from ..choices import NoticeAction, NoticeSource, TriageAction
from ..models import NoticeEvidence, RectificationNotice


@extend_schema_serializer(component_name="NoticeEvidence")  # inspections has an Evidence of its own
class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = NoticeEvidence
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        return f"/agency/notices/{obj.notice_id}/evidence/{obj.pk}/"


class NoticeResponseSerializer(serializers.Serializer):
    """The agency's response to a notice (describes `NoticeSerializer.get_response`)."""

    measures = serializers.CharField()
    responded_at = serializers.DateTimeField()
    evidence = EvidenceSerializer(many=True)


class NoticeEventSerializer(serializers.Serializer):
    """One step of a notice's history (describes `NoticeDetailSerializer.get_history`)."""

    at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=NoticeAction.choices)
    note = serializers.CharField()


class NoticeSerializer(serializers.ModelSerializer):
    """`{id, agency, source, text, issued_at, deadline, status, overdue, response}` (the contract)."""

    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    response = serializers.SerializerMethodField()

    class Meta:
        model = RectificationNotice
        fields = ["id", "agency", "source", "text", "issued_at", "deadline", "status", "overdue", "response"]

    @extend_schema_field(NoticeResponseSerializer(allow_null=True))
    def get_response(self, obj) -> dict | None:
        if obj.responded_at is None:
            return None
        return {"measures": obj.measures, "responded_at": serializers.DateTimeField().to_representation(
            obj.responded_at), "evidence": EvidenceSerializer(obj.evidence.all(), many=True).data}


class NoticeDetailSerializer(NoticeSerializer):
    history = serializers.SerializerMethodField()

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "history"]

    @extend_schema_field(NoticeEventSerializer(many=True))
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


class RespondJSONSerializer(serializers.Serializer):
    """`{measures}` as JSON; evidence files come only with a multipart body."""

    measures = serializers.CharField(max_length=4000)


class RespondSerializer(serializers.Serializer):
    measures = serializers.CharField(max_length=4000)
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class VerifySerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SimilarOpinionSerializer(serializers.Serializer):
    """A suggestion to merge with (describes `OpinionSerializer.get_similar`)."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField(help_text="文本相似度 0–100")


class OpinionSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    window = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    merged_into = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    similar = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField(help_text="问题类别编码")

    class Meta:
        model = Opinion
        # Administrators are the triage staff: they see the contact in full.
        fields = ["id", "receipt", "agency", "window", "text", "contact", "contact_masked", "status", "merged_into",
                  "created_at", "similar", "categories"]

    def get_categories(self, obj) -> list[str]:
        return [tag.category.code for tag in obj.tags.all()]

    @extend_schema_field(SimilarOpinionSerializer(many=True))
    def get_similar(self, obj) -> list[dict]:
        return [{"id": other.pk, "text": other.text, "score": score}
                for other, score in self.context.get("suggestions", {}).get(obj.pk, [])]


class TriageSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=TriageAction.choices)
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.filter(active=True),
                                          required=False, allow_null=True)
    merge_into = serializers.PrimaryKeyRelatedField(queryset=Opinion.objects.all(), required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000,
                                 help_text="答复群众：显示在 /track/")
    internal_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000,
                                          help_text="内部备注：仅办公室可见，不显示在 /track/")


class CategoryCountSerializer(serializers.Serializer):
    """How many opinions carry one problem category (`selectors.opinion_category_counts`)."""

    code = serializers.CharField()
    name = serializers.CharField()
    active = serializers.BooleanField()
    count = serializers.IntegerField()


class NoticeStatsSerializer(serializers.Serializer):
    """A cycle's rectification figures (`selectors.notice_stats` tells how each is counted)."""

    issued = serializers.IntegerField()
    due = serializers.IntegerField()
    verified = serializers.IntegerField()
    on_time = serializers.IntegerField()
    overdue = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="verified ÷ due；尚无到期通知时为 null")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="on_time ÷ due；尚无到期通知时为 null")
