"""API for grants, off-platform agreements and coordination requests (thin; services decide).

Objects the caller's unit is not party to are 404 (scoped querysets); forbidden actions 403.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Unit
from sharing_catalog.models import (
    AccessGrant,
    CatalogItem,
    CoordinationRequest,
    Objection,
    OffPlatformAgreement,
    Submission,
)
from sharing_catalog.purposes import StatutoryPurpose
from sharing_catalog.selectors import governance as sel
from sharing_catalog.selectors.objections import objection_list
from sharing_catalog.selectors.submissions import submission_get, submission_visible_to
from sharing_catalog.services import agreements as agreement_services
from sharing_catalog.services import coordination as coordination_services
from sharing_catalog.services import grants as grant_services
from sharing_catalog.services import objections as objection_services
from zhengxiang_portal.core.idempotency import idempotent


class AccessGrantSerializer(serializers.ModelSerializer):
    # plain strings: the two decisions share one choice set (one enum name in the schema)
    provider_decision = serializers.CharField(read_only=True)
    wg_decision = serializers.CharField(read_only=True)

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            "item",
            "consumer",
            "purpose",
            "purpose_text",
            "legal_basis",
            "requested_by",
            "requested_at",
            "status",
            "provider_decision",
            "provider_comment",
            "wg_decision",
            "wg_comment",
            "valid_from",
            "valid_until",
            "decided_by",
            "decided_at",
            "revoked_reason",
        ]
        read_only_fields = fields


class GrantApplySerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=CatalogItem.objects.all())
    consumer = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    purpose = serializers.ChoiceField(choices=StatutoryPurpose.choices)
    purpose_text = serializers.CharField(required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField()


class GrantDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AccessGrantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Access grants for conditionally shared items (有条件共享, Art. 19, 24)."""

    serializer_class = AccessGrantSerializer
    filterset_fields = ["status", "item", "consumer"]

    def get_queryset(self):
        return sel.grant_list(user=self.request.user)

    @extend_schema(request=GrantApplySerializer, responses=AccessGrantSerializer)
    @idempotent
    def create(self, request):
        data = GrantApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = grant_services.grant_apply(actor=request.user, **data.validated_data)
        return Response(AccessGrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GrantDecisionSerializer, responses=AccessGrantSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """The provider's decision, or the working group's when the grant awaits it."""
        grant = self.get_object()
        data = GrantDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if grant.awaiting_working_group:
            grant = grant_services.grant_decide_working_group(
                actor=request.user,
                grant=grant,
                approve=data.validated_data["approve"],
                comment=data.validated_data["comment"],
            )
        else:
            grant = grant_services.grant_decide_provider(
                actor=request.user, grant=grant, **data.validated_data
            )
        return Response(AccessGrantSerializer(grant).data)

    @extend_schema(request=ReasonSerializer, responses=AccessGrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = grant_services.grant_revoke(
            actor=request.user, grant=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(AccessGrantSerializer(grant).data)


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = OffPlatformAgreement
        fields = [
            "id",
            "provider",
            "consumer",
            "item",
            "content",
            "format_standard",
            "method",
            "frequency",
            "signed_on",
            "target_migration_date",
            "status",
            "filed_with_wg_at",
            "migrated_at",
            "registered_by",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "filed_with_wg_at",
            "migrated_at",
            "registered_by",
            "created_at",
        ]


class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Off-platform sharing agreements filed with the working group (Art. 21)."""

    serializer_class = AgreementSerializer
    filterset_fields = ["status", "provider", "consumer"]

    def get_queryset(self):
        overdue = self.request.query_params.get("overdue") == "1"
        return sel.agreement_list(user=self.request.user, filters={"overdue": overdue})

    @idempotent
    def create(self, request):
        data = AgreementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = agreement_services.agreement_register(actor=request.user, **data.validated_data)
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AgreementSerializer)
    @action(detail=True, methods=["post"], url_path="file")
    def file(self, request, pk=None):
        agreement = agreement_services.agreement_file(
            actor=request.user, agreement=self.get_object()
        )
        return Response(AgreementSerializer(agreement).data)

    @extend_schema(request=None, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    def migrate(self, request, pk=None):
        agreement = agreement_services.agreement_mark_migrated(
            actor=request.user, agreement=self.get_object()
        )
        return Response(AgreementSerializer(agreement).data)


class CoordinationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoordinationRequest
        fields = [
            "id",
            "unit",
            "item",
            "reason",
            "reason_text",
            "requested_by",
            "created_at",
            "status",
            "exempt_until",
            "plan_target_date",
            "decision_comment",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = [f for f in fields if f not in ("item", "reason", "reason_text")]
        # No unique-together check here: it ran before the service's permission check and told
        # another unit's liaison that an item had a pending request (issue 15). The service
        # refuses other units first (403) and its own pending check follows; the database
        # constraint coordination_one_pending_per_item stays the last word.
        validators: list = []


class CoordinationDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[c for c in CoordinationRequest.Status.choices if c[0] != "requested"]
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    exempt_until = serializers.DateField(required=False, allow_null=True, default=None)
    plan_target_date = serializers.DateField(required=False, allow_null=True, default=None)


class CoordinationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Coordination requests and exemptions decided by the working group (Art. 20)."""

    serializer_class = CoordinationSerializer
    filterset_fields = ["status", "unit", "item"]

    def get_queryset(self):
        return sel.coordination_list(user=self.request.user)

    @idempotent
    def create(self, request):
        data = CoordinationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = coordination_services.coordination_request_create(
            actor=request.user, **data.validated_data
        )
        return Response(CoordinationSerializer(req).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CoordinationDecisionSerializer, responses=CoordinationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = CoordinationDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = coordination_services.coordination_decide(
            actor=request.user, request=self.get_object(), **data.validated_data
        )
        return Response(CoordinationSerializer(req).data)


class ObjectionSerializer(serializers.ModelSerializer):
    # plain strings: "category" and the closing reason names are used by other components' enums
    category = serializers.CharField(read_only=True)
    closing_reason = serializers.CharField(read_only=True)
    # "" until the working group rules: the schema's enum says so (issue 15).
    ruling = serializers.ChoiceField(
        choices=Objection.Ruling.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Objection
        fields = [
            "id",
            "submission",
            "item",
            "provider",
            "consumer",
            "raised_by",
            "category",
            "description",
            "row_numbers",
            "fields",
            "status",
            "round",
            "first_deadline",
            "deadline",
            "answered_at",
            "explanation",
            "accept_deadline",
            "overdue_at",
            "escalated_at",
            "dispute_text",
            "correction",
            "arbitration_reason",
            "ruling",
            "ruling_comment",
            "closing_reason",
            "closing_text",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


class ObjectionRaiseSerializer(serializers.Serializer):
    submission = serializers.IntegerField()
    category = serializers.CharField(help_text="doubt / error / missing / duplicate / other")
    description = serializers.CharField()
    rows = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    fields = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ObjectionStepSerializer(serializers.Serializer):
    """Text of a step: explanation, dispute, arbitration reason, ruling comment or closing text."""

    text = serializers.CharField(required=False, allow_blank=True, default="")
    correction = serializers.IntegerField(required=False)
    upheld = serializers.BooleanField(required=False, default=False)
    # a plain string (the service checks it against the closing reasons each side may use)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ObjectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Objections to confirmed data (异议, Art. 19, 22); POST /{id}/{step}/ for each step."""

    serializer_class = ObjectionSerializer
    filterset_fields = ["status", "submission", "provider", "consumer"]

    def get_queryset(self):
        return objection_list(user=self.request.user)

    @extend_schema(request=ObjectionRaiseSerializer, responses=ObjectionSerializer)
    @idempotent
    def create(self, request):
        data = ObjectionRaiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            submission = submission_get(user=request.user, pk=v["submission"])
        except Submission.DoesNotExist as exc:
            raise Http404 from exc
        objection = objection_services.objection_raise(
            actor=request.user,
            submission=submission,
            category=v["category"],
            description=v["description"],
            rows=v["rows"],
            fields=v["fields"],
        )
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)

    def _step(self, request, fn, **kwargs):
        obj = fn(actor=request.user, objection=self.get_object(), **kwargs)
        return Response(ObjectionSerializer(obj).data)

    def _data(self, request) -> dict:
        data = ObjectionStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=ObjectionStepSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def explain(self, request, pk=None):
        return self._step(
            request, objection_services.objection_explain, explanation=self._data(request)["text"]
        )

    @extend_schema(request=ObjectionStepSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        data = self._data(request)
        correction = get_object_or_404(
            submission_visible_to(user=request.user), pk=data.get("correction") or 0
        )
        return self._step(request, objection_services.objection_correct, correction=correction)

    @extend_schema(request=None, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._step(request, objection_services.objection_accept)

    @extend_schema(request=ObjectionStepSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        return self._step(
            request, objection_services.objection_dispute, text=self._data(request)["text"]
        )

    @extend_schema(request=ObjectionStepSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def arbitrate(self, request, pk=None):
        return self._step(
            request,
            objection_services.objection_request_arbitration,
            reason=self._data(request)["text"],
        )

    @extend_schema(request=ObjectionStepSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def rule(self, request, pk=None):
        data = self._data(request)
        return self._step(
            request, objection_services.objection_rule, upheld=data["upheld"], comment=data["text"]
        )

    @extend_schema(request=ObjectionStepSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self._data(request)
        return self._step(
            request, objection_services.objection_close, reason=data["reason"], text=data["text"]
        )


def register(router) -> None:
    router.register("objections", ObjectionViewSet, basename="objection")
    router.register("access-grants", AccessGrantViewSet, basename="access-grant")
    router.register("off-platform-agreements", AgreementViewSet, basename="agreement")
    router.register("coordination-requests", CoordinationViewSet, basename="coordination")
