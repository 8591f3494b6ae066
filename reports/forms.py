"""The form of the monthly review's minutes. It only collects input; the service decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DATE_INPUT
from common.forms import PlainFormMixin
from grids.models import AreaLevel
from reports.periods import PeriodError, period_from


class ReviewRecordForm(PlainFormMixin, forms.Form):
    """Nothing here is required: a missing date or minutes is ``review_record``'s to
    refuse, in the words the admin shows too."""

    held_on = forms.DateField(label=_("召开日期"), required=False, widget=DATE_INPUT)
    attendees = forms.CharField(
        label=_("参会人员"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如:村书记、网格员、调解员、驻村民警等。"),
    )
    minutes = forms.CharField(
        label=_("会议记录"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    decisions = forms.CharField(
        label=_("议定事项"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每条一行:事项、责任人、完成时限。"),
    )


class ReportScopeForm(PlainFormMixin, forms.Form):
    """Which area and which period a report covers (the ledger export and the dashboard).

    ``areas`` is the user's reach (``grids.selectors.areas_within_reach``), so an area
    outside it is refused like any unknown choice; a month (``YYYY-MM``) or a range of days.
    A range wins when both ends are given.
    """

    area = forms.ModelChoiceField(
        label=_("区域"), queryset=None, to_field_name="code", empty_label=None
    )
    month = forms.CharField(
        label=_("月份"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-10"}),
    )
    start = forms.DateField(label=_("起始日期"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas.exclude(level=AreaLevel.MICROGRID)

    def clean(self):
        data = super().clean()
        try:
            data["period"] = period_from(
                month=data.get("month") or "", start=data.get("start"), end=data.get("end")
            )
        except PeriodError as error:
            if error.field is None:
                raise forms.ValidationError(str(error)) from None
            self.add_error(error.field, str(error))
        return data
