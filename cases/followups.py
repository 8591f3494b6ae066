"""The closed loop after a case is resolved (DOMAIN §4), remembered by the portal:

- when an agreement is reached, the 24-hour phone call and the 7-day home visit are
  scheduled; the 1-month re-visit when rebound risk is flagged at resolution or by a visit;
- offsets and who is responsible are policy (FollowUpRule, ResponsibilityRule) edited
  in admin;
- what is due is a row with a ``remind_at``; the beat sweeps (``notifications.reminders``)
  claim what is due and notify, so nothing depends on the broker remembering a delayed
  task.

Month arithmetic follows one written rule: a month after a date is the same day of the
next month, or that month's last day when it has no such day (a case resolved on 31
January gets its 1-month visit on the last day of February).
"""

import calendar
import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases import rollup
from cases.models import (
    JUDICIAL_CONFIRMATION_WINDOW,
    Agreement,
    Case,
    FollowUp,
    FollowUpKind,
    FollowUpRule,
    HandlingLevel,
    JudicialConfirmation,
    LookBackRule,
    OffsetUnit,
    ResponsibilityRule,
    Status,
    overdue_q,
)

# Used only if the rule tables are empty (they are filled by a data migration).
DEFAULT_RULES = {
    FollowUpKind.PHONE: (24, OffsetUnit.HOURS),
    FollowUpKind.HOME_VISIT: (7, OffsetUnit.DAYS),
    FollowUpKind.REVISIT: (1, OffsetUnit.MONTHS),
}
DEFAULT_ROLE_BY_LEVEL = {
    HandlingLevel.GRID: Role.GRID_MEMBER,
    HandlingLevel.VILLAGE: Role.VILLAGE_SECRETARY,
    HandlingLevel.TOWN: Role.CLERK,
    HandlingLevel.DISTRICT: Role.CLERK,
}


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day ``months`` later, clipped to the last day of a shorter month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def due_after(start: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
    if unit == OffsetUnit.MONTHS:
        # Calendar months are counted in local time: "31 January" is a Shanghai date.
        local = timezone.localtime(start) if timezone.is_aware(start) else start
        return add_months(local, amount)
    if unit == OffsetUnit.DAYS:
        return start + datetime.timedelta(days=amount)
    return start + datetime.timedelta(hours=amount)


def _rule(kind: str) -> tuple[int, str, int]:
    rule = FollowUpRule.objects.filter(kind=kind).first()
    if rule is None:
        amount, unit = DEFAULT_RULES[FollowUpKind(kind)]
        return amount, unit, 0
    return rule.offset_amount, rule.offset_unit, rule.remind_before_hours


def responsible_for(case: Case) -> User | None:
    """The person who makes the visits: the role the policy names for the case's grade
    and level, nearest to the case's place; the case's owner if nobody has that role."""
    rule = ResponsibilityRule.objects.filter(grade=case.grade, level=case.level).first()
    role = rule.role if rule else DEFAULT_ROLE_BY_LEVEL[HandlingLevel(case.level)]
    if case.owner_id and case.owner.role == role and case.owner.is_active:
        return case.owner
    nearest = (
        User.objects.filter(is_active=True, role=role, area__code__in=case.area.path_codes)
        .order_by("-area__depth", "id")
        .first()
    )
    return nearest or case.owner


def follow_up_save(follow_up: FollowUp, update_fields=None) -> FollowUp:
    """The one way a visit is written: scheduled, recorded, cancelled or waived. Saves it
    and brings the follow-up rollup up to date in the same transaction (the caller holds
    the case's lock), so the figures of visits never drift from the rows."""
    with transaction.atomic():
        follow_up.save(update_fields=update_fields)
        rollup.follow_up_tally_refresh(follow_up_id=follow_up.pk)
    return follow_up


def schedule_follow_up(case: Case, kind: str, start: datetime.datetime) -> FollowUp | None:
    """Schedule a visit unless one of that kind is already outstanding (then None)."""
    amount, unit, remind_before = _rule(kind)
    due_at = due_after(start, amount, unit)
    try:
        with transaction.atomic():
            return follow_up_save(
                FollowUp(
                    case=case,
                    kind=kind,
                    due_at=due_at,
                    remind_at=due_at - datetime.timedelta(hours=remind_before),
                    responsible=responsible_for(case),
                )
            )
    except IntegrityError:  # one of this kind is open already (a unique constraint)
        return None


def effect_moment(effective_on: datetime.date, now: datetime.datetime | None = None):
    """The moment the follow-up clock starts for an agreement in force on ``effective_on``.

    The office records the day, not the hour. The clock starts at the latest moment the
    agreement can have taken effect: now, for one that took effect today; the end of that
    day, for an earlier day. So a visit is never due before it really was, and a
    late-entered agreement still gets visits already due (then overdue, and reminded)."""
    now = now or timezone.now()
    end_of_day = datetime.datetime.combine(
        effective_on + datetime.timedelta(days=1), datetime.time.min
    ) - datetime.timedelta(seconds=1)
    return min(now, timezone.make_aware(end_of_day))


def schedule_after_agreement(case: Case, *, rebound_risk: bool, at: datetime.datetime) -> None:
    """The visits after an agreement in force (never one still being signed), counted
    from ``at`` (``effect_moment`` of its effective date)."""
    schedule_follow_up(case, FollowUpKind.PHONE, at)
    schedule_follow_up(case, FollowUpKind.HOME_VISIT, at)
    if rebound_risk:
        schedule_follow_up(case, FollowUpKind.REVISIT, at)


def schedule_look_backs(case: Case, closed_at: datetime.datetime) -> list[FollowUp]:
    """回头看 (seed 002): the look-back visits the policy (LookBackRule) sets for the
    case's grade, counted in calendar months from the closing, reminded like any visit."""
    scheduled = []
    responsible = responsible_for(case)
    for rule in LookBackRule.objects.filter(grade=case.grade, is_active=True):
        due_at = due_after(closed_at, rule.months_after_closing, OffsetUnit.MONTHS)
        try:
            with transaction.atomic():
                scheduled.append(
                    follow_up_save(
                        FollowUp(
                            case=case,
                            kind=FollowUpKind.LOOK_BACK,
                            due_at=due_at,
                            remind_at=due_at - datetime.timedelta(hours=rule.remind_before_hours),
                            responsible=responsible,
                        )
                    )
                )
        except IntegrityError:  # two rules landing on the same day: one visit
            continue
    return scheduled


# ---------------------------------------------------------------------------
# What must be done before a case is crossed off (销号)
# ---------------------------------------------------------------------------

# Every agreement is followed by the 24-hour call and the 7-day visit (seed 000); the
# 1-month re-visit is required once rebound risk was flagged. Look-backs come after.
ALWAYS_REQUIRED = (FollowUpKind.PHONE, FollowUpKind.HOME_VISIT)


def open_follow_ups(case: Case):
    """Visits still to be made: scheduled, neither done, waived nor cancelled."""
    return case.follow_ups.filter(done_at__isnull=True, cancelled_at__isnull=True).order_by(
        "due_at", "id"
    )


def outstanding_before_closing(case: Case) -> list[str]:
    """The visits that keep a resolved case from being closed, in plain words; empty
    when it may be closed. A visit counts when done or waived. Only the visits since the
    agreement in force count (a reopened case's earlier ones belonged to the old one)."""
    agreement = case.agreement
    visits = case.follow_ups.exclude(kind=FollowUpKind.LOOK_BACK)
    if agreement is not None:
        visits = visits.filter(created_at__gte=agreement.created_at)
    visits = list(visits.order_by("due_at", "id"))
    required = list(ALWAYS_REQUIRED)
    if (agreement is not None and agreement.rebound_risk) or any(
        v.rebound_signs and not v.flared_again for v in visits
    ):
        required.append(FollowUpKind.REVISIT)
    outstanding = []
    for visit in visits:
        if visit.is_open:
            due = timezone.localtime(visit.due_at) if visit.due_at else None
            outstanding.append(
                _("%(kind)s,应于%(due)s前完成")
                % {"kind": visit.get_kind_display(), "due": f"{due:%Y-%m-%d}"}
                if due
                else str(visit.get_kind_display())
            )
    settled = {v.kind for v in visits if v.done_at is not None or v.is_waived}
    open_kinds = {v.kind for v in visits if v.is_open}
    for kind in required:
        if kind not in settled and kind not in open_kinds:
            outstanding.append(_("%(kind)s,尚未记录") % {"kind": FollowUpKind(kind).label})
    return outstanding


# ---------------------------------------------------------------------------
# What is due, and who hears of it (notifications.reminders turns it into notifications)
# ---------------------------------------------------------------------------


def due_for_reminder(now: datetime.datetime):
    """Visits whose reminder is due and not yet sent, oldest first. The filter is the
    condition of the partial index follow_up_to_remind_idx, and the ordering walks it."""
    return FollowUp.objects.filter(
        done_at__isnull=True,
        reminded_at__isnull=True,
        cancelled_at__isnull=True,
        remind_at__lte=now,
    ).order_by("remind_at")


def claim_reminder(pk: int, now: datetime.datetime) -> bool:
    """Mark the visit reminded; False when another sweep did first. A conditional
    UPDATE, so a visit is claimed once even where row locks are not available."""
    return bool(FollowUp.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now))


def reminder_recipient(follow_up: FollowUp) -> User | None:
    """Who is reminded of a visit: its responsible person, else the case's owner; None
    when no reminder is wanted any more."""
    # A case reopened (flared again) or voided since is back in mediation, not follow-up.
    if follow_up.case.status not in (Status.RESOLVED, Status.CLOSED):
        return None
    return follow_up.responsible or follow_up.case.owner


def overdue_unreported(today: datetime.date):
    """Pending cases past their time limit (``due_on``) not yet reported. The filter is
    exactly the condition of the partial index case_overdue_unreported_idx, and the
    ordering walks it, so this reads only what is due; without that PostgreSQL may walk
    every live case."""
    return (
        Case.objects.filter(overdue_q(today))
        .exclude(overdue_reported_for=F("due_on"))
        .order_by("due_on", "pk")
    )


def claim_overdue_report(pk: int, due_on: datetime.date) -> bool:
    """Mark the case reported for this time limit; False when another sweep did first or
    the limit has moved since."""
    claimed = (
        Case.objects.filter(pk=pk, due_on=due_on)
        .exclude(overdue_reported_for=due_on)
        .update(overdue_reported_for=due_on)
    )
    return bool(claimed)


def overdue_supervisors(area) -> list[User]:
    """The supervisors told of an overdue case in ``area``: those of its town and district."""
    return list(
        User.objects.filter(is_active=True, role=Role.SUPERVISOR, area__code__in=area.path_codes)
    )


def overdue_recipients(case: Case, supervisors: list[User] | None = None) -> list[User]:
    """Who hears that a case is overdue: the supervisors of its town and district, and
    the case's owner. A sweep reporting many cases of one area passes ``supervisors``
    (``overdue_supervisors`` of the case's area) once rather than asking per case."""
    recipients = list(overdue_supervisors(case.area) if supervisors is None else supervisors)
    if case.owner_id and case.owner not in recipients:
        recipients.append(case.owner)
    return recipients


def judicial_confirmations_due(today: datetime.date, days_before: int):
    """Agreements in force whose parties mean to apply for judicial confirmation and have
    not, once the window (art. 33: 30 days from effect) closes within ``days_before``
    days, and not after it has closed. The filter is the condition of the partial index
    agreement_judicial_due_idx, so this reads only the few agreements it concerns."""
    return Agreement.objects.filter(
        judicial_confirmation=JudicialConfirmation.INTENDED,
        judicial_applied_on__isnull=True,
        superseded_at__isnull=True,
        effective_on__gte=today - JUDICIAL_CONFIRMATION_WINDOW,
        effective_on__lte=today - JUDICIAL_CONFIRMATION_WINDOW + datetime.timedelta(days_before),
    ).order_by("effective_on")


def judicial_reminder_recipient(agreement: Agreement) -> User | None:
    """The case's owner, while the case stands resolved on this agreement."""
    if agreement.case.status not in (Status.RESOLVED, Status.CLOSED):
        return None
    return agreement.case.owner
