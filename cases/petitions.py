"""The petition clocks (信访工作条例), as the beat sweeps ask about them: which petition
cases are near a clock's end or past it and not yet told, how each is claimed once,
and who hears. The clocks themselves are ``Case.petition_route_by`` (while registered)
and ``Case.petition_handle_by`` (while accepted or mediating); ``notifications.reminders``
turns what is due here into notifications.

Claims are conditional UPDATEs on the clock's day, so two sweeps never both tell, and a
clock that moves (acceptance, an extension) is told of afresh."""

import datetime

from django.db.models import F, Q

from accounts.models import User
from cases.followups import overdue_recipients
from cases.models import Case, Status

ROUTING = Q(status=Status.REGISTERED)
HANDLING = Q(status__in=(Status.ACCEPTED, Status.MEDIATING))


def _running(on_or_before: datetime.date, after: datetime.date | None, claim: str) -> Q:
    """Petition cases whose running clock ends on or before ``on_or_before`` (and after
    ``after``), not yet claimed for that day in the field ``claim``."""
    parts = Q()
    for status, field in ((ROUTING, "petition_route_by"), (HANDLING, "petition_handle_by")):
        clock = Q(**{f"{field}__lte": on_or_before})
        if after is not None:
            clock &= Q(**{f"{field}__gt": after})
        parts |= status & clock & ~Q(**{claim: F(field)})
    return parts


def petitions_to_remind(today: datetime.date, days_before: int):
    """Petition cases whose clock ends within ``days_before`` days and has not passed."""
    window = today + datetime.timedelta(days=days_before)
    return Case.objects.filter(
        _running(window, today - datetime.timedelta(days=1), "petition_reminded_for")
    ).order_by("pk")


def petitions_overdue_unreported(today: datetime.date):
    """Petition cases whose clock ended before ``today``, not yet reported."""
    yesterday = today - datetime.timedelta(days=1)
    return Case.objects.filter(_running(yesterday, None, "petition_reported_for")).order_by("pk")


def claim_petition(pk: int, clock: datetime.date, field: str) -> bool:
    """Mark the case told (``field``: reminded or reported) for the clock ending on
    ``clock``; False when another sweep did first or the clock has moved since."""
    moved = Q(petition_route_by=clock, status=Status.REGISTERED) | Q(
        HANDLING, petition_handle_by=clock
    )
    return bool(
        Case.objects.filter(moved, pk=pk).exclude(**{field: clock}).update(**{field: clock})
    )


def petition_reminder_recipients(case: Case) -> list[User]:
    """The owner; before acceptance, nobody owns the case, so its supervisors hear."""
    if case.owner_id and case.owner.is_active:
        return [case.owner]
    return overdue_recipients(case)
