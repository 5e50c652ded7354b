"""Ledger API for the working group and the auditor: entries, the access log, daily digests."""

from __future__ import annotations

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from .forms import LedgerFilterForm
from .models import LedgerDailyDigest, LedgerEntry
from .selectors import access_log_list, digest_list, ledger_list, user_may_read_ledger


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


class LedgerDigestList(generics.ListAPIView):
    """Published daily chain heads."""

    serializer_class = LedgerDigestSerializer
    permission_classes = [_ReaderOnly]

    def get_queryset(self):
        return digest_list(user=self.request.user)


urlpatterns = [
    path("entries/", LedgerEntryList.as_view(), name="ledger-entry-list"),
    path("access-log/", AccessLogList.as_view(), name="ledger-access-log"),
    path("digests/", LedgerDigestList.as_view(), name="ledger-digest-list"),
]
