"""The forms of the workflow's steps on the case page: each field's shape here, every rule
the service's (refused in its words beside the field)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import followups, services
from cases.forms.registration import DATE_INPUT, DATETIME_INPUT
from cases.models import (
    Agreement,
    Case,
    FailureReason,
    FollowUp,
    MediationSession,
    Party,
    ResolutionMeans,
    SignatureMethod,
)
from cases.signing import (
    default_sealing_committee,
    sealing_committees,
    signing_mediators,
    signing_state,
)
from cases.steps import SESSION_FIELDS
from common.forms import PLEASE_SELECT, PlainFormMixin, offer_choices
from mediators.models import Mediator, Organisation


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
            "judicial_applied_on": DATE_INPUT,
            "judicial_confirmation_on": DATE_INPUT,
            "performance_note": forms.Textarea(attrs={"rows": 3}),
        }


class AgreementSignForm(PlainFormMixin, forms.Form):
    """What has been signed and sealed since last time: a row per party still to sign,
    the mediator's signature and the committee's seal, each left blank if not yet done."""

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        agreement = case.agreement
        state = signing_state(agreement)
        self.party_rows = []
        for party in state.unsigned:
            how, on = f"party_{party.pk}_how", f"party_{party.pk}_on"
            self.fields[how] = forms.ChoiceField(
                label=_("%(name)s 签署方式") % {"name": party.name},
                choices=[("", _("尚未签署")), *SignatureMethod.choices],
                required=False,
            )
            self.fields[on] = forms.DateField(
                label=_("%(name)s 签署日期") % {"name": party.name},
                required=False,
                widget=DATE_INPUT,
            )
            self.party_rows.append((party, how, on))
        if not state.mediator_signed:
            self.fields["mediator"] = forms.ModelChoiceField(
                label=_("签名调解员"), queryset=Mediator.objects.none(), required=False
            )
            # Offered: who mediated this case; any other is refused by the service.
            offer_choices(
                self.fields["mediator"],
                offered=signing_mediators(case),
                accepted=Mediator.objects.all(),
            )
            self.fields["mediator_signed_on"] = forms.DateField(
                label=_("调解员签名日期"), required=False, widget=DATE_INPUT
            )
        if not state.sealed:
            self.fields["seal_organisation"] = forms.ModelChoiceField(
                label=_("盖章的人民调解委员会"),
                queryset=Organisation.objects.none(),
                initial=default_sealing_committee(case),
                required=False,
                help_text=_("只有人民调解委员会可以在调解协议上盖章。"),
            )
            # Offered: the committees that may seal; any other is refused by the service
            # (art. 29), in the words the API shows too.
            offer_choices(
                self.fields["seal_organisation"],
                offered=sealing_committees(case),
                accepted=Organisation.objects.all(),
            )
            self.fields["sealed_on"] = forms.DateField(
                label=_("盖章日期"), required=False, widget=DATE_INPUT
            )
        # The mixin ran before these fields existed: the same plain blank choice.
        for name in ("mediator", "seal_organisation"):
            if name in self.fields:
                self.fields[name].empty_label = PLEASE_SELECT

    def clean(self):
        data = super().clean()
        data["signatures"] = [
            {"party": party, "how": data.get(how) or "", "signed_on": data.get(on)}
            for party, how, on in self.party_rows
            if data.get(how) or data.get(on)
        ]
        return data


class FollowUpForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = services.FOLLOW_UP_FIELDS
        widgets = {"done_at": DATETIME_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_at"].required = True
        self.fields["done_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


def routes_explained_field() -> forms.BooleanField:
    # Not required here: the service refuses it in its words (the API's too).
    return forms.BooleanField(
        label=_("已告知当事人可依法通过仲裁、行政、司法等途径维护权利(人民调解法第二十六条)"),
        required=False,
    )


class RefusingPartyMixin:
    """Who refused mediation and when (art. 17): the case's parties are offered; any
    other posted is handed to the service, which refuses it in its own words."""

    def add_refusal_fields(self, case: Case, *, help_text=None) -> None:
        self.fields["party"] = forms.ModelChoiceField(
            label=_("拒绝调解的当事人"),
            queryset=Party.objects.none(),
            required=False,
            help_text=help_text,
        )
        offer_choices(
            self.fields["party"], offered=case.parties.all(), accepted=Party.objects.all()
        )
        self.fields["refused_on"] = forms.DateField(
            label=_("拒绝日期"), required=False, widget=DATE_INPUT, help_text=help_text
        )


class FailForm(RefusingPartyMixin, PlainFormMixin, forms.Form):
    failure_reason = forms.ChoiceField(
        label=_("调解不成原因"), choices=FailureReason.choices, widget=forms.RadioSelect
    )
    routes_explained = routes_explained_field()
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_refusal_fields(case, help_text=_("原因为当事人拒绝调解时填写。"))


class RefusalForm(RefusingPartyMixin, PlainFormMixin, forms.Form):
    """当事人明确拒绝调解 (art. 17): the case is closed as not mediated."""

    routes_explained = routes_explained_field()
    note = forms.CharField(
        label=_("拒绝情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("当事人如何表示拒绝,如当面口头拒绝、书面拒绝、拒不到场。"),
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_refusal_fields(case)
        self.fields["refused_on"].initial = timezone.localdate
        # Who and when first, then how, then the routes told.
        self.order_fields(["party", "refused_on", "note", "routes_explained"])


class WaiveFollowUpForm(PlainFormMixin, forms.Form):
    """Waive a visit still to be made, with the reason it is not needed."""

    # Not required here: the service refuses a missing one in its words (the API's too).
    follow_up = forms.ModelChoiceField(
        label=_("免除的回访"), queryset=FollowUp.objects.none(), required=False
    )
    reason = reason_field(_("免除理由"))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        offer_choices(
            self.fields["follow_up"],
            offered=followups.open_follow_ups(case),
            accepted=FollowUp.objects.all(),
        )
        self.fields["follow_up"].label_from_instance = lambda visit: (
            f"{visit.get_kind_display()}"
            + (f" · {timezone.localtime(visit.due_at):%Y-%m-%d}" if visit.due_at else "")
        )


class ResolveOtherwiseForm(PlainFormMixin, forms.Form):
    """化解 by other means. Only the means is required here; that what was done and
    when must be given is the service's rule, refused in its words (the API's too)."""

    means = forms.ChoiceField(
        label=_("化解途径"), choices=ResolutionMeans.choices, widget=forms.RadioSelect
    )
    means_detail = forms.CharField(
        label=_("其他途径说明"),
        max_length=100,
        required=False,
        help_text=_("选择“其他”时填写。"),
    )
    action_taken = forms.CharField(
        label=_("处理情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_("采取了哪些措施、结果如何,例如:协调落实退役军人待遇;学校赔付并发放救助金。"),
    )
    department = forms.CharField(
        label=_("处理部门或机构"),
        max_length=100,
        required=False,
        help_text=_("例如:县退役军人事务局、镇人民政府、县人民法院、县劳动人事争议仲裁委员会。"),
    )
    resolved_on = forms.DateField(label=_("化解日期"), widget=DATE_INPUT, required=False)
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolved_on"].initial = timezone.localdate


class TermExtensionForm(PlainFormMixin, forms.Form):
    """Extending the mediation term; the consent and the limits are the service's rules."""

    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=365)
    parties_consented = forms.BooleanField(label=_("双方当事人均同意延长调解期限"), required=False)
    reason = reason_field(_("延长原因"))


class PetitionExtensionForm(PlainFormMixin, forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=365, initial=30)
    reason = reason_field(_("延期原因"))


class RightsNoticeForm(PlainFormMixin, forms.Form):
    """The day the parties were told their rights and duties (权利义务告知书)."""

    told_on = forms.DateField(label=_("权利义务告知日期"), widget=DATE_INPUT)
    success_message = _("已记录权利义务告知日期。")
