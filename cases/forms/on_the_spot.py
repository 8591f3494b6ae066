"""随手调: one short form for a blue dispute settled on the spot (a phone in the field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import services
from cases.forms.registration import AreaChoiceField, BasePartyFormSet
from cases.models import (
    Agreement,
    Case,
    CaseSource,
    DisputeType,
    MediationSession,
    Party,
)
from common.forms import PlainFormMixin, offer_choices
from common.validators import normalise_mobile
from grids.models import AreaLevel
from grids.selectors import areas_within_reach
from mediators.models import Mediator


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
