"""Cases: corrected through ``services.case_update``, voided through ``services.case_void``."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.admin.base import BulkStep, ServiceSaveMixin, case_editable, run_bulk_step
from cases.admin.parties import PartyInline
from cases.forms import ResolveOtherwiseForm
from cases.models import Attachment, Case, CaseEvent, CaseSource, DisputeType, Party
from cases.policy import Action
from cases.search import search_cases
from cases.selectors import visible_cases
from cases.steps import step_perform
from common.admin_scoping import ScopedAdminMixin, ScopedInlineMixin, call_service, scope_choices
from grids.admin_scoping import TownVillageFilter

scope_choices(Case, visible_cases)


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


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("作废原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("案件不会被删除;作废原因、操作人和时间记入案件历史。"),
    )


class TermExtensionAdminForm(forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=365)
    parties_consented = forms.BooleanField(label=_("双方当事人均同意延长调解期限"), required=False)
    reason = forms.CharField(
        label=_("延长原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


def _selected(queryset):
    return queryset.select_related(None).order_by("-received_on", "-id")


VOID = BulkStep(
    title=_("作废案件"),
    template="admin/cases/void_confirmation.html",
    form_class=VoidForm,
    perform=lambda case, by, data: services.case_void(case=case, by=by, reason=data["reason"]),
    refused=lambda case, reason: (
        gettext("%(number)s 未作废:%(reason)s") % {"number": case.number, "reason": reason}
    ),
    done=lambda count: (
        ngettext("已作废%(count)d件案件。", "已作废%(count)d件案件。", count) % {"count": count}
    ),
    too_many=lambda limit: (
        gettext("一次最多作废%(limit)d件案件,请缩小选择范围。") % {"limit": limit}
    ),
)
EXTEND_TERM = BulkStep(
    title=_("延长调解期限"),
    template="admin/cases/extend_term_confirmation.html",
    form_class=TermExtensionAdminForm,
    perform=lambda case, by, data: services.case_extend_term(case=case, by=by, **data),
    refused=lambda case, reason: (
        gettext("%(number)s 未延长:%(reason)s") % {"number": case.number, "reason": reason}
    ),
    done=lambda count: (
        ngettext("已延长%(count)d件案件的调解期限。", "已延长%(count)d件案件的调解期限。", count)
        % {"count": count}
    ),
    too_many=lambda limit: (
        gettext("一次最多处理%(limit)d件案件,请缩小选择范围。") % {"limit": limit}
    ),
)
RESOLVE_OTHERWISE = BulkStep(
    title=_("以其他方式化解"),
    template="admin/cases/resolve_otherwise.html",
    form_class=ResolveOtherwiseForm,
    perform=lambda case, by, data: step_perform(
        Action.RESOLVE_OTHERWISE, case=case, by=by, data=data
    ),
    refused=lambda case, reason: (
        gettext("%(number)s 未处理:%(reason)s") % {"number": case.number, "reason": reason}
    ),
    done=lambda count: (
        ngettext(
            "已记录%(count)d件案件以其他方式化解。", "已记录%(count)d件案件以其他方式化解。", count
        )
        % {"count": count}
    ),
    too_many=lambda limit: (
        gettext("一次最多处理%(limit)d件案件,请缩小选择范围。") % {"limit": limit}
    ),
)


@admin.register(Case)
class CaseAdmin(ServiceSaveMixin, ScopedAdminMixin, admin.ModelAdmin):
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
    search_help_text = _(
        "按案件编号开头,或案件名称、当事人姓名、案情中的文字,"
        "或当事人完整的身份证号码、手机号码搜索。"
    )
    date_hierarchy = "received_on"
    autocomplete_fields = ("area",)
    inlines = (PartyInline, AttachmentInline, CaseEventInline)
    service_fields = services.EDITABLE_CASE_FIELDS
    actions = ("void_selected", "resolve_otherwise_selected", "extend_term_selected")

    fieldsets = (
        (None, {"fields": ("number", ("status", "grade", "level"), ("deadline", "due_on"))}),
        (
            _("案件信息"),
            {
                "fields": (
                    "area",
                    "title",
                    "summary",
                    ("source", "dispute_type"),
                    ("occurred_on", "received_on", "accepted_on"),
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
                    ("resolution_means", "resolution_means_detail", "resolved_on"),
                    ("resolution_department", "resolution_action"),
                    "outcome_reason",
                    ("term_ends_on", "term_extended_days"),
                    ("petition_route_by", "petition_handle_by"),
                    "closed_at",
                )
            },
        ),
        (_("作废"), {"fields": ("void_reason", "voided_at")}),
        (_("登记信息"), {"fields": (("created_by", "created_at", "updated_at"),)}),
    )
    # Everything but what ``services.case_update`` corrects: status, grade, level,
    # number, deadline and the outcome move only through the workflow's own steps.
    readonly_fields = tuple(
        f for f in flatten_fieldsets(fieldsets) if f not in services.EDITABLE_CASE_FIELDS
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

    def save_service(self, **kwargs):
        return services.case_update(**kwargs)

    def service_case(self, obj):
        return obj

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

    @admin.action(description=_("延长所选案件的调解期限"), permissions=["change"])
    def extend_term_selected(self, request, queryset):
        """The service refuses each case it may not extend (no consent, over the limit,
        not accepted), in its own words."""
        return run_bulk_step(self, request, _selected(queryset), EXTEND_TERM)

    @admin.action(description=_("作废所选案件"), permissions=["change"])
    def void_selected(self, request, queryset):
        return run_bulk_step(self, request, _selected(queryset), VOID)

    @admin.action(description=_("以其他方式化解所选案件"), permissions=["change"])
    def resolve_otherwise_selected(self, request, queryset):
        """The case page's step for a few cases settled by one department's action: the
        same form, the same service, each case refused in the service's own words."""
        return run_bulk_step(self, request, _selected(queryset), RESOLVE_OTHERWISE)
