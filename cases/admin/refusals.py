"""Refusals of mediation (art. 17): recorded in the back office through the same service
as on the case page, then kept as they are."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.admin.base import CaseChildScopedMixin
from cases.models import Refusal
from common.admin_scoping import ScopedAdminMixin, call_service


class RefusalAdminForm(forms.ModelForm):
    # Kept on the case (art. 26 is asked of every ending without agreement), asked here.
    routes_explained = forms.BooleanField(
        label=_("已告知当事人可依法通过仲裁、行政、司法等途径维护权利(人民调解法第二十六条)"),
        required=False,
    )

    class Meta:
        model = Refusal
        fields = ["case", "party", "refused_on", "note"]


@admin.register(Refusal)
class RefusalAdmin(CaseChildScopedMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = RefusalAdminForm
    list_display = ("case", "party", "refused_on", "recorded_by", "created_at")
    list_select_related = ("case", "party", "recorded_by")
    ordering = ("-id",)
    search_fields = ("case__number__startswith",)
    search_help_text = _("按案件编号开头搜索。")
    autocomplete_fields = ("case", "party")
    date_hierarchy = "refused_on"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("case", "party", "refused_on", "note", "recorded_by", "created_at")
        return ()

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("case", "party", "refused_on", "note", "recorded_by", "created_at")
        return ("case", "party", "refused_on", "note", "routes_explained")

    def has_change_permission(self, request, obj=None):
        # What was recorded stays as recorded; the add form is the only way in.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        refusal = call_service(
            services.case_record_refusal,
            case=form.cleaned_data["case"],
            by=request.user,
            party=form.cleaned_data["party"],
            refused_on=form.cleaned_data["refused_on"],
            note=form.cleaned_data.get("note", ""),
            routes_explained=form.cleaned_data["routes_explained"],
        )
        # The admin goes on with ``obj`` (its message, its redirect): the saved row.
        obj.pk = refusal.pk
        obj.recorded_by = refusal.recorded_by
