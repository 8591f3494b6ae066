"""Mediation organisations and mediators: read-only, scoped to the caller's area."""

from rest_framework import serializers, viewsets

from mediators.models import Mediator, Organisation
from mediators.selectors import mediators_in_reach, organisations_in_reach


class OrganisationSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    specialities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "area", "specialities", "address", "phone", "is_active"]
        read_only_fields = fields


class MediatorSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organisations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    specialities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    areas_served = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    backgrounds = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Mediator
        # The mediator's own mobile stays off the API; offices call through the case.
        fields = [
            "id",
            "name",
            "gender",
            "area",
            "organisations",
            "employment",
            "backgrounds",
            "specialities",
            "areas_served",
            "is_active",
        ]
        read_only_fields = fields


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """调解组织。"""

    serializer_class = OrganisationSerializer
    filter_backends = []

    def get_queryset(self):
        return (
            organisations_in_reach(self.request.user)
            .select_related("area")
            .prefetch_related("specialities")
            .order_by("id")
        )


class MediatorViewSet(viewsets.ReadOnlyModelViewSet):
    """调解员。"""

    serializer_class = MediatorSerializer
    filter_backends = []

    def get_queryset(self):
        return (
            mediators_in_reach(self.request.user)
            .select_related("area")
            .prefetch_related("organisations", "specialities", "areas_served")
            .order_by("id")
        )
