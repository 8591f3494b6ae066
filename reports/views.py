"""Pages of the monthly review (月例会): the reviews within the user's reach, and one
review's agenda with the form for its minutes. A review outside the user's area answers
404, as a case does; what the service refuses is shown beside the form, keeping
everything typed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases.models import Grade, Satisfaction
from common.forms import show_refusal
from common.pagination import CappedPaginator
from reports import selectors, services
from reports.forms import ReviewRecordForm
from reports.policy import may_record_review, may_review


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def agenda_for_page(agenda: dict) -> dict:
    """The stored agenda snapshot with the labels the page shows."""
    follow_ups = agenda.get("follow_ups", {})
    satisfaction = follow_ups.get("satisfaction", {})
    return {
        "counts": [
            (_("上月新增"), agenda.get("new", 0)),
            (_("上月销号"), agenda.get("closed", 0)),
            (_("月末在办"), agenda.get("open", 0)),
            (_("超期未化解"), agenda.get("overdue", 0)),
        ],
        "follow_ups_done": follow_ups.get("done", 0),
        "satisfaction": [
            (str(label), satisfaction.get(value, 0)) for value, label in Satisfaction.choices
        ],
        "rebound_signs": follow_ups.get("rebound_signs", 0),
        "flared_again": follow_ups.get("flared_again", 0),
        "at_risk": [
            {**row, "grade_label": _label(Grade, row.get("grade"))}
            for row in agenda.get("at_risk", [])
        ],
    }


@login_required
def review_list(request):
    if not may_review(request.user):
        raise PermissionDenied
    reviews = selectors.review_list(request.user)
    page = CappedPaginator(reviews, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reports/review_list.html", {"page": page, "query": ""})


@login_required
def review_detail(request, pk):
    review = selectors.review_get(user=request.user, pk=pk)
    may_record = may_record_review(request.user, review)
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        form = ReviewRecordForm(request.POST)
        if form.is_valid():
            try:
                services.review_record(review=review, by=request.user, data=form.cleaned_data)
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("月例会记录已保存。"))
                return redirect("reports:review_detail", pk=review.pk)
    elif request.method == "GET":
        form = ReviewRecordForm(
            initial={field: getattr(review, field) for field in services.RECORD_FIELDS}
        )
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(
        request,
        "reports/review_detail.html",
        {
            "review": review,
            "agenda": agenda_for_page(review.agenda),
            "form": form if may_record else None,
        },
    )
