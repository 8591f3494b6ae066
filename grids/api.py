"""Areas API: read-only, scoped to the caller's area subtree."""

from rest_framework import serializers, viewsets

from grids.models import Area
from grids.selectors import areas_within_reach


class AreaSerializer(serializers.ModelSerializer):
    # Null for the district, the top of the tree.
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "path", "is_active"]
        read_only_fields = fields


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """区域:本辖区内的区县/乡镇/村/网格/微网格,按编码查询。"""

    serializer_class = AreaSerializer
    lookup_field = "code"
    filter_backends = []

    def get_queryset(self):
        return areas_within_reach(self.request.user).select_related("parent")
