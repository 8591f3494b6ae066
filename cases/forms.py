"""Forms of the ledger. They only collect and clean input; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import services
from cases.models import (
    Agreement,
    Case,
    CaseSource,
    DisputeType,
    FailureReason,
    FollowUp,
    MediationSession,
    Party,
    PartyRole,
)
from cases.steps import SESSION_FIELDS
from common.forms import PlainFormMixin, offer_choices
from common.validators import normalise_id_number, normalise_mobile
from grids.selectors import areas_within_reach
from mediators.models import Mediator, Organisation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Indent by depth so a long list of villages and grids reads as a tree.
        return f"{'　' * obj.depth}{obj.name}"


class CaseForm(PlainFormMixin, forms.ModelForm):
    area = AreaChoiceField(label=_("发生地(村/网格)"), queryset=None)

    class Meta:
        model = Case
        fields = services.CASE_FIELDS
        widgets = {
            "occurred_on": DATE_INPUT,
            "received_on": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "title": forms.TextInput(attrs={"placeholder": _("如:张某与李某宅基地纠纷")}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_within_reach(user)
        self.fields["source"].queryset = CaseSource.objects.active()
        self.fields["dispute_type"].queryset = DisputeType.objects.active()
        if len(self.fields["area"].queryset) == 1:
            self.fields["area"].initial = self.fields["area"].queryset[0]
        for name in ("amount_at_stake", "people_involved"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"


class CaseEditForm(CaseForm):
    class Meta(CaseForm.Meta):
        fields = services.EDITABLE_CASE_FIELDS


class PartyForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Party
        fields = services.PARTY_FIELDS
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def clean_id_number(self):
        return normalise_id_number(self.cleaned_data.get("id_number", ""))

    def clean_mobile(self):
        return normalise_mobile(self.cleaned_data.get("mobile", ""))


class BasePartyFormSet(forms.BaseFormSet):
    # That a dispute has two sides is the service's rule (one place for forms and API);
    # its refusal is shown at the top of the form.
    # Django's own "请至少提交 2 个表单" speaks of forms, not of parties.
    default_error_messages = {
        "too_few_forms": _("纠纷至少需要两方当事人:请至少填写一名申请人和一名被申请人。"),
        "too_many_forms": _("一件纠纷最多登记 %(num)d 方当事人。"),
    }

    def party_rows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data]

    def initial_form_count(self):
        # The pre-filled roles are suggestions for new parties, not existing rows: only
        # the first two (min_num) are required, the optional third may stay blank.
        return 0


PartyFormSet = forms.formset_factory(
    PartyForm,
    formset=BasePartyFormSet,
    # Applicant and respondent (required), then one optional party.
    extra=1,
    min_num=2,
    validate_min=True,
    max_num=30,
    validate_max=True,
)


class PartyEditForm(PartyForm):
    """Editing a party never puts its full ID number or mobile on the page (that would
    bypass the logged reveal): the fields start empty, show the masked value, and an
    empty field keeps what is stored."""

    KEPT_WHEN_BLANK = ("id_number", "mobile")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.KEPT_WHEN_BLANK:
                stored = getattr(self.instance, name)
                self.initial[name] = ""
                if stored:
                    masked = getattr(self.instance, f"masked_{name}")
                    self.fields[name].help_text = _("现为 %(masked)s,留空则不变。") % {
                        "masked": masked
                    }

    def _kept(self, name: str, value: str) -> str:
        return value or (getattr(self.instance, name) if self.instance.pk else "")

    def clean_id_number(self):
        return self._kept("id_number", super().clean_id_number())

    def clean_mobile(self):
        return self._kept("mobile", super().clean_mobile())


class BasePartyEditFormSet(forms.BaseModelFormSet):
    default_error_messages = BasePartyFormSet.default_error_messages

    def party_rows(self) -> list[dict]:
        """The parties for ``services.case_update``: every existing one (by ``id``) and
        the new one if it was filled in."""
        return [
            {**f.cleaned_data, "id": f.instance.pk}
            for f in self.forms
            if f.instance.pk is not None or f.has_changed()
        ]


# Editing keeps every existing party (no case record is ever deleted) and allows one more.
PartyEditFormSet = forms.modelformset_factory(
    Party,
    form=PartyEditForm,
    formset=BasePartyEditFormSet,
    extra=1,
    max_num=30,
    validate_max=True,
    can_delete=False,
)

PARTY_INITIAL = [
    {"role": PartyRole.APPLICANT},
    {"role": PartyRole.RESPONDENT},
    {"role": PartyRole.OTHER},
]


def reason_field(label) -> forms.CharField:
    # Not required here: that a reason must be given is the service's rule, refused in
    # its words (the API's too) beside the field.
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class ReasonForm(PlainFormMixin, forms.Form):
    reason = reason_field(_("原因"))


class NoteForm(PlainFormMixin, forms.Form):
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class AcceptForm(PlainFormMixin, forms.Form):
    """Offers the people and organisations the case may have; any other one posted is
    handed to the service, which refuses it in its own words."""

    owner = forms.ModelChoiceField(label=_("责任人"), queryset=User.objects.none())
    mediators = forms.ModelMultipleChoiceField(
        label=_("调解员"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organisation = forms.ModelChoiceField(
        label=_("调解组织"), queryset=Organisation.objects.none(), required=False
    )
    # Blank means today; the service refuses a day before registration or in the future.
    accepted_on = forms.DateField(
        label=_("受理日期"), widget=DATE_INPUT, required=False, help_text=_("不填则为今天。")
    )
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args, case: Case, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        codes = case.area.path_codes
        offer_choices(
            self.fields["owner"],
            offered=User.objects.filter(is_active=True, area__code__in=codes).order_by(
                "area__depth", "full_name"
            ),
            accepted=User.objects.filter(is_active=True),
        )
        self.fields["owner"].label_from_instance = lambda u: (
            f"{u.display_name}({u.get_role_display()}·{u.area})"
        )
        self.fields["owner"].initial = user.pk if user.area and user.area.code in codes else None
        self.fields["accepted_on"].initial = timezone.localdate()
        offer_choices(
            self.fields["mediators"],
            offered=services.mediators_available_for(case),
            accepted=Mediator.objects.all(),
        )
        offer_choices(
            self.fields["organisation"],
            offered=services.organisations_available_for(case),
            accepted=Organisation.objects.all(),
        )


class SessionForm(PlainFormMixin, forms.ModelForm):
    """Offers the case's mediators and parties; that someone mediates, and who may, is
    the service's rule, refused in its words whatever is posted."""

    class Meta:
        model = MediationSession
        fields = SESSION_FIELDS
        widgets = {
            "held_at": DATETIME_INPUT,
            "mediators": forms.CheckboxSelectMultiple,
            "parties_present": forms.CheckboxSelectMultiple,
            "content": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        offer_choices(
            self.fields["mediators"],
            offered=services.mediators_available_for(case),
            accepted=Mediator.objects.all(),
        )
        self.fields["mediators"].required = False
        offer_choices(
            self.fields["parties_present"], offered=case.parties.all(), accepted=Party.objects.all()
        )
        self.fields["held_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        assigned = list(case.mediators.values_list("pk", flat=True))
        if assigned:
            self.fields["mediators"].initial = assigned


class GradeForm(PlainFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("新等级"), choices=Case._meta.get_field("grade").choices)
    reason = reason_field(_("调整原因"))


class EscalationDecisionForm(PlainFormMixin, forms.Form):
    accept = forms.TypedChoiceField(
        label=_("处理"),
        choices=[("yes", _("接收")), ("no", _("退回"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("处理意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("退回时必须说明原因。"),
    )


class AgreementForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Agreement
        fields = services.AGREEMENT_FIELDS
        widgets = {
            "reached_on": DATE_INPUT,
            "performance_due_on": DATE_INPUT,
            "signed_on": DATE_INPUT,
            "facts": forms.Textarea(attrs={"rows": 4}),
            "terms": forms.Textarea(attrs={"rows": 4}),
            "performance_method": forms.Textarea(attrs={"rows": 2}),
            "form": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reached_on"].initial = timezone.localdate


class AgreementUpdateForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Agreement
        fields = services.AGREEMENT_UPDATE_FIELDS
        widgets = {
            "signed_on": DATE_INPUT,
            "judicial_applied_on": DATE_INPUT,
            "judicial_confirmation_on": DATE_INPUT,
            "performance_note": forms.Textarea(attrs={"rows": 3}),
        }


class FollowUpForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = services.FOLLOW_UP_FIELDS
        widgets = {"done_at": DATETIME_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_at"].required = True
        self.fields["done_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class FailForm(PlainFormMixin, forms.Form):
    failure_reason = forms.ChoiceField(
        label=_("调解不成原因"), choices=FailureReason.choices, widget=forms.RadioSelect
    )
    routes_explained = forms.BooleanField(
        label=_("已告知当事人可依法通过仲裁、行政、司法等途径维护权利(人民调解法第二十六条)"),
        required=False,
    )
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class TermExtensionForm(PlainFormMixin, forms.Form):
    """Extending the mediation term; the consent and the limits are the service's rules."""

    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=365)
    parties_consented = forms.BooleanField(label=_("双方当事人均同意延长调解期限"), required=False)
    reason = reason_field(_("延长原因"))


class PetitionExtensionForm(PlainFormMixin, forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=365, initial=30)
    reason = reason_field(_("延期原因"))
