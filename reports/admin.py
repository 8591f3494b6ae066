"""The back office for monthly reviews: supervisors read them, clerks correct the record
of a meeting; the reviews themselves are opened by the monthly sweep, never added or
deleted here. Saving goes through ``reports.services.review_record``, as in the portal."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin_scoping import ScopedAdminMixin, call_service
from grids.admin_scoping import TownVillageFilter
from grids.selectors import areas_within_reach
from reports import services
from reports.models import GeneratedReport, MonthlyReview
from reports.policy import may_record_review


class ReviewVillageFilter(TownVillageFilter):
    area_field = "village"


class ReportAreaFilter(TownVillageFilter):
    area_field = "area"


class ReviewRecordAdminForm(forms.ModelForm):
    """The record's rules (a date not in the future nor before the month, the minutes)
    are ``review_record``'s, in the words the review page shows too; the model's own
    validators would refuse first, in theirs."""

    def _get_validation_exclusions(self):
        # Django's one hook for the fields its model validation skips.
        return {*super()._get_validation_exclusions(), *services.RECORD_FIELDS}


@admin.register(MonthlyReview)
class MonthlyReviewAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = ReviewRecordAdminForm
    allow_add = False
    list_display = ("month_label", "village", "held_on", "reminded_at", "recorded_by")
    list_filter = (ReviewVillageFilter,)
    list_select_related = ("village", "recorded_by")
    search_fields = ("village__name", "village__code")
    fields = (
        "village",
        "month",
        "agenda_summary",
        "reminded_at",
        "held_on",
        "attendees",
        "minutes",
        "decisions",
        "recorded_by",
        "updated_at",
    )
    readonly_fields = (
        "village",
        "month",
        "agenda_summary",
        "reminded_at",
        "recorded_by",
        "updated_at",
    )

    def scope_queryset(self, request, queryset):
        return queryset.filter(village__in=areas_within_reach(request.user).values("pk"))

    def object_editable(self, request, obj) -> bool:
        return may_record_review(request.user, obj)

    @admin.display(description=_("审议月份"), ordering="month")
    def month_label(self, review):
        return f"{review.month:%Y-%m}"

    @admin.display(description=_("议程"))
    def agenda_summary(self, review):
        return services.agenda_summary(review.agenda)

    def save_model(self, request, obj, form, change):
        saved = call_service(
            services.review_record, review=obj, by=request.user, data=form.cleaned_data
        )
        obj.refresh_from_db()
        return saved


@admin.register(GeneratedReport)
class GeneratedReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The export archive, read only: reports are made from the portal's export page and
    never edited or deleted."""

    read_only = True
    allow_add = False
    list_display = (
        "created_at",
        "area",
        "period_label",
        "format",
        "status",
        "rows_total",
        "size",
        "requested_by",
    )
    list_filter = ("status", "format", ReportAreaFilter)
    list_select_related = ("area", "requested_by")
    search_fields = ("area__name", "area__code", "file_name", "requested_by__username")
    date_hierarchy = "created_at"
    fields = (
        "requested_by",
        "area",
        "period_start",
        "period_end",
        "format",
        "language",
        "status",
        "rows_total",
        "rows_done",
        "file_name",
        "file_path",
        "size",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    def scope_queryset(self, request, queryset):
        return queryset.filter(area__in=areas_within_reach(request.user).values("pk"))

    @admin.display(description=_("统计期"), ordering="period_start")
    def period_label(self, report):
        return report.period.label
