"""重点人员 in the back office: the area's flags (scoped like the portal), set through the
same service as the portal's page, then reviewed or lifted on the change page; never
deleted. Opening a flag is logged like the portal's look at it."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.models import WatchedPerson
from cases.watch import keeping_areas, may_see_watch_list, visible_watched_persons
from common.admin_scoping import ScopedAdminMixin, call_service

FLAG_FIELDS = ("name", "id_number", "mobile", "area", "category", "note", "review_on")
SHOWN_FIELDS = (
    "name",
    "masked_id_number",
    "area",
    "category",
    "note",
    "set_by",
    "set_at",
    "review_on",
    "reviewed_by",
    "reviewed_at",
    "lifted_by",
    "lifted_at",
    "lift_reason",
)
STEP_FIELDS = ("next_review_on", "lift_reason_given")


class WatchedPersonAdminForm(forms.ModelForm):
    next_review_on = forms.DateField(
        label=_("复核:下次复核日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    lift_reason_given = forms.CharField(
        label=_("解除列管的原因"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = WatchedPerson
        fields = FLAG_FIELDS

    def _post_clean(self):
        # The service validates what it writes; the admin only collects.
        pass


@admin.register(WatchedPerson)
class WatchedPersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = WatchedPersonAdminForm
    list_display = ("name", "masked_id_number", "area", "review_on", "active", "set_by")
    list_select_related = ("area", "set_by")
    ordering = ("review_on", "id")
    date_hierarchy = None

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("在管"), boolean=True)
    def active(self, obj):
        return obj.is_active

    def scope_queryset(self, request, queryset):
        return queryset.filter(pk__in=visible_watched_persons(request.user).values("pk"))

    def has_module_permission(self, request):
        return super().has_module_permission(request) and may_see_watch_list(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and may_see_watch_list(request.user)

    def object_editable(self, request, obj):
        return obj.is_active

    def get_fields(self, request, obj=None):
        if obj is None:
            return FLAG_FIELDS
        if self.has_change_permission(request, obj):
            return (*SHOWN_FIELDS, *STEP_FIELDS)
        return SHOWN_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else SHOWN_FIELDS

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = keeping_areas(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        flag = self.get_object(request, object_id)
        if request.method == "GET":
            services.watched_person_view(by=request.user, watched_person=flag)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            flag = call_service(
                services.watched_person_flag,
                by=request.user,
                **{field: data.get(field) for field in FLAG_FIELDS},
            )
            obj.pk = flag.pk
            return
        if data.get("lift_reason_given"):
            call_service(
                services.watched_person_lift,
                by=request.user,
                watched_person=obj,
                reason=data["lift_reason_given"],
            )
        elif data.get("next_review_on"):
            call_service(
                services.watched_person_review,
                by=request.user,
                watched_person=obj,
                review_on=data["next_review_on"],
            )

    def delete_model(self, request, obj):
        raise PermissionDenied
