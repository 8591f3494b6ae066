"""Lookup tables: editable by clerks, deactivated rather than deleted."""

from django.contrib import admin

from cases.admin.base import DistrictWideMixin
from cases.models import CaseSource, DisputeType


class LookupAdmin(DistrictWideMixin, admin.ModelAdmin):
    list_display = ("name", "code", "name_en", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "name_en")


@admin.register(DisputeType)
class DisputeTypeAdmin(LookupAdmin):
    pass


@admin.register(CaseSource)
class CaseSourceAdmin(LookupAdmin):
    list_display = (
        "name",
        "code",
        "name_en",
        "is_petition",
        "has_applicant",
        "sort_order",
        "is_active",
    )
    list_filter = ("is_active", "is_petition", "has_applicant")
