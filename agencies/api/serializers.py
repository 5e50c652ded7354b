from rest_framework import serializers

from agencies.models import Liaison, Unit


class LiaisonSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True, default=None)

    class Meta:
        model = Liaison
        fields = [
            "id",
            "unit",
            "unit_code",
            "name",
            "phone",
            "email",
            "position",
            "is_primary",
            "username",
        ]


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "category",
            "category_display",
            "responsible_department",
            "is_active",
        ]
