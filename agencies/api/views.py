from rest_framework import viewsets

from agencies.selectors import liaison_list, unit_list

from .serializers import LiaisonSerializer, UnitSerializer


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units the caller may see (Art. 1)."""

    serializer_class = UnitSerializer
    filterset_fields = ["kind", "category", "is_active"]
    search_fields = ["name", "short_name", "code"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def get_queryset(self):
        return unit_list(user=self.request.user)


class LiaisonViewSet(viewsets.ReadOnlyModelViewSet):
    """Active liaisons of the units the caller may see (Art. 3)."""

    serializer_class = LiaisonSerializer
    filterset_fields = ["unit", "is_primary"]
    ordering = ["unit__code", "-is_primary", "name"]

    def get_queryset(self):
        return liaison_list(user=self.request.user)
