"""Records the workflow writes: viewable here, changed only through the portal's steps
(an agreement's signatures and performance excepted), and the read-only history."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.admin.base import BulkStep, CaseChildScopedMixin, ServiceSaveMixin, run_bulk_step
from cases.models import (
    Agreement,
    AgreementSignature,
    CaseEvent,
    CaseNumberCounter,
    Escalation,
    FollowUp,
    GradeChange,
    Investigation,
    MediationSession,
    PersonalDataAccess,
)
from cases.policy import Action
from cases.selectors import cases_in_reach
from cases.workflow import step_open
from common.admin_scoping import EDIT, ScopedAdminMixin, ScopedInlineMixin, admin_access
from grids.selectors import areas_within_reach


class CaseRecordAdmin(CaseChildScopedMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Rows that hang off a case and have no correcting service: view only."""

    read_only = True
    list_select_related = ("case",)
    # Newest first on the primary key: the models' own orderings go through the case
    # (a join and a sort over everything in reach).
    ordering = ("-id",)
    search_fields = ("case__number__startswith",)
    search_help_text = _("按案件编号开头搜索。")


@admin.register(MediationSession)
class MediationSessionAdmin(CaseRecordAdmin):
    list_display = ("case", "held_at", "place", "method", "result", "level", "recorded_by")
    list_select_related = ("case", "recorded_by")
    list_filter = ("result", "method", "place", "level")
    date_hierarchy = "held_at"


@admin.register(Investigation)
class InvestigationAdmin(CaseRecordAdmin):
    """Investigations are recorded on the case page and through the API
    (``services.investigation_record``); the back office reads them."""

    list_display = (
        "case",
        "held_at",
        "place",
        "interviewee_name",
        "interviewee_relation",
        "recorded_by",
    )
    list_select_related = ("case", "recorded_by")
    date_hierarchy = "held_at"


class WaiveForm(forms.Form):
    reason = forms.CharField(
        label=_("免除理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("回访不会被删除;免除理由、免除人和时间记入案件历史。"),
    )


WAIVE = BulkStep(
    title=_("免除回访"),
    template="admin/cases/waive_confirmation.html",
    form_class=WaiveForm,
    perform=lambda visit, by, data: services.follow_up_waive(
        case=visit.case, by=by, follow_up=visit, reason=data["reason"]
    ),
    refused=lambda visit, reason: (
        gettext("%(number)s 的%(kind)s未免除:%(reason)s")
        % {"number": visit.case.number, "kind": visit.get_kind_display(), "reason": reason}
    ),
    done=lambda count: (
        ngettext("已免除%(count)d次回访。", "已免除%(count)d次回访。", count) % {"count": count}
    ),
    too_many=lambda limit: (
        gettext("一次最多免除%(limit)d次回访,请缩小选择范围。") % {"limit": limit}
    ),
)


@admin.register(FollowUp)
class FollowUpAdmin(CaseRecordAdmin):
    list_display = (
        "case",
        "kind",
        "due_at",
        "done_at",
        "done_by",
        "performance",
        "satisfaction",
        "rebound_signs",
        "waived_by",
    )
    list_select_related = ("case", "done_by", "waived_by")
    list_filter = ("kind", "performance", "satisfaction", "rebound_signs", "flared_again")
    date_hierarchy = "due_at"
    readonly_fields = ("remind_at", "reminded_at", "cancelled_at", "waived_by", "waive_reason")
    actions = ("waive_selected",)

    def has_waive_permission(self, request):
        # The rows stay read-only; a waiver is the service's step, which checks the
        # role and the handling level itself.
        return admin_access(request.user) == EDIT

    @admin.action(description=_("免除所选回访"), permissions=["waive"])
    def waive_selected(self, request, queryset):
        return run_bulk_step(self, request, queryset.select_related("case"), WAIVE)


class AgreementSignatureInline(ScopedInlineMixin, admin.TabularInline):
    """Who signed, how and when: recorded by the signing step (``services.agreement_sign``,
    on the case page and the API), shown here read-only."""

    model = AgreementSignature
    read_only = True
    fields = ("party", "how", "signed_on", "recorded_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("party", "recorded_by")


# What the signing step writes (art. 29); the back office shows it, the step records it.
SIGNING_RECORD_FIELDS = (
    "parties_signed",
    "mediator_signed",
    "sealed",
    "signed_on",
    "mediator_signer",
    "mediator_signed_on",
    "seal_organisation",
    "sealed_on",
    "sealed_by",
    "effect_note",
)


@admin.register(Agreement)
class AgreementAdmin(ServiceSaveMixin, CaseRecordAdmin):
    """Judicial confirmation and performance are updated through
    ``services.agreement_update``; the terms themselves are what the parties signed, and
    the signatures and seal are recorded by the signing step."""

    read_only = False
    allow_add = False
    list_display = (
        "case",
        "form",
        "reached_on",
        "effective_on",
        "judicial_confirmation",
        "performance",
        "performance_due_on",
    )
    list_filter = ("form", "judicial_confirmation", "performance")
    date_hierarchy = "reached_on"
    service_fields = services.AGREEMENT_UPDATE_FIELDS
    # What the parties signed stays as recorded; the rest is what the update corrects.
    readonly_fields = (
        "case",
        *(f for f in services.AGREEMENT_FIELDS if f not in services.AGREEMENT_UPDATE_FIELDS),
        *SIGNING_RECORD_FIELDS,
        "effective_on",
        "recorded_by",
        "created_at",
        "updated_at",
    )
    inlines = (AgreementSignatureInline,)
    fieldsets = (
        (None, {"fields": ("case", ("form", "reached_on", "effective_on"))}),
        (
            _("协议内容"),
            {
                "fields": (
                    "facts",
                    "terms",
                    "performance_method",
                    ("performance_due_on", "amount"),
                )
            },
        ),
        (
            _("签署与司法确认"),
            {
                "fields": (
                    ("parties_signed", "mediator_signed", "sealed"),
                    ("mediator_signer", "mediator_signed_on"),
                    ("seal_organisation", "sealed_on", "sealed_by"),
                    ("signed_on", "effect_note"),
                    ("judicial_confirmation", "judicial_applied_on"),
                    ("judicial_court", "judicial_ruling_number", "judicial_confirmation_on"),
                )
            },
        ),
        (_("履行情况"), {"fields": ("performance", "performance_note")}),
        (_("登记信息"), {"fields": (("recorded_by", "created_at", "updated_at"),)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")

    def object_editable(self, request, obj):
        # The service updates the case's agreement in force; a superseded one is history.
        return obj.superseded_at is None and step_open(
            request.user, obj.case, Action.RECORD_PERFORMANCE
        )

    def save_service(self, **kwargs):
        return services.agreement_update(**kwargs)


@admin.register(CaseEvent)
class CaseEventAdmin(CaseRecordAdmin):
    list_display = ("case", "kind", "actor", "at", "from_status", "to_status", "note")
    list_select_related = ("case", "actor")
    list_filter = ("kind",)
    date_hierarchy = "at"


@admin.register(GradeChange)
class GradeChangeAdmin(CaseRecordAdmin):
    list_display = ("case", "from_grade", "to_grade", "changed_by", "changed_at")
    list_select_related = ("case", "changed_by")
    list_filter = ("from_grade", "to_grade")
    date_hierarchy = "changed_at"


@admin.register(Escalation)
class EscalationAdmin(CaseRecordAdmin):
    list_display = (
        "case",
        "from_level",
        "to_level",
        "status",
        "proposed_by",
        "proposed_at",
        "decided_by",
        "decided_at",
    )
    list_select_related = ("case", "proposed_by", "decided_by")
    list_filter = ("status", "from_level", "to_level")
    date_hierarchy = "proposed_at"


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ScopedAdminMixin, admin.ModelAdmin):
    read_only = True
    list_display = ("at", "user", "party", "party_case", "field", "document")
    list_select_related = ("user", "party__case")
    list_filter = ("field",)
    ordering = ("-id",)
    search_fields = ("user__username__startswith", "party__case__number__startswith")
    search_help_text = _("按用户名或案件编号开头搜索。")
    date_hierarchy = "at"

    def scope_queryset(self, request, queryset):
        return queryset.filter(party__case__in=cases_in_reach(request.user))

    @admin.display(description=_("案件"))
    def party_case(self, access):
        return access.party.case.number


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(ScopedAdminMixin, admin.ModelAdmin):
    read_only = True
    list_display = ("numbering_area", "year", "last_sequence")
    list_select_related = ("numbering_area",)
    list_filter = ("year",)

    def scope_queryset(self, request, queryset):
        return queryset.filter(numbering_area__in=areas_within_reach(request.user).values("pk"))
