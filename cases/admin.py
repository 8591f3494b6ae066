"""The back office for cases (DOMAIN §1, clerks). The admin corrects; it never moves a
case through its workflow by itself: every write is a call to ``cases.services``, the
same functions the portal uses, so the history records who changed what."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.models import (
    Agreement,
    Attachment,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseSource,
    DisputeType,
    Escalation,
    FollowUp,
    FollowUpRule,
    GradeChange,
    GradePolicy,
    MediationSession,
    Party,
    PersonalDataAccess,
    ResponsibilityRule,
    WorkflowPolicy,
)
from cases.policy import Action, user_may
from cases.search import search_cases
from cases.selectors import cases_in_reach, visible_cases
from common.admin_scoping import (
    ScopedAdminMixin,
    ScopedInlineMixin,
    call_service,
    scope_choices,
)
from common.validators import validate_id_number, validate_mobile
from grids.admin_scoping import TownVillageFilter
from grids.selectors import areas_within_reach

scope_choices(Case, visible_cases)
scope_choices(Party, lambda user: Party.objects.filter(case__in=cases_in_reach(user)))


class CaseChildScopedMixin:
    """Scoping for rows that hang off a case: parties, sessions, agreements, events."""

    def scope_queryset(self, request, queryset):
        return queryset.filter(case__in=cases_in_reach(request.user))


# More than this at once is almost certainly a slip of "select all".
VOID_BATCH_LIMIT = 100


def case_editable(user, case: Case) -> bool:
    """The admin offers a case's form only while the workflow lets this user edit it."""
    return (
        user_may(user, Action.EDIT, case) and services.workflow_refusal(case, Action.EDIT) is None
    )


def _refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return ";".join(error.messages)
    return str(error) or gettext("没有权限。")


# ---------------------------------------------------------------------------
# Lookup tables: editable by clerks, deactivated rather than deleted
# ---------------------------------------------------------------------------


class LookupAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "name_en", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "name_en")

    def scope_queryset(self, request, queryset):
        # District-wide tables: every office reads the same list.
        return queryset


@admin.register(DisputeType)
class DisputeTypeAdmin(LookupAdmin):
    pass


@admin.register(CaseSource)
class CaseSourceAdmin(LookupAdmin):
    list_display = ("name", "code", "name_en", "is_petition", "sort_order", "is_active")
    list_filter = ("is_active", "is_petition")


@admin.register(GradePolicy)
class GradePolicyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("grade", "time_limit_days", "default_level", "handled_by")

    def scope_queryset(self, request, queryset):
        return queryset


# ---------------------------------------------------------------------------
# Parties: ID numbers and mobiles are masked; a new number may be typed, never read
# ---------------------------------------------------------------------------


class PartyAdminForm(forms.ModelForm):
    """The party's details without its personal numbers in clear (PIPL, DOMAIN §6).

    The registered numbers show masked beside these fields; typing a new one replaces
    it, leaving the field empty keeps it. Reading a number in full is done in the
    portal, where the look is logged.
    """

    new_id_number = forms.CharField(
        label=_("新身份证号码"),
        required=False,
        max_length=20,
        validators=[validate_id_number],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("留空则不修改。"),
    )
    new_mobile = forms.CharField(
        label=_("新手机号码"),
        required=False,
        max_length=20,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        help_text=_("留空则不修改。"),
    )

    class Meta:
        model = Party
        fields = [f for f in services.PARTY_FIELDS if f not in ("id_number", "mobile")]

    def party_row(self) -> dict:
        """This form as a row for ``services.case_update(parties=...)``."""
        row = {
            field: self.cleaned_data[field]
            for field in services.PARTY_FIELDS
            if field in self.cleaned_data
        }
        if self.cleaned_data.get("new_id_number"):
            row["id_number"] = self.cleaned_data["new_id_number"]
        if self.cleaned_data.get("new_mobile"):
            row["mobile"] = self.cleaned_data["new_mobile"]
        if self.instance.pk:
            row["id"] = self.instance.pk
        return row


class MaskedPartyNumbersMixin:
    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, party):
        return party.masked_id_number

    @admin.display(description=_("手机号码"))
    def masked_mobile(self, party):
        return party.masked_mobile


PARTY_FIELDSETS = [
    (
        None,
        {
            "fields": [
                ("role", "name", "gender"),
                ("masked_id_number", "new_id_number"),
                ("masked_mobile", "new_mobile"),
                "address",
            ]
        },
    ),
    (
        _("情况标记"),
        {
            "fields": [
                ("is_low_income", "is_extreme_poverty", "is_elderly_sick_disabled"),
                ("is_veteran", "is_poverty_alleviated", "is_minor"),
                "refused_mediation",
            ]
        },
    ),
]


class PartyInline(MaskedPartyNumbersMixin, ScopedInlineMixin, admin.StackedInline):
    model = Party
    form = PartyAdminForm
    fieldsets = PARTY_FIELDSETS
    readonly_fields = ("masked_id_number", "masked_mobile")

    def parent_editable(self, request, parent):
        return parent is None or case_editable(request.user, parent)


class CaseEventInline(ScopedInlineMixin, admin.TabularInline):
    """The case's history, read-only, under the case form."""

    model = CaseEvent
    read_only = True
    fields = ("at", "kind", "actor", "from_status", "to_status", "note", "changes_display")
    readonly_fields = fields
    ordering = ("at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("变更内容"))
    def changes_display(self, event):
        return ";".join(
            f"{field}:{old or '—'} → {new or '—'}"
            for field, (old, new) in (event.changes or {}).items()
        )


class AttachmentInline(ScopedInlineMixin, admin.TabularInline):
    """A case's attachments, voided ones included, read-only: files come in through the
    portal's checks (cases.attachments) and go out through its download page."""

    model = Attachment
    read_only = True
    fields = (
        "uploaded_at",
        "kind",
        "download_link",
        "size",
        "sha256",
        "uploaded_by",
        "voided_at",
        "void_reason",
    )
    readonly_fields = fields
    ordering = ("uploaded_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("文件名"))
    def download_link(self, attachment):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("cases:attachment_download", args=[attachment.pk]),
            attachment.original_name,
        )


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("作废原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("案件不会被删除;作废原因、操作人和时间记入案件历史。"),
    )


@admin.register(Case)
class CaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "title",
        "area",
        "dispute_type",
        "grade",
        "level",
        "status",
        "received_on",
        "deadline",
        "owner",
    )
    list_display_links = ("number", "title")
    list_select_related = ("area", "dispute_type", "owner")
    # Choice columns and the two small lookup tables only; places through a filter that
    # lists towns and villages within reach rather than every grid of the district.
    list_filter = ("status", "grade", "level", "source", "dispute_type", TownVillageFilter)
    # Both hit an index on PostgreSQL: number LIKE 'x%' (varchar_pattern_ops) and
    # search_text LIKE '%x%' (trigram). search_text is lower-cased; so is the term.
    search_fields = ("number__startswith", "search_text__contains")
    search_help_text = _("按案件编号开头,或案件名称、当事人姓名、案情中的文字搜索。")
    date_hierarchy = "received_on"
    autocomplete_fields = ("area",)
    inlines = (PartyInline, AttachmentInline, CaseEventInline)
    actions = ("void_selected",)

    fieldsets = (
        (None, {"fields": ("number", ("status", "grade", "level"), "deadline")}),
        (
            _("案件信息"),
            {
                "fields": (
                    "area",
                    "title",
                    "summary",
                    ("source", "dispute_type"),
                    ("occurred_on", "received_on"),
                    "external_reference",
                )
            },
        ),
        (
            _("风险因素"),
            {
                "fields": (
                    ("is_group", "people_involved"),
                    "amount_at_stake",
                    ("violence_risk", "petition_risk"),
                )
            },
        ),
        (
            _("办理情况"),
            {
                "fields": (
                    ("owner", "organisation"),
                    "mediator_names",
                    "failed_attempts",
                    ("failure_reason", "routes_explained"),
                    "outcome_reason",
                    "closed_at",
                )
            },
        ),
        (_("作废"), {"fields": ("void_reason", "voided_at")}),
        (_("登记信息"), {"fields": (("created_by", "created_at", "updated_at"),)}),
    )
    # Everything but what ``services.case_update`` corrects: status, grade, level,
    # number, deadline and the outcome move only through the workflow's own steps.
    readonly_fields = (
        "number",
        "status",
        "grade",
        "level",
        "deadline",
        "owner",
        "organisation",
        "mediator_names",
        "failed_attempts",
        "failure_reason",
        "routes_explained",
        "outcome_reason",
        "closed_at",
        "void_reason",
        "voided_at",
        "created_by",
        "created_at",
        "updated_at",
    )

    def scope_queryset(self, request, queryset):
        return visible_cases(request.user)

    def has_add_permission(self, request):
        # Registration is a portal form: numbering, grading and parties in one step.
        return False

    def object_editable(self, request, obj):
        return case_editable(request.user, obj)

    def get_search_results(self, request, queryset, search_term):
        # The same indexed search as the ledger (search_text holds the number too).
        return search_cases(queryset, search_term), False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if "source" in form_class.base_fields:
            # Keep the case's current (perhaps since deactivated) value selectable.
            for name, model in (("source", CaseSource), ("dispute_type", DisputeType)):
                current = getattr(obj, f"{name}_id", None)
                form_class.base_fields[name].queryset = model.objects.filter(
                    Q(is_active=True) | Q(pk=current)
                )
        return form_class

    @admin.display(description=_("调解员"))
    def mediator_names(self, case):
        return "、".join(m.name for m in case.mediators.all()) or "—"

    def save_model(self, request, obj, form, change):
        if not change:
            raise PermissionDenied
        data = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in services.EDITABLE_CASE_FIELDS
        }
        if data:
            call_service(services.case_update, case=obj, by=request.user, data=data)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Party:
            return super().save_formset(request, form, formset, change)
        changed = [f for f in formset.forms if f.has_changed()]
        # What construct_change_message reads after a formset.save().
        formset.new_objects = [f.instance for f in changed if f.instance.pk is None]
        formset.changed_objects = [(f.instance, f.changed_data) for f in changed if f.instance.pk]
        formset.deleted_objects = []
        if changed:
            call_service(
                services.case_update,
                case=form.instance,
                by=request.user,
                data={},
                parties=[f.party_row() for f in changed],
            )

    @admin.action(description=_("作废所选案件"), permissions=["change"])
    def void_selected(self, request, queryset):
        cases = list(
            queryset.select_related(None).order_by("-received_on", "-id")[: VOID_BATCH_LIMIT + 1]
        )
        if len(cases) > VOID_BATCH_LIMIT:
            self.message_user(
                request,
                gettext("一次最多作废%(limit)d件案件,请缩小选择范围。")
                % {"limit": VOID_BATCH_LIMIT},
                messages.ERROR,
            )
            return None
        form = VoidForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("作废案件"),
                "opts": self.opts,
                "cases": cases,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, "admin/cases/void_confirmation.html", context)

        voided = 0
        for case in cases:
            try:
                services.case_void(case=case, by=request.user, reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as refusal:
                self.message_user(
                    request,
                    gettext("%(number)s 未作废:%(reason)s")
                    % {"number": case.number, "reason": _refusal_text(refusal)},
                    messages.WARNING,
                )
            else:
                voided += 1
        if voided:
            self.message_user(
                request,
                ngettext("已作废%(count)d件案件。", "已作废%(count)d件案件。", voided)
                % {"count": voided},
                messages.SUCCESS,
            )
        return None


@admin.register(Party)
class PartyAdmin(MaskedPartyNumbersMixin, CaseChildScopedMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = PartyAdminForm
    list_display = (
        "name",
        "role",
        "case",
        "masked_id_number",
        "masked_mobile",
        "refused_mediation",
    )
    list_select_related = ("case",)
    list_filter = ("role", "refused_mediation", "is_minor")
    ordering = ("-id",)
    search_fields = ("name", "case__number")
    search_help_text = _("按当事人姓名或案件编号开头搜索。")
    fieldsets = [(None, {"fields": ["case"]}), *PARTY_FIELDSETS]
    readonly_fields = ("case", "masked_id_number", "masked_mobile")
    allow_add = False  # parties are added with their case, on the case's page

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")

    def object_editable(self, request, obj):
        return case_editable(request.user, obj.case)

    def get_search_results(self, request, queryset, search_term):
        # name LIKE '%x%' has a trigram index on PostgreSQL; the number goes through the
        # cases' prefix index rather than a join.
        term = search_term.strip()
        if not term:
            return queryset, False
        by_number = Case.objects.filter(number__startswith=term).values("pk")
        return queryset.filter(Q(name__contains=term) | Q(case__in=by_number)), False

    def save_model(self, request, obj, form, change):
        if not change:
            raise PermissionDenied
        if form.has_changed():
            call_service(
                services.case_update,
                case=obj.case,
                by=request.user,
                data={},
                parties=[form.party_row()],
            )


# ---------------------------------------------------------------------------
# Records the workflow writes: viewable here, changed only through the portal's steps
# ---------------------------------------------------------------------------


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
    )
    list_select_related = ("case", "done_by")
    list_filter = ("kind", "performance", "satisfaction", "rebound_signs", "flared_again")
    date_hierarchy = "due_at"


@admin.register(Agreement)
class AgreementAdmin(CaseRecordAdmin):
    """Signatures, judicial confirmation and performance are updated through
    ``services.agreement_update``; the terms themselves are what the parties signed."""

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
    readonly_fields = (
        "case",
        "form",
        "reached_on",
        "facts",
        "terms",
        "performance_method",
        "performance_due_on",
        "amount",
        "effective_on",
        "recorded_by",
        "created_at",
        "updated_at",
    )
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
                    "signed_on",
                    ("judicial_confirmation", "judicial_confirmation_on"),
                )
            },
        ),
        (_("履行情况"), {"fields": ("performance", "performance_note")}),
        (_("登记信息"), {"fields": (("recorded_by", "created_at", "updated_at"),)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")

    def object_editable(self, request, obj):
        case = obj.case
        return (
            user_may(request.user, Action.RECORD_PERFORMANCE, case)
            and services.workflow_refusal(case, Action.RECORD_PERFORMANCE) is None
        )

    def save_model(self, request, obj, form, change):
        if not change:
            raise PermissionDenied
        data = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in services.AGREEMENT_UPDATE_FIELDS
        }
        if data:
            call_service(services.agreement_update, case=obj.case, by=request.user, data=data)


# ---------------------------------------------------------------------------
# History and counters: read-only for everyone
# ---------------------------------------------------------------------------


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
    list_display = ("at", "user", "party", "party_case", "field")
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


# ---------------------------------------------------------------------------
# Local practice: district-wide rules that clerks edit (supervisors view), never delete
# ---------------------------------------------------------------------------


class PolicyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """One table for the whole district, not scoped by area: every office works to the
    same rules."""

    def scope_queryset(self, request, queryset):
        return queryset


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(PolicyAdmin):
    list_display = ("kind", "offset_amount", "offset_unit", "remind_before_hours")
    list_editable = ("offset_amount", "offset_unit", "remind_before_hours")


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(PolicyAdmin):
    list_display = ("grade", "level", "role")
    list_editable = ("role",)
    list_filter = ("grade", "level", "role")


class WorkflowPolicyForm(forms.ModelForm):
    class Meta:
        model = WorkflowPolicy
        fields = ["auto_propose_escalation", "review_day", "review_hour"]

    def clean_review_day(self):
        day = self.cleaned_data["review_day"]
        if not 1 <= day <= 28:
            raise ValidationError(_("请填写1至28之间的日期。"), code="review_day")
        return day

    def clean_review_hour(self):
        hour = self.cleaned_data["review_hour"]
        if not 0 <= hour <= 23:
            raise ValidationError(_("请填写0至23之间的时刻。"), code="review_hour")
        return hour


@admin.register(WorkflowPolicy)
class WorkflowPolicyAdmin(PolicyAdmin):
    """A single row (``WorkflowPolicy.current()`` reads pk 1): edited, never added twice."""

    form = WorkflowPolicyForm
    list_display = ("__str__", "auto_propose_escalation", "review_day", "review_hour")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not WorkflowPolicy.objects.exists()

    def save_model(self, request, obj, form, change):
        if not change:
            # The row the workflow reads; only reachable while the table is empty.
            obj.pk = 1
        super().save_model(request, obj, form, change)
