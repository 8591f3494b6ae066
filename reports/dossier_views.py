"""The dossier pages of the reports: the inspection's list of crossed-off cases whose
dossiers lack a required document (per committee and month), and the annual filing's
form, whose archive is then followed on the ledger exports' progress page.

Scoped like every list: cases come from ``cases.selectors.visible_cases`` and the
committees offered are those in the user's reach; a committee outside it answers 404."""

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.documents import completeness
from cases.selectors import visible_cases
from cases.signing import COMMITTEE_KINDS
from common.forms import PlainFormMixin
from common.pagination import CappedPaginator
from grids.selectors import areas_within_reach
from mediators.models import Organisation
from reports import filing
from reports.periods import local_midnight, parse_month
from reports.policy import may_export


def committees_in_reach(user):
    return (
        Organisation.objects.filter(
            kind__in=COMMITTEE_KINDS, area__in=areas_within_reach(user).values("pk")
        )
        .select_related("area")
        .order_by("area__path", "name")
    )


class CommitteeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class IncompleteFilterForm(PlainFormMixin, forms.Form):
    committee = CommitteeChoice(
        label=gettext_lazy("人民调解委员会"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
    )
    month = forms.CharField(
        label=gettext_lazy("销号月份"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-10"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees_in_reach(user)

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        period = parse_month(text)
        if period is None:
            raise forms.ValidationError(_("月份格式应为 2026-10。"))
        return period


class FilingForm(PlainFormMixin, forms.Form):
    committee = CommitteeChoice(
        label=gettext_lazy("人民调解委员会"), queryset=Organisation.objects.none()
    )
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees_in_reach(user)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("不能归档尚未开始的年度。"))
        return year


def _committee_out_of_reach(user, value) -> bool:
    """A committee that exists but is not the user's: answered 404, as a case is."""
    if not str(value or "").isdigit():
        return False
    return (
        Organisation.objects.filter(pk=value).exists()
        and not committees_in_reach(user).filter(pk=value).exists()
    )


@login_required
def incomplete_dossiers(request):
    if not may_export(request.user):
        raise PermissionDenied
    if _committee_out_of_reach(request.user, request.GET.get("committee")):
        raise Http404(_("找不到该调解委员会,或不在您的管辖范围内。"))
    form = IncompleteFilterForm(request.GET or None, user=request.user)
    cases = visible_cases(request.user).none()
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        period = data.get("month")
        start = (
            local_midnight(period.start) if period else local_midnight(datetime.date(2000, 1, 1))
        )
        end = (
            local_midnight(period.end + datetime.timedelta(days=1))
            if period
            else timezone.now() + datetime.timedelta(days=1)
        )
        cases = (
            completeness.incomplete(
                completeness.filed_cases(
                    visible_cases(request.user),
                    committee=data.get("committee"),
                    start=start,
                    end=end,
                )
            )
            .select_related("area", "organisation")
            .order_by("organisation__name", "-closed_at", "pk")
        )
    page = CappedPaginator(cases, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    for case in page.object_list:
        case.missing = completeness.missing_of(case)
    return render(
        request,
        "reports/dossier_incomplete.html",
        {"form": form, "page": page, "query": request.GET.urlencode()},
    )


@login_required
def dossier_filing(request):
    if not filing.may_file(request.user):
        raise PermissionDenied
    if request.method == "POST":
        if _committee_out_of_reach(request.user, request.POST.get("committee")):
            raise Http404(_("找不到该调解委员会,或不在您的管辖范围内。"))
        form = FilingForm(request.POST, user=request.user)
        if form.is_valid():
            report = filing.request_filing(
                by=request.user,
                committee=form.cleaned_data["committee"],
                year=form.cleaned_data["year"],
            )
            return redirect("reports:export_detail", pk=report.pk)
    else:
        form = FilingForm(initial={"year": timezone.localdate().year - 1}, user=request.user)
    return render(request, "reports/dossier_filing.html", {"form": form})
