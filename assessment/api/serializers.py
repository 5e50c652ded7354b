from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    Indicator,
    IndicatorScheme,
    OrderAccountability,
    Period,
    RectificationOrder,
    Score,
)
from ..rules import RuleKind


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "kind", "year", "quarter", "name", "start", "end", "status", "frozen_at",
                  "computed_at"]  # fmt: skip
        read_only_fields = ["name", "start", "end", "status", "frozen_at", "computed_at"]


class IndicatorSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=RuleKind.choices)

    class Meta:
        model = Indicator
        fields = ["id", "position", "name", "weight", "kind", "params", "description"]
        read_only_fields = ["id", "position"]


class SchemeSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True)
    period = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = IndicatorScheme
        fields = ["id", "period", "note", "updated_at", "indicators"]


class SchemeWriteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    indicators = IndicatorSerializer(many=True)


class EvidenceSerializer(serializers.Serializer):
    """One fact behind a score: content type, id, label, the page to open, and its mark."""

    content_type = serializers.CharField()
    id = serializers.IntegerField()
    label = serializers.CharField()
    url = serializers.CharField()
    tag = serializers.CharField()


class ScoreSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    kind = serializers.CharField(source="indicator.kind", read_only=True)
    weight = serializers.DecimalField(
        source="indicator.weight", max_digits=5, decimal_places=2, read_only=True
    )
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = ["id", "period", "unit", "unit_code", "indicator", "indicator_name", "kind",
                  "weight", "value", "max", "computed_value", "not_applicable", "adjusted",
                  "effective_weight", "weighted", "explanation", "facts", "evidence",
                  "computed_at"]  # fmt: skip

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj: Score) -> list[dict]:
        return [
            {
                "content_type": ref.get("ct", ""),
                "id": ref.get("id"),
                "label": ref.get("label", ""),
                "url": ref.get("url")
                or reverse("assessment:evidence_detail", args=[obj.pk, index]),
                "tag": ref.get("tag", ""),
            }
            for index, ref in enumerate(obj.evidence)
        ]


class AdjustSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=8, decimal_places=2)
    reason = serializers.CharField()


class OrderAccountabilitySerializer(serializers.ModelSerializer):
    persons = serializers.ListField(source="person_lines", child=serializers.CharField())

    class Meta:
        model = OrderAccountability
        fields = ["id", "persons", "decision", "referred_to", "decided_on", "recorded_at"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    accountabilities = OrderAccountabilitySerializer(many=True, read_only=True)

    class Meta:
        model = RectificationOrder
        fields = ["id", "unit", "unit_code", "period", "failure", "facts", "requirement",
                  "evidence", "working_days", "due_date", "status", "issued_at", "correction",
                  "answered_at", "decision_note", "decided_at", "accountabilities"]  # fmt: skip
        read_only_fields = ["due_date", "status", "issued_at", "correction", "answered_at",
                            "decision_note", "decided_at"]  # fmt: skip


class OrderAnswerSerializer(serializers.Serializer):
    correction = serializers.CharField()


class OrderDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["close", "escalate"])
    note = serializers.CharField(required=False, allow_blank=True, default="")
