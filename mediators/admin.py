"""Mediators and mediation organisations in the back office (DOMAIN §3), each within
the clerk's area. Nobody is deleted: a mediator who stops is marked 不在岗."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin_scoping import ScopedAdminMixin, scope_choices
from grids.admin_scoping import AreaScopedMixin, TownVillageFilter
from mediators.models import Background, Mediator, Organisation
from mediators.selectors import mediators_in_reach, organisations_in_reach

scope_choices(Mediator, mediators_in_reach)
scope_choices(Organisation, organisations_in_reach)


@admin.register(Organisation)
class OrganisationAdmin(AreaScopedMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "area", "phone", "is_active")
    list_select_related = ("area",)
    list_filter = ("kind", "is_active", TownVillageFilter)
    search_fields = ("name",)
    autocomplete_fields = ("area",)
    filter_horizontal = ("specialities",)
    fields = (
        "name",
        "kind",
        "area",
        "specialities",
        "address",
        "phone",
        "document_code",
        "is_active",
    )


class MediatorAdminForm(forms.ModelForm):
    # Stored as a JSON list of codes; offered as tick boxes so nobody types JSON.
    backgrounds = forms.MultipleChoiceField(
        label=_("身份背景"),
        choices=Background.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("如五老、新乡贤、法律顾问等,可多选。"),
    )

    class Meta:
        model = Mediator
        fields = (
            "name",
            "gender",
            "mobile",
            "area",
            "employment",
            "is_active",
            "organisations",
            "backgrounds",
            "specialities",
            "areas_served",
            "user",
        )


@admin.register(Mediator)
class MediatorAdmin(AreaScopedMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = MediatorAdminForm
    list_display = ("name", "gender", "employment", "area", "mobile", "is_active")
    list_select_related = ("area",)
    list_filter = ("employment", "is_active", "gender", TownVillageFilter)
    search_fields = ("name", "=mobile")
    autocomplete_fields = ("area", "areas_served", "user")
    filter_horizontal = ("organisations", "specialities")
    fieldsets = (
        (None, {"fields": (("name", "gender"), "mobile", "area", "employment", "is_active")}),
        (_("组织与专长"), {"fields": ("organisations", "backgrounds", "specialities")}),
        (_("服务区域与账号"), {"fields": ("areas_served", "user")}),
    )
