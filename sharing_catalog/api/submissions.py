"""API of the submission pipeline: push (file or JSON rows), status, errors, records, receipts.

Object permission first (Sentry style): every object endpoint resolves the submission through
`submission_visible_to(user)`, so another unit's id is a 404; actions then call the services,
which check the provider / consumer rule themselves.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from sharing_catalog.models import Obligation, Receipt, Record, Submission, SubmissionError
from sharing_catalog.selectors.entitlements import reader_unit_ids
from sharing_catalog.selectors.submissions import (
    provider_obligation_get,
    record_list,
    submission_readable_data,
    submission_visible_to,
)
from sharing_catalog.services.ingest.upload import submission_upload
from sharing_catalog.services.reading import records_read
from sharing_catalog.services.submissions import (
    receipt_acknowledge,
    submission_confirm,
    submission_export,
)
from zhengxiang_portal.core.idempotency import idempotent
from zhengxiang_portal.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, file_response


class SubmissionSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="obligation.item.code", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "obligation",
            "item",
            "version",
            "source",
            "original_filename",
            "file_kind",
            "file_size",
            "file_sha256",
            "status",
            "status_label",
            "stage",
            "stage_label",
            "rows_total",
            "rows_processed",
            "progress_percent",
            "row_count",
            "error_count",
            "warnings",
            "report",
            "created_at",
            "confirmed_at",
            "supersedes",
        ]
        read_only_fields = fields


class SubmissionCreateSerializer(serializers.Serializer):
    obligation = serializers.IntegerField(help_text="报送任务 id")
    file = serializers.FileField(required=False, help_text=".xlsx / .xls / .csv 文件")
    rows = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="数据行：以字段标识为键的对象数组",
    )

    def validate(self, attrs):
        if bool(attrs.get("file")) == bool(attrs.get("rows")):
            raise serializers.ValidationError("请提供 file 或 rows 之一。")
        return attrs


class SubmissionErrorSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubmissionError
        fields = ["row", "column", "cell", "field_label", "value", "message"]


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = ["row_number", "unique_key", "data"]


class ReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Receipt
        fields = ["id", "submission", "unit", "user", "received_at"]


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Submissions the caller may see (Art. 22): their unit's versions and consumed data."""

    serializer_class = SubmissionSerializer
    filterset_fields = ["obligation", "status"]
    ordering_fields = ["created_at", "version"]
    ordering = ["-created_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return submission_visible_to(user=self.request.user)

    @extend_schema(
        request={
            "multipart/form-data": SubmissionCreateSerializer,
            "application/json": SubmissionCreateSerializer,
        },
        responses={201: SubmissionSerializer},
        description="上传文件或推送 JSON 数据行；校验在后台进行，用详情接口查看进度。",
    )
    @idempotent
    def create(self, request):
        data = SubmissionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            obligation = provider_obligation_get(
                user=request.user, pk=data.validated_data["obligation"]
            )
        except Obligation.DoesNotExist as exc:
            raise Http404 from exc
        upload = data.validated_data.get("file")
        submission = submission_upload(
            obligation=obligation,
            actor=request.user,
            uploaded_file=upload,
            rows=data.validated_data.get("rows") if upload is None else None,
            source=Submission.Source.API_FILE if upload else Submission.Source.API_JSON,
        )
        submission.refresh_from_db()
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=SubmissionErrorSerializer(many=True))
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """Validation errors by cell (A1), column label, value and message."""
        submission = self.get_object()
        if submission.obligation.item.provider_id not in _provider_units(request.user):
            raise Http404
        page = self.paginate_queryset(submission.errors.order_by("id"))
        return self.get_paginated_response(SubmissionErrorSerializer(page, many=True).data)

    @extend_schema(responses=RecordSerializer(many=True))
    @action(detail=True, methods=["get"])
    def records(self, request, pk=None):
        """The stored rows of a confirmed submission (entitled readers only).

        Consumers pass the statutory purpose as `purpose` (and `purpose_text`); the one read
        path masks and writes the access log (Art. 24, 27).
        """
        submission = self.get_object()
        if not submission_readable_data(user=request.user, submission=submission):
            raise Http404
        page = self.paginate_queryset(record_list(submission=submission))
        try:
            rows, _reader = records_read(
                actor=request.user, submission=submission, records=page, request=request
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        return self.get_paginated_response(RecordSerializer(rows, many=True).data)

    @extend_schema(request=None, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm a validated submission (校核、确认, Art. 22); provider liaisons only."""
        submission = self.get_object()
        try:
            submission = submission_confirm(submission=submission, actor=request.user)
        except PermissionDenied as exc:
            raise Http404 from exc
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(request=None, responses={201: ReceiptSerializer})
    @action(detail=True, methods=["post"])
    def receipts(self, request, pk=None):
        """Acknowledge receipt of confirmed data (接收有记录, Art. 22); consumers only."""
        submission = self.get_object()
        try:
            receipt = receipt_acknowledge(submission=submission, actor=request.user)
        except PermissionDenied as exc:
            raise Http404 from exc
        return Response(ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("fmt", OpenApiTypes.STR, enum=["xlsx", "csv"], description="下载格式")
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="xlsx 或 csv 文件"
            ),
            404: inline_serializer("NotFound", {"error": serializers.DictField()}),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The records as .xlsx or .csv (formula-safe); logged with the SHA-256 of the bytes."""
        submission = self.get_object()
        fmt = request.query_params.get("fmt", "xlsx")
        if fmt not in {"xlsx", "csv"}:
            fmt = "xlsx"
        try:
            export = submission_export(
                submission=submission, actor=request.user, fmt=fmt, request=request
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        content_type = CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE
        return file_response(
            export.file, filename=export.filename, content_type=content_type, size=export.size
        )


def _provider_units(user) -> set[int]:
    return reader_unit_ids(user=user)
