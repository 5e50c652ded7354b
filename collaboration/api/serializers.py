from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Unit, User
from collaboration.models import (
    RETURN_DECISION_CHOICES,
    AdminHandling,
    Attachment,
    Category,
    CollaborationRequest,
    Extension,
    MatterType,
    Priority,
    TimelineEntry,
    TransferOutcome,
    TransferReport,
)
from zhengxiang_portal.core.api import SlugRelatedField


@extend_schema_field(
    {
        "type": "string",
        # Values in the description, not as an enum: "category" also names the unit's category
        # enum, and a shared enum name would collide in the schema components.
        "description": "第六条协作类别: " + " | ".join(Category.values),
    }
)
class CategoryField(serializers.ChoiceField):
    """Art. 6 category, documented inline (the name "category" is also the unit's category)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Category.choices, **kwargs)


class MatterTypeSerializer(serializers.ModelSerializer):
    category = CategoryField(read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = MatterType
        fields = [
            "id",
            "code",
            "name",
            "category",
            "category_display",
            "default_working_days",
            "is_case_transfer",
            "legal_basis",
        ]


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.get_username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "timeline_entry",
            "download_url",
        ]

    def get_download_url(self, obj) -> str:
        return reverse("collaboration-api-attachment-download", args=[obj.pk])


class TimelineEntrySerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    # None for the system's own steps (the deadline scan): nullable in the schema too.
    actor = serializers.CharField(
        source="actor.get_username", read_only=True, default=None, allow_null=True
    )
    actor_unit = serializers.CharField(
        source="actor_unit.code", read_only=True, default=None, allow_null=True
    )
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TimelineEntry
        fields = [
            "id",
            "action",
            "action_display",
            "actor",
            "actor_unit",
            "comment",
            "from_status",
            "to_status",
            "details",
            "created_at",
            "attachments",
        ]


class TransferReportSerializer(serializers.ModelSerializer):
    """One progress report of a judicial organ on a transferred case (Art. 6(三))."""

    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    reported_by = serializers.CharField(source="reported_by.get_username", read_only=True)
    reporter_unit = serializers.CharField(source="reporter_unit.code", read_only=True)
    attachments = AttachmentSerializer(
        source="timeline_entry.attachments", many=True, read_only=True
    )

    class Meta:
        model = TransferReport
        fields = [
            "id",
            "stage",
            "stage_display",
            "occurred_on",
            "note",
            "returned",
            "reported_by",
            "reporter_unit",
            "reported_at",
            "timeline_entry",
            "attachments",
        ]


class ExtensionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="pending / approved / declined")

    class Meta:
        model = Extension
        fields = [
            "id",
            "reason",
            "previous_due_date",
            "new_due_date",
            "status",
            "requested_at",
            "decided_at",
            "decision_comment",
        ]


class RequestSerializer(serializers.ModelSerializer):
    category = CategoryField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    matter_type = serializers.CharField(source="matter_type.code", read_only=True)
    requesting_unit = serializers.CharField(source="requesting_unit.code", read_only=True)
    target_unit = serializers.CharField(source="target_unit.code", read_only=True)
    requested_by = serializers.CharField(source="requested_by.get_username", read_only=True)
    assignee = serializers.CharField(
        source="assignee.get_username", read_only=True, default=None, allow_null=True
    )
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = CollaborationRequest
        fields = [
            "id",
            "number",
            "category",
            "category_display",
            "matter_type",
            "subject",
            "priority",
            "requesting_unit",
            "requested_by",
            "target_unit",
            "assignee",
            "status",
            "status_display",
            "submitted_at",
            "due_date",
            "working_days_allowed",
            "is_overdue",
            "answered_at",
            "answered_late",
            "outcome",
            "admin_result",
            "admin_due_date",
        ]

    def get_is_overdue(self, obj) -> bool:
        today = self.context.get("today")
        return bool(today and obj.is_running and obj.due_date < today)


class RequestDetailSerializer(RequestSerializer):
    timeline = TimelineEntrySerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    transfer_reports = TransferReportSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = [
            *RequestSerializer.Meta.fields,
            "body",
            "legal_basis",
            "submitted_on",
            "paused_on",
            "remaining_working_days",
            "paused_working_days",
            "answer",
            "working_days_to_answer",
            "refusal_reason",
            "contest_reason",
            "refusal_ruling",
            "ruling_comment",
            "acknowledged_at",
            "outcome_note",
            "returned_at",
            "admin_decision_number",
            "admin_decided_on",
            "admin_note",
            "admin_recorded_at",
            "admin_handled_late",
            "closed_at",
            "transfer_reports",
            "timeline",
            "attachments",
            "extensions",
            "allowed_actions",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        from collaboration.permissions import allowed_actions

        return allowed_actions(self.context["request"].user, obj)


def _files():
    return serializers.ListField(child=serializers.FileField(), required=False, default=list)


class RequestCreateSerializer(serializers.Serializer):
    requesting_unit = SlugRelatedField(
        slug_field="code",
        queryset=Unit.objects.all(),
        required=False,
        help_text="默认为本人所属单位。",
    )
    target_unit = SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    matter_type = SlugRelatedField(
        slug_field="code", queryset=MatterType.objects.filter(is_active=True)
    )
    category = CategoryField(required=False)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False
    )
    due_date = serializers.DateField(required=False)
    files = _files()


class CommentIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AnswerIn(serializers.Serializer):
    answer = serializers.CharField()
    files = _files()


class OutcomeIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=TransferOutcome.choices)
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField()
    files = _files()


class ReturnIn(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=RETURN_DECISION_CHOICES,
        help_text="不立案 / 不起诉 / 判决无罪 / 免予刑事处罚（第六条第三项）",
    )
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField()
    files = _files()


class HandlingIn(serializers.Serializer):
    result = serializers.ChoiceField(choices=AdminHandling.choices)
    decision_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=80
    )
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    files = _files()


class QuestionIn(serializers.Serializer):
    question = serializers.CharField()
    files = _files()


class ClarificationIn(serializers.Serializer):
    clarification = serializers.CharField()
    files = _files()


class RefuseIn(serializers.Serializer):
    justification = serializers.CharField(allow_blank=True)
    files = _files()


class ContestIn(serializers.Serializer):
    reason = serializers.CharField()
    files = _files()


class ContestReplyIn(serializers.Serializer):
    reply = serializers.CharField()
    files = _files()


class RuleIn(serializers.Serializer):
    ruling = serializers.ChoiceField(
        choices=[("justified", "justified"), ("unjustified", "unjustified")]
    )
    comment = serializers.CharField()
    new_due_date = serializers.DateField(required=False, allow_null=True, default=None)


class ExtensionIn(serializers.Serializer):
    reason = serializers.CharField()
    new_due_date = serializers.DateField()


class ReopenIn(serializers.Serializer):
    reason = serializers.CharField()
    files = _files()


class AssignIn(serializers.Serializer):
    assignee = SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AttachIn(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), min_length=1)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


STEP_SERIALIZERS = {
    "accept": CommentIn,
    "acknowledge": CommentIn,
    "start": CommentIn,
    "answer": AnswerIn,
    "report_outcome": OutcomeIn,
    "return_case": ReturnIn,
    "record_handling": HandlingIn,
    "ask_clarification": QuestionIn,
    "answer_clarification": ClarificationIn,
    "refuse": RefuseIn,
    "contest": ContestIn,
    "reply_contest": ContestReplyIn,
    "rule": RuleIn,
    "ask_extension": ExtensionIn,
    "approve_extension": CommentIn,
    "decline_extension": CommentIn,
    "close": CommentIn,
    "reopen": ReopenIn,
    "withdraw": CommentIn,
    "assign": AssignIn,
    "attach": AttachIn,
}
