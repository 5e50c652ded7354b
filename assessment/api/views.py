"""API of the assessment app: periods, schemes, scores with evidence, rectification orders."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Unit

from .. import selectors, services
from ..permissions import can_view_all
from .serializers import (
    AdjustSerializer,
    OrderAnswerSerializer,
    OrderDecideSerializer,
    OrderSerializer,
    PeriodSerializer,
    SchemeSerializer,
    SchemeWriteSerializer,
    ScoreSerializer,
)


class PeriodViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Assessment periods (Art. 25); the working group opens, recomputes and freezes them."""

    serializer_class = PeriodSerializer
    filterset_fields = ["kind", "year", "status"]
    ordering = ["-start"]

    def get_queryset(self):
        return selectors.period_list()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.period_create(
            actor=self.request.user, kind=data["kind"], year=data["year"],
            quarter=data.get("quarter"),
        )  # fmt: skip

    @extend_schema(request=None, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        period = self.get_object()
        services.period_recompute(period=period, actor=request.user)
        period.refresh_from_db()
        return Response(PeriodSerializer(period).data)

    @extend_schema(request=None, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def freeze(self, request, pk=None):
        period = services.period_freeze(actor=request.user, period=self.get_object())
        return Response(PeriodSerializer(period).data)

    @extend_schema(methods=["GET"], responses=SchemeSerializer)
    @extend_schema(methods=["PUT"], request=SchemeWriteSerializer, responses=SchemeSerializer)
    @action(detail=True, methods=["get", "put"])
    def scheme(self, request, pk=None):
        """The period's indicator scheme; PUT replaces it (weights must sum to 100)."""
        period = self.get_object()
        if request.method == "PUT":
            write = SchemeWriteSerializer(data=request.data)
            write.is_valid(raise_exception=True)
            services.scheme_save(
                actor=request.user,
                period=period,
                indicators=[dict(row) for row in write.validated_data["indicators"]],
                note=write.validated_data.get("note"),
            )
        elif not can_view_all(request.user):
            raise PermissionDenied
        period.refresh_from_db()
        return Response(SchemeSerializer(period.scheme).data)


class ScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Scores with their evidence: leaders see every unit, a liaison their own unit's."""

    serializer_class = ScoreSerializer
    filterset_fields = ["period", "unit", "indicator", "not_applicable"]
    ordering = ["period", "unit__code", "indicator__position"]

    def get_queryset(self):
        return selectors.score_list(user=self.request.user)

    @extend_schema(request=AdjustSerializer, responses=ScoreSerializer)
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        """Set the score by hand with a reason (recorded in the ledger)."""
        score = self.get_object()
        body = AdjustSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.score_adjust(actor=request.user, score=score, **body.validated_data)
        return Response(ScoreSerializer(self.get_queryset().get(pk=score.pk)).data)


class OrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Rectification orders (责令改正, Art. 28)."""

    serializer_class = OrderSerializer
    filterset_fields = ["unit", "status", "failure", "period"]
    ordering = ["-issued_at"]

    def get_queryset(self):
        return selectors.order_list(user=self.request.user).prefetch_related("accountabilities")

    def perform_create(self, serializer):
        data = serializer.validated_data
        unit: Unit = data["unit"]
        serializer.instance = services.order_issue(
            actor=self.request.user,
            unit=unit,
            period=data.get("period"),
            failure=data["failure"],
            facts=data["facts"],
            requirement=data["requirement"],
            working_days=data.get("working_days", 10),
            evidence=data.get("evidence") or [],
        )

    @extend_schema(request=OrderAnswerSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = OrderAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.order_answer(
            actor=request.user, order=self.get_object(), **body.validated_data
        )
        return Response(OrderSerializer(order).data)

    @extend_schema(request=OrderDecideSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        body = OrderDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.order_decide(
            actor=request.user, order=self.get_object(), **body.validated_data
        )
        return Response(OrderSerializer(order).data, status=status.HTTP_200_OK)
