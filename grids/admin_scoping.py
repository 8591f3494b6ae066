"""Back-office helpers for rows that hang off an area: the scoping mixin and the town /
village list filter that mediators, users and reviews share."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from grids.models import Area, AreaLevel
from grids.selectors import areas_within_reach


class AreaScopedMixin:
    """Scoping for rows that hang off an area: mediators, organisations, users."""

    def scope_queryset(self, request, queryset):
        return queryset.filter(area__in=areas_within_reach(request.user).values("pk"))


class TownVillageFilter(admin.SimpleListFilter):
    """Filter by town or village, listing only those within the user's reach.

    A plain ``list_filter = ["area"]`` would list every area of the district, thousands
    of grids included; this lists the few dozen places a clerk actually picks from.
    """

    title = _("区域")
    parameter_name = "area_within"
    area_field = "area"

    def lookups(self, request, model_admin):
        areas = (
            areas_within_reach(request.user)
            .filter(level__in=[AreaLevel.TOWN, AreaLevel.VILLAGE])
            .only("pk", "name", "level", "depth")
            .order_by("path")
        )
        return [
            (str(area.pk), ("　" if area.level == AreaLevel.VILLAGE else "") + area.name)
            for area in areas
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        area = (
            areas_within_reach(request.user).filter(pk=value).first() if value.isdigit() else None
        )
        if area is None:
            return queryset.none()
        subtree = Area.objects.subtree(area).values("pk")
        return queryset.filter(**{f"{self.area_field}__in": subtree})
