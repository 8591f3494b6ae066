"""Forms of the ledger. They only collect and clean input; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import followups, services
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
    ResolutionMeans,
    SignatureMethod,
    party_role_choices,
)
from cases.signing import (
    default_sealing_committee,
    sealing_committees,
    signing_mediators,
    signing_state,
)
from cases.steps import SESSION_FIELDS
from common.forms import PLEASE_SELECT, PlainFormMixin, offer_choices
from common.validators import normalise_id_number, normalise_mobile
from grids.models import AreaLevel
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


def label_party_roles(parties, case_or_source) -> None:
    """Name the roles on every party row as ``party_role_choices`` says for this case or
    source (当事人 where nobody applied); None while the source is not chosen yet."""
    choices = [("", PLEASE_SELECT), *party_role_choices(case_or_source)]
    for party_form in parties.forms:
        party_form.fields["role"].choices = choices


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


# ---------------------------------------------------------------------------
# 随手调: one short form for a blue dispute settled on the spot (a phone in the field)
# ---------------------------------------------------------------------------


class OnTheSpotForm(PlainFormMixin, forms.Form):
    """What a grid member knows when a dispute has just been settled in front of them.
    Each rule (blue only, a grid, two parties, an agreement's content) is the service's,
    refused in its words beside the field."""

    area = AreaChoiceField(label=_("发生网格"), queryset=None)
    dispute_type = forms.ModelChoiceField(
        label=Case._meta.get_field("dispute_type").verbose_name, queryset=None
    )
    summary = forms.CharField(
        label=_("简要情况"),
        max_length=Case._meta.get_field("summary").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("一句话说明发生了什么")}),
    )
    terms = forms.CharField(
        label=_("口头协议内容"),
        max_length=Agreement._meta.get_field("terms").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("双方当场同意的内容")}),
    )
    grade = forms.ChoiceField(
        label=Case._meta.get_field("grade").verbose_name,
        choices=Case._meta.get_field("grade").choices,
        initial="blue",
        widget=forms.RadioSelect,
        help_text=_("随手调只用于蓝色(一般)纠纷;黄色、红色请登记新案件。"),
    )
    source = forms.ModelChoiceField(label=_("来源"), queryset=None, required=False)
    mediators = forms.ModelChoiceField(
        label=_("主持调解员"), queryset=Mediator.objects.none(), required=False
    )
    place_detail = forms.CharField(
        label=_("具体地点"),
        max_length=MediationSession._meta.get_field("place_detail").max_length,
        required=False,
    )
    rebound_risk = forms.BooleanField(
        label=Agreement._meta.get_field("rebound_risk").verbose_name,
        help_text=Agreement._meta.get_field("rebound_risk").help_text,
        required=False,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        grids = areas_within_reach(user).filter(level__in=(AreaLevel.GRID, AreaLevel.MICROGRID))
        self.fields["area"].queryset = grids
        if len(grids) == 1:
            self.fields["area"].initial = grids[0]
        self.fields["dispute_type"].queryset = DisputeType.objects.active()
        self.fields["source"].queryset = CaseSource.objects.active()
        self.fields["source"].initial = (
            CaseSource.objects.active().filter(code=services.ON_SPOT_SOURCE_CODE).first()
        )
        own = services.own_mediator(user)
        offer_choices(
            self.fields["mediators"],
            offered=services.mediators_offered_to(user),
            accepted=Mediator.objects.all(),
        )
        self.fields["mediators"].initial = own
        self.fields["mediators"].help_text = _("不选则为本人。") if own else ""

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        mediator = data["mediators"]
        return {
            "data": {f: data[f] for f in ("area", "dispute_type", "summary", "grade", "source")},
            "terms": data["terms"],
            "mediators": [mediator] if mediator else None,
            "place_detail": data["place_detail"],
            "rebound_risk": data["rebound_risk"],
        }


class OnTheSpotPartyForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Party
        fields = services.ON_SPOT_PARTY_FIELDS
        widgets = {
            "mobile": forms.TextInput(
                attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": _("选填")}
            )
        }

    def clean_mobile(self):
        return normalise_mobile(self.cleaned_data.get("mobile", ""))


class BaseOnTheSpotPartyFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": BasePartyFormSet.default_error_messages["too_many_forms"]
    }

    def party_rows(self) -> list[dict]:
        """Every row up to the last one filled in, blank ones between kept in place, so a
        refusal of ``parties.<n>`` lands on the row the user sees as number n+1."""
        rows = [f.cleaned_data if f.has_changed() else {} for f in self.forms]
        while rows and not rows[-1]:
            rows.pop()
        return rows


# Two sides, and room for a third; that there are two is the service's rule.
OnTheSpotPartyFormSet = forms.formset_factory(
    OnTheSpotPartyForm, formset=BaseOnTheSpotPartyFormSet, extra=3, max_num=10, validate_max=True
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
