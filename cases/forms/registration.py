"""The registration and edit forms of a case and its parties, and the inputs the other
forms share."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import services
from cases.models import (
    Case,
    CaseSource,
    DisputeType,
    Party,
    PartyRole,
    party_role_choices,
)
from common.forms import PLEASE_SELECT, PlainFormMixin
from common.validators import normalise_id_number, normalise_mobile
from grids.selectors import areas_within_reach

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
            # No maxlength: a number pasted with spaces or dashes is longer than 18 and
            # the browser would cut it; clean_id_number drops them, the validator counts.
            "id_number": forms.TextInput(attrs={"autocomplete": "off"}),
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
