"""Local practice: district-wide rules that clerks edit (supervisors view), never delete."""

from django.contrib import admin

from cases.admin.base import DistrictWideMixin
from cases.models import (
    ClockPolicy,
    FollowUpRule,
    GradePolicy,
    LookBackRule,
    ResponsibilityRule,
    WorkflowPolicy,
)


@admin.register(GradePolicy)
class GradePolicyAdmin(DistrictWideMixin, admin.ModelAdmin):
    list_display = ("grade", "time_limit_days", "default_level", "team_kind", "handled_by")


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(DistrictWideMixin, admin.ModelAdmin):
    list_display = ("kind", "offset_amount", "offset_unit", "remind_before_hours")
    list_editable = ("offset_amount", "offset_unit", "remind_before_hours")


@admin.register(LookBackRule)
class LookBackRuleAdmin(DistrictWideMixin, admin.ModelAdmin):
    """回头看: look-backs scheduled when a case of the grade is closed. A rule no longer
    wanted is switched off (rules are never deleted)."""

    list_display = ("grade", "months_after_closing", "remind_before_hours", "is_active")
    list_editable = ("months_after_closing", "remind_before_hours", "is_active")
    list_filter = ("grade", "is_active")


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(DistrictWideMixin, admin.ModelAdmin):
    list_display = ("grade", "level", "role")
    list_editable = ("role",)
    list_filter = ("grade", "level", "role")


@admin.register(WorkflowPolicy)
class WorkflowPolicyAdmin(DistrictWideMixin, admin.ModelAdmin):
    """A single row (``WorkflowPolicy.current()`` reads pk 1): edited, never added twice."""

    fields = (
        "auto_propose_escalation",
        "continuing_session_counts_as_failed",
        "review_day",
        "review_hour",
    )
    list_display = (
        "__str__",
        "auto_propose_escalation",
        "continuing_session_counts_as_failed",
        "review_day",
        "review_hour",
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not WorkflowPolicy.objects.exists()

    def save_model(self, request, obj, form, change):
        if not change:
            # The row the workflow reads; only reachable while the table is empty.
            obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(ClockPolicy)
class ClockPolicyAdmin(DistrictWideMixin, admin.ModelAdmin):
    """A single row (``ClockPolicy.current()`` reads pk 1). A change applies to the clocks
    started after it: a case's term and petition handling clock keep the days they started
    with; a petition not yet accepted follows the policy until it is."""

    list_display = (
        "__str__",
        "mediation_term_days",
        "term_extension_max_days",
        "term_extensions_max",
        "petition_route_days",
        "petition_handle_days",
        "petition_extension_days",
        "remind_days_before",
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClockPolicy.objects.exists()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.pk = 1
        super().save_model(request, obj, form, change)
