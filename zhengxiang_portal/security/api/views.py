from django.core.exceptions import PermissionDenied
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import BasePermission

from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.security.forms import AuditFilterForm
from zhengxiang_portal.security.selectors import AUDIT_VIEW_PERM, audit_entry_list

from .serializers import AuditEntrySerializer


class IsAuditor(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm(AUDIT_VIEW_PERM))


class AuditEntryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Security-audit entries (等保 8.1.4.3), newest first; auditor only (三员分立).

    Filters: user, action, outcome, ip, date_from, date_to (YYYY-MM-DD).
    """

    serializer_class = AuditEntrySerializer
    permission_classes = [IsAuditor]
    filter_backends: list = []

    def get_queryset(self):
        form = AuditFilterForm(self.request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise serializers.ValidationError(form.errors)
        filters = form.cleaned_data if form.is_bound else {}
        try:
            return audit_entry_list(user=self.request.user, filters=filters)
        except PermissionDenied:
            # Schema generation runs without an auditor; real requests pass IsAuditor first.

            return LedgerEntry.objects.none()
