"""Ledger API: for the working group and the auditor, the whole ledger, the access log and the
daily digests; for a unit's liaisons and tax staff, their unit's own 台账 (Art. 22)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from .exports import row_count, target_labels
from .forms import LedgerFilterForm
from .models import LedgerDailyDigest, LedgerEntry
from .selectors import (
    access_log_list,
    digest_list,
    ledger_list,
    user_may_read_ledger,
    user_may_read_unit_ledger,
)


class LedgerEntrySerializer(serializers.ModelSerializer):
    target_type = serializers.SerializerMethodField()
    category = serializers.CharField(read_only=True)  # transfer / workflow / audit
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "seq",
            "created_at",
            "category",
            "action",
            "action_label",
            "outcome",
            "actor",
            "actor_label",
            "unit",
            "target_type",
            "target_id",
            "target_repr",
            "digest",
            "details",
            "ip_address",
            "hash_algo",
            "prev_hash",
            "entry_hash",
        ]
        read_only_fields = fields

    def get_target_type(self, entry: LedgerEntry) -> str:
        if not entry.target_type_id:
            return ""
        return f"{entry.target_type.app_label}.{entry.target_type.model}"


class UnitLedgerEntrySerializer(serializers.ModelSerializer):
    """One line of a unit's 台账 as its page shows it: who did what to which object, the
    declared purpose and the rows concerned; no addresses, no machine hash columns."""

    category = serializers.CharField(read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    unit_name = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    purpose = serializers.SerializerMethodField()
    purpose_text = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "seq", "created_at", "category", "action", "action_label", "outcome",
            "actor_label", "unit", "unit_name", "target", "purpose", "purpose_text", "rows",
        ]  # fmt: skip
        read_only_fields = fields

    def get_unit_name(self, entry: LedgerEntry) -> str:
        return entry.unit.name if entry.unit_id else ""

    def get_target(self, entry: LedgerEntry) -> str:
        return self.context.get("labels", {}).get(entry.seq, entry.target_repr)

    def _detail(self, entry: LedgerEntry, key: str) -> str:
        details = entry.details if isinstance(entry.details, dict) else {}
        return str(details.get(key) or "")

    def get_purpose(self, entry: LedgerEntry) -> str:
        return self._detail(entry, "purpose_label")

    def get_purpose_text(self, entry: LedgerEntry) -> str:
        return self._detail(entry, "purpose_text")

    def get_rows(self, entry: LedgerEntry) -> int | None:
        return row_count(entry)


class LedgerDigestSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerDailyDigest
        fields = ["day", "last_seq", "head_hash", "hash_algo", "entry_count", "created_at"]
        read_only_fields = fields


class _ReaderOnly(IsAuthenticated):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if not user_may_read_ledger(user=request.user):
            raise PermissionDenied("只有专项工作组和审计管理员可以查阅台账。")
        return True


class _UnitReader(IsAuthenticated):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if not user_may_read_unit_ledger(user=request.user):
            raise PermissionDenied(
                _("只有共治单位的联络员、税务人员、专项工作组和审计管理员可以查阅台账。")
            )
        return True


class LedgerEntryList(generics.ListAPIView):
    """Ledger entries, newest first; filters: unit, item, action, category, start, end (Art. 22)."""

    serializer_class = LedgerEntrySerializer
    permission_classes = [_ReaderOnly]
    selector = staticmethod(ledger_list)

    def get_queryset(self):
        form = LedgerFilterForm(self.request.query_params or None)
        return self.selector(user=self.request.user, filters=form.filters())


class AccessLogList(LedgerEntryList):
    """The access log: views, downloads and unmaskings of shared records (Art. 24, 27)."""

    selector = staticmethod(access_log_list)


class UnitLedgerEntryList(generics.ListAPIView):
    """The 台账 as /ledger/ shows it (Art. 22): a liaison's or tax staff's own units' entries
    (their uploads, confirmations and receipts, other units' views and downloads of their data,
    objections, requests and orders concerning them); every unit's for the working group and
    the auditor. Filters: unit, item, action, category, start, end (only the user's own units
    and items are accepted)."""

    serializer_class = UnitLedgerEntrySerializer
    permission_classes = [_UnitReader]

    def get_queryset(self):
        form = LedgerFilterForm(self.request.query_params or None, user=self.request.user)
        return ledger_list(user=self.request.user, filters=form.filters())

    def get_serializer(self, *args, **kwargs):
        if args and isinstance(args[0], list):  # one page: name its targets in one pass
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["labels"] = target_labels(args[0])
        return super().get_serializer(*args, **kwargs)


class LedgerDigestList(generics.ListAPIView):
    """Published daily chain heads."""

    serializer_class = LedgerDigestSerializer
    permission_classes = [_ReaderOnly]

    def get_queryset(self):
        return digest_list(user=self.request.user)


urlpatterns = [
    path("entries/", LedgerEntryList.as_view(), name="ledger-entry-list"),
    path("unit-entries/", UnitLedgerEntryList.as_view(), name="ledger-unit-entry-list"),
    path("access-log/", AccessLogList.as_view(), name="ledger-access-log"),
    path("digests/", LedgerDigestList.as_view(), name="ledger-digest-list"),
]
