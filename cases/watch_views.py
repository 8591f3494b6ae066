"""The 重点人员 pages: the flags due for review in the user's area, a flag (its reason
shown and the look logged), and setting, reviewing and lifting a flag. Each reads through
``cases.watch`` (404 outside the user's area) and writes through ``cases.services.watch``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import forms, services
from cases.watch import (
    grade_decisions_shown,
    may_keep_watch_list,
    may_see_watch_list,
    reviews_due,
    visible_watched_persons,
    watched_person_get,
)
from common.forms import show_refusal
from common.pagination import CappedPaginator


@login_required
def watch_list(request):
    """Flags whose review date has come (``?all=1``: every active flag of the area)."""
    if not may_see_watch_list(request.user):
        raise PermissionDenied
    show_all = request.GET.get("all") == "1"
    today = timezone.localdate()
    flags = (
        visible_watched_persons(request.user).active().order_by("review_on", "id")
        if show_all
        else reviews_due(request.user, today)
    )
    page = CappedPaginator(flags, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/watch/watch_list.html",
        {
            "page": page,
            "query": "all=1" if show_all else "",
            "show_all": show_all,
            "today": today,
            "may_keep": may_keep_watch_list(request.user),
        },
    )


@login_required
def watch_create(request):
    if not may_keep_watch_list(request.user):
        raise PermissionDenied
    form = forms.WatchFlagForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            flag = services.watched_person_flag(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("已列入重点人员名单。"))
            return redirect("cases:watch_detail", pk=flag.pk)
    return render(request, "cases/watch/watch_form.html", {"form": form})


def _detail(request, flag, *, review_form=None, lift_form=None, status=200):
    services.watched_person_view(by=request.user, watched_person=flag)
    keeper = may_keep_watch_list(request.user) and flag.is_active
    return render(
        request,
        "cases/watch/watch_detail.html",
        {
            "flag": flag,
            "may_keep": keeper,
            "review_form": review_form or forms.WatchReviewForm(initial={"note": flag.note}),
            "lift_form": lift_form or forms.WatchLiftForm(),
            "decisions": grade_decisions_shown(request.user, flag),
        },
        status=status,
    )


@login_required
def watch_detail(request, pk):
    return _detail(request, watched_person_get(user=request.user, pk=pk))


@login_required
@require_POST
def watch_review(request, pk):
    flag = watched_person_get(user=request.user, pk=pk)
    form = forms.WatchReviewForm(request.POST)
    if form.is_valid():
        try:
            services.watched_person_review(
                by=request.user,
                watched_person=flag,
                review_on=form.cleaned_data["review_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("已复核。"))
            return redirect("cases:watch_detail", pk=flag.pk)
    return _detail(request, flag, review_form=form)


@login_required
@require_POST
def watch_lift(request, pk):
    flag = watched_person_get(user=request.user, pk=pk)
    form = forms.WatchLiftForm(request.POST)
    if form.is_valid():
        try:
            services.watched_person_lift(
                by=request.user, watched_person=flag, reason=form.cleaned_data["lift_reason"]
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("已解除列管。"))
            return redirect("cases:watch_detail", pk=flag.pk)
    return _detail(request, flag, lift_form=form)
