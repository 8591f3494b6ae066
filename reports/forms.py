"""The form of the monthly review's minutes. It only collects input; the service decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DATE_INPUT
from grids.models import AreaLevel


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


class ReportScopeForm(forms.Form):
    """Which area and which period a report covers (the ledger export and the dashboard).

    ``areas`` is the user's reach (``grids.selectors.areas_within_reach``), so an area
    outside it is refused like any unknown choice; a month (``YYYY-MM``) or a range of days.
    A range wins when both ends are given.
    """

    MAX_DAYS = 3 * 366

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
        from reports.periods import Period, parse_month

        data = super().clean()
        start, end, month = data.get("start"), data.get("end"), data.get("month")
        if start or end:
            if not (start and end):
                raise forms.ValidationError(_("按日期范围统计时,请同时填写起始日期和截止日期。"))
            if end < start:
                self.add_error("end", _("截止日期不能早于起始日期。"))
                return data
            if (end - start).days >= self.MAX_DAYS:
                self.add_error("end", _("日期范围不能超过三年。"))
                return data
            data["period"] = Period(start, end)
        elif month:
            period = parse_month(month)
            if period is None or period.start.year < 1950:
                self.add_error("month", _("请按“年-月”填写月份,如 2026-10。"))
                return data
            data["period"] = period
        else:
            raise forms.ValidationError(_("请选择月份,或填写起始和截止日期。"))
        return data
