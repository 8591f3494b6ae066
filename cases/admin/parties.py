"""Parties: ID numbers and mobiles are masked; a new number may be typed, never read."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.admin.base import CaseChildScopedMixin, case_editable
from cases.attachments import ACCEPT_ATTRIBUTE
from cases.models import Case, Party, PartyAgent, PartyKind
from cases.models.parties import parties_with_number
from cases.selectors import cases_in_reach
from common.admin_scoping import ScopedAdminMixin, ScopedInlineMixin, call_service, scope_choices
from common.validators import validate_id_number, validate_mobile

scope_choices(Party, lambda user: Party.objects.filter(case__in=cases_in_reach(user)))


class PartyAdminForm(forms.ModelForm):
    """The party's details without its personal numbers in clear (PIPL, DOMAIN §6).

    The registered numbers show masked beside these fields; typing a new one replaces
    it, leaving the field empty keeps it. Reading a number in full is done in the
    portal, where the look is logged.
    """

    new_id_number = forms.CharField(
        label=_("新身份证号码"),
        required=False,
        max_length=40,  # spaces and dashes pasted with the number are dropped
        validators=[validate_id_number],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("留空则不修改。"),
    )
    new_mobile = forms.CharField(
        label=_("新手机号码"),
        required=False,
        max_length=40,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        help_text=_("留空则不修改。"),
    )

    class Meta:
        model = Party
        fields = [f for f in services.PARTY_FIELDS if f not in ("id_number", "mobile")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].required = False

    def clean_kind(self):
        return self.cleaned_data.get("kind") or PartyKind.PERSON

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

    @admin.display(description=_("此人全部纠纷"))
    def person_link(self, party):
        if party is None or party.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("cases:person", args=[party.pk]), _("查看")
        )


PARTY_FIELDSETS = [
    (
        None,
        {
            "fields": [
                ("role", "kind", "name", "is_representative", "person_link"),
                ("masked_id_number", "new_id_number"),
                ("gender", "birth_date", "ethnicity"),
                ("masked_mobile", "new_mobile"),
                "address",
                ("occupation", "employer"),
                "relation_to_other_party",
            ]
        },
    ),
    (
        _("法人或非法人组织"),
        {"fields": [("credit_code", "legal_representative")]},
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
    readonly_fields = ("masked_id_number", "masked_mobile", "person_link")

    def parent_editable(self, request, parent):
        return parent is None or case_editable(request.user, parent)


class PartyAgentAdminForm(forms.ModelForm):
    """A new agent with the power of attorney; an agent once recorded stays as it is
    (the record of who acted for the party)."""

    power_of_attorney_file = forms.FileField(
        label=_("授权委托书"),
        required=False,
        allow_empty_file=True,
        help_text=_("当事人签名或盖章的授权委托书扫描件,PDF、JPG 或 PNG 格式。"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    class Meta:
        model = PartyAgent
        fields = [f for f in services.AGENT_FIELDS if f not in ("id_number", "mobile")]

    new_id_number = PartyAdminForm.base_fields["new_id_number"]
    new_mobile = PartyAdminForm.base_fields["new_mobile"]

    def agent_data(self) -> dict:
        return {
            **{f: self.cleaned_data[f] for f in services.AGENT_FIELDS if f in self.cleaned_data},
            "id_number": self.cleaned_data.get("new_id_number", ""),
            "mobile": self.cleaned_data.get("new_mobile", ""),
        }

    def _post_clean(self):
        # The service checks the agent (and the file) in one place, for every door.
        pass


class PartyAgentInline(MaskedPartyNumbersMixin, ScopedInlineMixin, admin.TabularInline):
    """The party's agents as recorded: shown, never edited (the record of who acted)."""

    model = PartyAgent
    fields = ("name", "kind", "relation", "masked_id_number", "masked_mobile", "letter")
    readonly_fields = fields
    read_only = True
    verbose_name_plural = _("委托代理人")

    @admin.display(description=_("授权委托书"))
    def letter(self, agent):
        url = reverse("cases:attachment_download", args=[agent.power_of_attorney_id])
        return format_html('<a href="{}">{}</a>', url, agent.power_of_attorney.original_name)


class PartyAgentAddInline(ScopedInlineMixin, admin.StackedInline):
    """A new agent, with the power of attorney, through ``services.party_agent_add``."""

    model = PartyAgent
    form = PartyAgentAdminForm
    fields = [
        ("name", "kind", "relation"),
        ("new_id_number", "new_mobile"),
        "power_of_attorney_file",
    ]
    verbose_name = _("新委托代理人")
    verbose_name_plural = _("登记委托代理人")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def parent_editable(self, request, parent):
        return parent is not None and case_editable(request.user, parent.case)


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
        "person_link",
    )
    list_select_related = ("case",)
    list_filter = ("role", "refused_mediation", "is_minor")
    ordering = ("-id",)
    search_fields = ("name", "case__number")
    search_help_text = _("按当事人姓名、案件编号开头,或完整的身份证号码、手机号码搜索。")
    fieldsets = [(None, {"fields": ["case"]}), *PARTY_FIELDSETS]
    readonly_fields = ("case", "masked_id_number", "masked_mobile", "person_link")
    allow_add = False  # parties are added with their case, on the case's page
    inlines = (PartyAgentInline, PartyAgentAddInline)

    def save_formset(self, request, form, formset, change):
        if formset.model is not PartyAgent:
            return super().save_formset(request, form, formset, change)
        added = [f for f in formset.forms if f.instance.pk is None and f.has_changed()]
        formset.new_objects = []
        formset.changed_objects = []
        formset.deleted_objects = []
        for agent_form in added:
            formset.new_objects.append(
                call_service(
                    services.party_agent_add,
                    by=request.user,
                    party=form.instance,
                    data=agent_form.agent_data(),
                    power_of_attorney=agent_form.cleaned_data.get("power_of_attorney_file"),
                )
            )

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
        if (parties := parties_with_number(term)) is not None:
            # A whole ID number or mobile: its blind index, as in the case search.
            return queryset.filter(pk__in=parties.values("pk")), False
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
