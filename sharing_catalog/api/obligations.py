"""Obligations API: what each unit owes and by when, scoped like the pages."""

from __future__ import annotations

import django_filters
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from agencies.models import Unit
from agencies.roles import is_working_group
from zhengxiang_portal.exports import XLSX_CONTENT_TYPE, xlsx_response

from ..models import Obligation
from ..selectors.catalog import schema_in_force
from ..selectors.obligations import (
    obligation_list,
    obligation_on_time,
    obligation_overdue_by_unit,
)
from ..services.templates import template_filename, template_workbook


class ObligationSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    provider = serializers.IntegerField(source="item.provider_id", read_only=True)
    provider_code = serializers.CharField(source="item.provider.code", read_only=True)
    provider_name = serializers.CharField(source="item.provider.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    on_time = serializers.SerializerMethodField()

    class Meta:
        model = Obligation
        fields = [
            "id",
            "item",
            "item_code",
            "item_name",
            "provider",
            "provider_code",
            "provider_name",
            "period_label",
            "period_start",
            "period_end",
            "due_date",
            "grace_until",
            "status",
            "status_display",
            "fulfilled_at",
            "reminded_at",
            "overdue_at",
            "escalated_at",
            "on_time",
        ]
        read_only_fields = fields

    def get_on_time(self, obj: Obligation) -> bool | None:
        return obligation_on_time(obj)


class OverdueByUnitSerializer(serializers.Serializer):
    provider = serializers.IntegerField(source="item__provider_id")
    provider_code = serializers.CharField(source="item__provider__code")
    provider_name = serializers.CharField(source="item__provider__name")
    count = serializers.IntegerField()


class ObligationFilter(django_filters.FilterSet):
    # An id filter, not NumberFilter: a decimal like 1e23 would overflow the database integer.
    provider = django_filters.ModelChoiceFilter(
        field_name="item__provider", queryset=Unit.objects.all()
    )
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Obligation
        fields = ["status", "item", "provider", "due_from", "due_to"]


@extend_schema_view(
    list=extend_schema(summary="报送任务"),
    retrieve=extend_schema(summary="报送任务详情"),
)
class ObligationViewSet(viewsets.ReadOnlyModelViewSet):
    """Obligations: a provider's liaisons see their unit's, consumers those of items they
    receive, the working group all (Art. 20, 22)."""

    serializer_class = ObligationSerializer
    filterset_class = ObligationFilter
    ordering_fields = ["due_date", "period_start", "status"]
    ordering = ["due_date"]
    search_fields = ["item__name", "item__code", "period_label"]

    def get_queryset(self):
        return obligation_list(user=self.request.user)

    @extend_schema(
        summary="下载本任务的报送模板（Excel）",
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def template(self, request, pk=None):
        schema = schema_in_force(item=self.get_object().item)
        if schema is None:
            raise Http404
        return xlsx_response(filename=template_filename(schema), workbook=template_workbook(schema))

    @extend_schema(
        summary="逾期未报送（按单位，专项工作组）",
        responses=OverdueByUnitSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="overdue-by-unit", pagination_class=None)
    def overdue_by_unit(self, request):
        if not is_working_group(request.user):
            raise PermissionDenied()
        rows = obligation_overdue_by_unit(user=request.user)
        return Response(OverdueByUnitSerializer(rows, many=True).data)
