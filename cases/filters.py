"""The ledger's filters. The HTML ledger, the admin and the API all use this FilterSet."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Agreement,
    Case,
    CaseSource,
    DisputeType,
    Grade,
    HandlingLevel,
    Status,
)
from cases.outcomes import (
    ACCEPTED,
    CLASS_Q,
    CONCLUDED,
    RESOLUTION_CHOICES,
    RESOLUTION_Q,
    Outcome,
)
from cases.search import search_cases
from common.forms import PLEASE_SELECT
from common.widgets import QuickSelect, bootstrap_classes
from grids.models import Area
from grids.selectors import areas_within_reach

OUTCOME_CHOICES = [(ACCEPTED, _("受理")), *Outcome.choices, (CONCLUDED, _("已办结"))]


def _areas_for_request(request):
    if request is None:
        return Area.objects.none()
    return areas_within_reach(request.user).filter(
        level__in=["district", "town", "village", "grid"]
    )


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"placeholder": _("编号、当事人姓名、身份证号、手机号或案情")}
        ),
    )
    status = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("状态"),
        choices=Status.choices,
        empty_label=PLEASE_SELECT,
        method="filter_status",
    )
    grade = django_filters.ChoiceFilter(
        widget=QuickSelect, label=_("风险等级"), choices=Grade.choices, empty_label=PLEASE_SELECT
    )
    level = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("处置层级"),
        choices=HandlingLevel.choices,
        empty_label=PLEASE_SELECT,
    )
    dispute_type = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        label=_("纠纷类型"),
        queryset=DisputeType.objects.all(),
        empty_label=PLEASE_SELECT,
    )
    source = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        label=_("来源"),
        queryset=CaseSource.objects.all(),
        empty_label=PLEASE_SELECT,
    )
    area = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        label=_("区域"),
        queryset=_areas_for_request,
        empty_label=PLEASE_SELECT,
        method="filter_area",
    )
    received_after = django_filters.DateFilter(
        label=_("登记日期自"),
        field_name="received_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_before = django_filters.DateFilter(
        label=_("登记日期至"),
        field_name="received_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("仅看超期"), method="filter_overdue", widget=forms.CheckboxInput
    )
    # What the statistics count (reports/statistics.py): each figure on the dashboard
    # links here with these, so the ledger lists exactly the cases behind it.
    outcome = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("调解结果"),
        choices=OUTCOME_CHOICES,
        empty_label=PLEASE_SELECT,
        method="filter_outcome",
    )
    resolution = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("化解情形"),
        choices=RESOLUTION_CHOICES,
        empty_label=PLEASE_SELECT,
        method="filter_resolution",
    )
    overdue_as_of = django_filters.DateFilter(
        label=_("截至该日超期"),
        method="filter_overdue_as_of",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    violence_risk = django_filters.BooleanFilter(label=_("有民转刑风险"))
    petition_risk = django_filters.BooleanFilter(label=_("有信访风险"))
    is_group = django_filters.BooleanFilter(label=_("群体性纠纷"))
    with_amount = django_filters.BooleanFilter(
        label=_("现行协议载有金额"), method="filter_with_amount"
    )

    class Meta:
        model = Case
        fields = []

    @property
    def form(self):
        # The ledger lays the panel out by hand (crispy's per-field templates cost more
        # than the page's own query), so the widgets carry Bootstrap's classes.
        if not hasattr(self, "_form"):
            bootstrap_classes(super().form)
        return self._form

    def filter_search(self, queryset, name, value):
        return search_cases(queryset, value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__in=Area.objects.subtree(value).values("pk"))

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.overdue()

    def filter_outcome(self, queryset, name, value):
        return queryset.filter(CLASS_Q[value])

    def filter_resolution(self, queryset, name, value):
        return queryset.filter(RESOLUTION_Q[value])

    def filter_overdue_as_of(self, queryset, name, value):
        return queryset.overdue(value)

    def filter_with_amount(self, queryset, name, value):
        current = Agreement.objects.filter(superseded_at__isnull=True, amount__isnull=False)
        if value:
            return queryset.filter(pk__in=current.values("case_id"))
        return queryset.exclude(pk__in=current.values("case_id"))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # Voided cases stay on record but off the ledger unless asked for by status.
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.not_voided()
        return queryset
