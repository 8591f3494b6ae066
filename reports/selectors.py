"""Reads for the monthly review: the agenda of a village's month, and which reviews a
user may see (their area's subtree, as everywhere else in the portal)."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from cases.models import (
    OPEN_STATUSES,
    FollowUp,
    Grade,
    Satisfaction,
    overdue_q,
)
from cases.selectors import area_cases
from grids.models import Area
from grids.selectors import areas_within_reach
from reports.models import MonthlyReview
from reports.periods import local_midnight
from reports.policy import may_review


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def review_agenda(village: Area, month: datetime.date) -> dict:
    """What the village's meeting goes through for ``month``, as plain JSON.

    Cases are those of the village and everything under it, voided ones left out.
    Months are calendar months in local time, so a case crossed off at 23:30 on the
    31st belongs to that month. "Open" and "overdue" are the cases' current status
    (the snapshot is taken at the review moment, just after the month ends), limited
    to cases registered by the end of the month; overdue means still pending with a
    time limit that ran out before the month ended (deadline before the 1st of the
    next month, as ``Case.objects.overdue`` counts it on that day).

    Three queries, however many cases the village has.
    """
    first = month_start(month)
    after = next_month(first)
    start, end = local_midnight(first), local_midnight(after)

    cases = area_cases(village)
    registered_by_month_end = Q(received_on__lt=after)
    counts = cases.aggregate(
        new=Count("pk", filter=Q(received_on__gte=first, received_on__lt=after)),
        closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
        open=Count("pk", filter=registered_by_month_end & Q(status__in=OPEN_STATUSES)),
        overdue=Count(
            "pk",
            filter=registered_by_month_end & overdue_q(after),
        ),
    )

    follow_ups_in_month = FollowUp.objects.filter(
        case__in=cases.values("pk"), done_at__gte=start, done_at__lt=end
    )
    findings = follow_ups_in_month.aggregate(
        done=Count("pk"),
        rebound_signs=Count("pk", filter=Q(rebound_signs=True)),
        flared_again=Count("pk", filter=Q(flared_again=True)),
        **{
            f"satisfaction_{value}": Count("pk", filter=Q(satisfaction=value))
            for value in Satisfaction.values
        },
    )

    at_risk = (
        cases.filter(registered_by_month_end, status__in=OPEN_STATUSES)
        .filter(
            Q(violence_risk=True)
            | Q(petition_risk=True)
            | Q(grade=Grade.RED)
            | Q(pk__in=follow_ups_in_month.filter(rebound_signs=True).values("case_id"))
        )
        .order_by("received_on", "pk")
        .values("id", "number", "title", "grade")
    )

    return {
        "month": f"{first:%Y-%m}",
        "new": counts["new"],
        "closed": counts["closed"],
        "open": counts["open"],
        "overdue": counts["overdue"],
        "follow_ups": {
            "done": findings["done"],
            "satisfaction": {
                value: findings[f"satisfaction_{value}"] for value in Satisfaction.values
            },
            "rebound_signs": findings["rebound_signs"],
            "flared_again": findings["flared_again"],
        },
        "at_risk": [dict(row) for row in at_risk],
    }


def reviews_visible_to(user: User) -> QuerySet:
    """The reviews of the villages in the user's reach; none for roles that do not take
    part in the meeting (grid members and mediators keep to their cases)."""
    if not may_review(user):
        return MonthlyReview.objects.none()
    return MonthlyReview.objects.filter(village__in=areas_within_reach(user).values("pk"))


def review_list(user: User) -> QuerySet:
    return (
        reviews_visible_to(user)
        .select_related("village", "recorded_by")
        .order_by("-month", "village__path")
    )


def review_get(*, user: User, pk) -> MonthlyReview:
    """A review the user may see, or 404 (the same answer whether it exists elsewhere)."""
    return get_object_or_404(
        reviews_visible_to(user).select_related("village", "recorded_by"), pk=pk
    )
