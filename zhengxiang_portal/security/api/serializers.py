from rest_framework import serializers

from zhengxiang_portal.ledger.models import LedgerEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "seq",
            "created_at",
            "action",
            "action_display",
            "outcome",
            "actor_label",
            "ip_address",
            "target_repr",
            "details",
            "hash_algo",
            "entry_hash",
        ]
