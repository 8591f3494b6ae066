"""The registration and edit forms of a case and its parties, and the inputs the other
forms share."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import services
from cases.models import (
    Case,
    CaseSource,
    DisputeType,
    Party,
    PartyKind,
    PartyRole,
    party_role_choices,
)
from common.forms import PLEASE_SELECT, PlainFormMixin
from common.validators import normalise_credit_code, normalise_id_number, normalise_mobile
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
            "birth_date": DATE_INPUT,
            "credit_code": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Most parties are people: a form (or a page saved before the field existed)
        # that does not say means a natural person.
        kind = self.fields["kind"]
        kind.required = False
        # ...and a blank optional block that does not say is still blank, not changed.
        kind.has_changed = lambda initial, data: (
            (data or PartyKind.PERSON) != (initial or PartyKind.PERSON)
        )

    def clean_kind(self):
        return self.cleaned_data.get("kind") or PartyKind.PERSON

    def clean_id_number(self):
        return normalise_id_number(self.cleaned_data.get("id_number", ""))

    def clean_credit_code(self):
        return normalise_credit_code(self.cleaned_data.get("credit_code", ""))

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


def party_formset_class(extra: int = 1):
    """The registration's party blocks: applicant and respondent (required), then
    ``extra`` optional ones; a group dispute adds blocks up to the service's cap."""
    return forms.formset_factory(
        PartyForm,
        formset=BasePartyFormSet,
        extra=extra,
        min_num=2,
        validate_min=True,
        max_num=services.MAX_PARTIES,
        validate_max=True,
        # Blocks added by the page's script (or the button without it) are not
        # limited by the number the page started with.
        absolute_max=services.MAX_PARTIES,
    )


PartyFormSet = party_formset_class()

# The name of the "添加当事人" submit button: the page comes back with one more block.
ADD_PARTY = "add_party"


def typed_values(form: forms.BaseForm) -> dict:
    """What was typed into a bound form, as initial values of an unbound one: the page
    comes back as it was, without the "required" errors of fields not reached yet."""
    return {name: form[name].data for name in form.fields}


def with_another_party(form: "CaseForm", parties, *, user: User):
    """The registration form again with everything typed and one more party block: the
    "添加当事人" button's answer when the page's script did not add it in place."""
    unbound_form = form.__class__(initial=typed_values(form), user=user)
    rows = [typed_values(party_form) for party_form in parties.forms]
    rows.append({"role": PartyRole.OTHER})
    rows = rows[: services.MAX_PARTIES]
    more = party_formset_class(extra=max(len(rows) - 2, 0))(prefix=parties.prefix, initial=rows)
    try:
        source = form.fields["source"].clean(form["source"].data)
    except ValidationError:
        source = None
    label_party_roles(more, source)
    return unbound_form, more


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
    max_num=services.MAX_PARTIES,
    validate_max=True,
    absolute_max=services.MAX_PARTIES,
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
