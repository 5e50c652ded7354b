"""API for collaboration requests: list, detail, create, every step as a POST, timeline, files.

Objects outside the caller's scope are 404 (the selector filters by unit first); a visible request
the caller may not act on is 403 (the service refuses).
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.selectors import user_unit_ids
from collaboration import services
from collaboration.actions import ACTIONS
from collaboration.forms import RequestFilterForm
from collaboration.models import Attachment, CollaborationRequest
from collaboration.permissions import can_create, sees_collaboration
from collaboration.selectors import attachment_get, matter_type_list, request_get, request_list
from collaboration.transitions import TRANSITIONS
from zhengxiang_portal.core.idempotency import idempotent
from zhengxiang_portal.core.uploads import attachment_response

from .serializers import (
    STEP_SERIALIZERS,
    AttachmentSerializer,
    MatterTypeSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestSerializer,
    TimelineEntrySerializer,
    TransferReportSerializer,
)

FILTER_PARAMS = [
    OpenApiParameter("status", str, description="状态"),
    OpenApiParameter("category", str, description="协作类别"),
    OpenApiParameter("unit", int, description="请求或承办单位 id"),
    OpenApiParameter("direction", str, enum=["incoming", "outgoing"]),
    OpenApiParameter("overdue", bool, description="仅逾期"),
    OpenApiParameter("contested", bool, description="仅待裁定"),
    OpenApiParameter("q", str, description="编号或标题"),
    OpenApiParameter("outcome", str, description="案件移送的当前进展（第六条第三项）"),
    OpenApiParameter("admin_result", str, description="退回案件的行政处理结果"),
]


class MatterTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """Matter types the working group keeps, with default deadlines in working days."""

    serializer_class = MatterTypeSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return matter_type_list()


class CollaborationRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Collaboration requests the caller may see (Art. 6, 7): their units' and, for the WG, all."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list = []
    ordering = ["due_date"]

    def get_serializer_class(self):
        return RequestDetailSerializer if self.action != "list" else RequestSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self):
        params = self.request.query_params
        # The list page's filter form, so the API validates its filters by the same rules
        # (an unknown status or a unit id that is not one the user may pick is a 400).
        form = RequestFilterForm(
            {k: v for k, v in params.items() if k in RequestFilterForm.base_fields},
            user=self.request.user,
        )
        if not form.is_valid():
            raise ValidationError(form.errors)
        filters = {key: value for key, value in form.cleaned_data.items() if value}
        for flag in ("overdue", "contested"):
            if params.get(flag, "").lower() in {"1", "true", "yes"}:
                filters[flag] = True
        return request_list(user=self.request.user, filters=filters).order_by("due_date", "pk")

    def get_object(self):
        try:
            req = request_get(user=self.request.user, pk=int(self.kwargs["pk"]))
        except (CollaborationRequest.DoesNotExist, ValueError) as exc:
            raise Http404 from exc
        return req

    @extend_schema(parameters=FILTER_PARAMS)
    def list(self, request, *args, **kwargs):
        if not sees_collaboration(request.user):
            raise PermissionDenied()
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RequestCreateSerializer, responses={201: RequestDetailSerializer})
    @idempotent
    def create(self, request):
        if not can_create(request.user):
            raise PermissionDenied()
        ser = RequestCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        requesting = d.pop("requesting_unit", None) or request.user.unit
        if requesting is None or requesting.pk not in user_unit_ids(user=request.user):
            raise PermissionDenied()
        req = services.request_create(actor=request.user, requesting_unit=requesting, **d)
        out = RequestDetailSerializer(
            request_get(user=request.user, pk=req.pk), context=self.get_serializer_context()
        )
        return Response(out.data, status=status.HTTP_201_CREATED)

    # A plain list, not a page (pagination_class=None keeps the schema saying so: issue 15).
    @extend_schema(responses=TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        req = self.get_object()
        return Response(TimelineEntrySerializer(req.timeline.all(), many=True).data)

    @extend_schema(responses=TransferReportSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, url_path="transfer-reports")
    def transfer_reports(self, request, pk=None):
        """A transferred case's progress reports, oldest first (Art. 6(三))."""
        req = self.get_object()
        return Response(TransferReportSerializer(req.transfer_reports.all(), many=True).data)

    @extend_schema(responses=AttachmentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def attachments(self, request, pk=None):
        req = self.get_object()
        return Response(AttachmentSerializer(req.attachments.all(), many=True).data)


def _make_step(name: str):
    serializer_class = STEP_SERIALIZERS[name]

    def step(self, request, pk=None):
        req = self.get_object()
        ser = serializer_class(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        ACTIONS[name].run(req, request.user, data, data.get("files", []))
        fresh = request_get(user=request.user, pk=req.pk)
        return Response(RequestDetailSerializer(fresh, context=self.get_serializer_context()).data)

    step.__name__ = name
    step.__doc__ = f"{ACTIONS[name].label}"
    decorated = action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(step)
    return extend_schema(
        request={
            "application/json": serializer_class,
            "multipart/form-data": serializer_class,
        },
        responses=RequestDetailSerializer,
        summary=str(ACTIONS[name].label),
    )(decorated)


# One POST action per step of the state machine (collaboration.transitions), each with its input.
for _name in TRANSITIONS:
    setattr(CollaborationRequestViewSet, _name, _make_step(_name))


class AttachmentDownloadView(APIView):
    """Download an attachment of a request the caller may see (404 otherwise)."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk: int):
        try:
            attachment = attachment_get(user=request.user, pk=pk)
        except Attachment.DoesNotExist as exc:
            raise Http404 from exc
        return attachment_response(attachment, actor=request.user, target=attachment.request)
