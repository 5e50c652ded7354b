"""Catalog API: browse the 目录清单, its schema in force and template; the working group edits.

Object permission (Art. 20): reading follows `catalog_item_list` (published for everyone, drafts
for the working group); every write goes through a service that admits only the working group.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Unit
from zhengxiang_portal.exports import XLSX_CONTENT_TYPE, xlsx_response

from ..forms.catalog import CatalogFilterForm
from ..models import CatalogItem, FieldType, SchemaField, SchemaVersion
from ..selectors.catalog import (
    catalog_item_list,
    catalog_published_for_export,
    schema_in_force,
)
from ..services.catalog import (
    ITEM_EDITABLE_FIELDS,
    catalog_item_create,
    catalog_item_publish,
    catalog_item_retire,
    catalog_item_update,
    schema_version_create,
    schema_version_publish,
    user_can_edit_catalog,
)
from ..services.catalog_export import catalog_dcat
from ..services.templates import template_filename, template_workbook


class SchemaFieldSerializer(serializers.ModelSerializer):
    field_type_display = serializers.CharField(source="get_field_type_display", read_only=True)

    class Meta:
        model = SchemaField
        fields = [
            "position",
            "key",
            "label",
            "field_type",
            "field_type_display",
            "required",
            "max_length",
            "pattern",
            "enum_values",
            "is_unique_key",
            "is_sensitive",
            "example",
            "help_text",
        ]


class SchemaVersionSerializer(serializers.ModelSerializer):
    fields = SchemaFieldSerializer(many=True, read_only=True)
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = SchemaVersion
        fields = ["id", "item", "item_code", "version", "note", "published_at", "fields"]


class SchemaFieldInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=50)
    label = serializers.CharField(max_length=50)
    field_type = serializers.ChoiceField(choices=FieldType.choices)
    required = serializers.BooleanField(default=False)
    max_length = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    pattern = serializers.CharField(required=False, allow_blank=True, max_length=200)
    enum_values = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    is_unique_key = serializers.BooleanField(default=False)
    is_sensitive = serializers.BooleanField(required=False, allow_null=True, default=None)
    example = serializers.CharField(required=False, allow_blank=True, max_length=100)
    help_text = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SchemaVersionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    fields = SchemaFieldInputSerializer(many=True)
    publish = serializers.BooleanField(default=False, help_text="同时启用该版本")


class RetireInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class CatalogItemSerializer(serializers.ModelSerializer):
    provider_detail = UnitRefSerializer(source="provider", read_only=True)
    consumers_detail = UnitRefSerializer(source="consumers", many=True, read_only=True)
    consumers = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), many=True, required=False
    )
    provider = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    sharing_class_display = serializers.CharField(
        source="get_sharing_class_display", read_only=True
    )
    frequency_display = serializers.CharField(source="get_frequency_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            *ITEM_EDITABLE_FIELDS,
            "provider_detail",
            "consumers",
            "consumers_detail",
            "sharing_class_display",
            "frequency_display",
            "status",
            "status_display",
            "published_at",
            "updated_at",
        ]
        read_only_fields = ["status", "published_at", "updated_at"]
        # uniqueness is the service's job (one error shape); skip DRF's extra query
        extra_kwargs = {"code": {"validators": []}}


class IsCatalogEditorOrReadOnly(permissions.BasePermission):
    """Reads for every authenticated user; writes for the working group only (Art. 20)."""

    message = _("只有共治专项工作组成员可以维护目录清单（第二十条）。")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return user_can_edit_catalog(request.user)


@extend_schema_view(
    list=extend_schema(
        summary="目录清单",
        parameters=[
            OpenApiParameter("q", str, description="关键词（名称、编码、摘要、提供单位）"),
        ],
    ),
    retrieve=extend_schema(summary="目录项"),
    create=extend_schema(summary="新建目录项（专项工作组）"),
    partial_update=extend_schema(summary="修改目录项（专项工作组）"),
    update=extend_schema(summary="修改目录项（专项工作组）"),
)
class CatalogItemViewSet(viewsets.ModelViewSet):
    """The 目录清单 (Art. 20): published items for all; drafts and changes for the working group."""

    serializer_class = CatalogItemSerializer
    permission_classes = [permissions.IsAuthenticated, IsCatalogEditorOrReadOnly]
    filterset_fields = ["provider", "sharing_class", "frequency", "status", "transmission"]
    ordering_fields = ["code", "name", "published_at"]
    ordering = ["code"]
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        # The list page's rule for the keyword (length, no NUL: PostgreSQL text cannot hold it).
        try:
            text = CatalogFilterForm.base_fields["q"].clean(self.request.query_params.get("q", ""))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"q": exc.messages}) from exc
        filters = {"q": text}
        return catalog_item_list(user=self.request.user, filters=filters).prefetch_related(
            "consumers"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        consumers = data.pop("consumers", [])
        serializer.instance = catalog_item_create(
            actor=self.request.user, consumers=consumers, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        consumers = data.pop("consumers", None)
        serializer.instance = catalog_item_update(
            actor=self.request.user, item=serializer.instance, consumers=consumers, **data
        )

    @extend_schema(summary="发布目录项（专项工作组）", request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        item = catalog_item_publish(actor=request.user, item=self.get_object())
        return Response(self.get_serializer(item).data)

    @extend_schema(summary="停用目录项（专项工作组）", request=RetireInputSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        data = RetireInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = catalog_item_retire(
            actor=request.user, item=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(self.get_serializer(item).data)

    @extend_schema(summary="在用字段规范", responses=SchemaVersionSerializer)
    @action(detail=True, methods=["get"], url_path="schema")
    def schema_in_force(self, request, pk=None):
        schema = schema_in_force(item=self.get_object())
        if schema is None:
            raise Http404
        return Response(SchemaVersionSerializer(schema).data)

    @extend_schema(
        summary="新增字段规范版本（专项工作组）",
        request=SchemaVersionInputSerializer,
        responses={201: SchemaVersionSerializer},
    )
    @action(detail=True, methods=["post"], url_path="schema-versions")
    def schema_versions(self, request, pk=None):
        item = self.get_object()
        payload = SchemaVersionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        schema = schema_version_create(
            actor=request.user,
            item=item,
            fields=payload.validated_data["fields"],
            note=payload.validated_data["note"],
        )
        if payload.validated_data["publish"]:
            schema = schema_version_publish(actor=request.user, schema=schema)
        return Response(SchemaVersionSerializer(schema).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="启用字段规范版本（专项工作组）",
        request=None,
        responses=SchemaVersionSerializer,
        parameters=[OpenApiParameter("version", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"schema-versions/(?P<version>\d+)/publish")
    def schema_version_publish(self, request, pk=None, version=None):
        item = self.get_object()
        schema = SchemaVersion.objects.filter(item=item, version=version).first()
        if schema is None:
            raise Http404
        schema = schema_version_publish(actor=request.user, schema=schema)
        return Response(SchemaVersionSerializer(schema).data)

    @extend_schema(
        summary="下载报送模板（Excel）",
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def template(self, request, pk=None):
        schema = schema_in_force(item=self.get_object())
        if schema is None:
            raise Http404
        return xlsx_response(filename=template_filename(schema), workbook=template_workbook(schema))

    @extend_schema(summary="目录清单 DCAT（JSON-LD）", responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def dcat(self, request):
        return Response(
            catalog_dcat(items=catalog_published_for_export(), base_url=settings.PORTAL_BASE_URL)
        )
