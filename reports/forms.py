"""The form of the monthly review's minutes. It only collects input; the service decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DATE_INPUT


class ReviewRecordForm(forms.Form):
    held_on = forms.DateField(label=_("召开日期"), widget=DATE_INPUT)
    attendees = forms.CharField(
        label=_("参会人员"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如:村书记、网格员、调解员、驻村民警等。"),
    )
    minutes = forms.CharField(
        label=_("会议记录"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    decisions = forms.CharField(
        label=_("议定事项"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每条一行:事项、责任人、完成时限。"),
    )
