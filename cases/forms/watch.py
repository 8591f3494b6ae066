"""The forms of the 重点人员 pages and the registration field that keeps a lower grade.
They only collect input; ``cases.services.watch`` decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.registration import DATE_INPUT
from cases.models import WatchedPerson
from cases.services.watch import OVERRIDE_FIELD
from cases.watch import keeping_areas
from common.forms import PlainFormMixin


def with_watch_override(form):
    """Add to a registration or edit form the field that keeps a flagged person's case
    below yellow: shown to everyone who registers or corrects parties (hiding it from
    some would tell them nothing and the service refuses it below the handling level,
    whoever is flagged)."""
    form.fields[OVERRIDE_FIELD] = forms.CharField(
        label=_("不按重点人员规定提级的理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "当事人为重点人员的,案件至少定为黄色;处置层级的人员认为不必提级时在此说明理由。"
        ),
    )
    return form


class WatchFlagForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = WatchedPerson
        fields = ["name", "id_number", "mobile", "area", "category", "note", "review_on"]
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "review_on": DATE_INPUT,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = keeping_areas(user)

    def _post_clean(self):
        # The service validates the flag it builds; the form only collects.
        pass


class WatchReviewForm(PlainFormMixin, forms.Form):
    review_on = forms.DateField(label=_("下次复核日期"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("情况说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WatchLiftForm(PlainFormMixin, forms.Form):
    lift_reason = forms.CharField(
        label=_("解除原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
