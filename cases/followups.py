"""The closed loop after a case is resolved (DOMAIN §4), remembered by the portal:

- when an agreement is reached, the 24-hour phone call and the 7-day home visit are
  scheduled; the 1-month re-visit when rebound risk is flagged at resolution or by a visit;
- offsets and who is responsible are policy (FollowUpRule, ResponsibilityRule) edited
  in admin;
- what is due is a row with a ``remind_at``; the beat sweeps claim what is due and
  notify, so nothing depends on the broker remembering a delayed task.

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
from cases.models import (
    PENDING_STATUSES,
    Case,
    FollowUp,
    FollowUpKind,
    FollowUpRule,
    HandlingLevel,
    OffsetUnit,
    ResponsibilityRule,
    Status,
)
from notifications.models import NotificationKind
from notifications.services import notify

SWEEP_BATCH = 500

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


def schedule_follow_up(case: Case, kind: str, start: datetime.datetime) -> FollowUp | None:
    """Schedule a visit unless one of that kind is already outstanding (then None)."""
    amount, unit, remind_before = _rule(kind)
    due_at = due_after(start, amount, unit)
    try:
        with transaction.atomic():
            return FollowUp.objects.create(
                case=case,
                kind=kind,
                due_at=due_at,
                remind_at=due_at - datetime.timedelta(hours=remind_before),
                responsible=responsible_for(case),
            )
    except IntegrityError:  # one of this kind is open already (a unique constraint)
        return None


def schedule_after_agreement(case: Case, *, rebound_risk: bool, at: datetime.datetime) -> None:
    schedule_follow_up(case, FollowUpKind.PHONE, at)
    schedule_follow_up(case, FollowUpKind.HOME_VISIT, at)
    if rebound_risk:
        schedule_follow_up(case, FollowUpKind.REVISIT, at)


# ---------------------------------------------------------------------------
# Sweeps (run by beat; safe to run twice, concurrently, or after a long pause)
# ---------------------------------------------------------------------------


def _claim_due_follow_ups(now: datetime.datetime, batch: int) -> list[FollowUp]:
    """Take up to ``batch`` visits whose reminder is due. Rows locked by a concurrent
    sweep are skipped (PostgreSQL), and the conditional update means a row is claimed
    once even where row locks are not available."""
    with transaction.atomic():
        due = list(
            FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                done_at__isnull=True,
                reminded_at__isnull=True,
                cancelled_at__isnull=True,
                remind_at__lte=now,
            )
            .order_by("remind_at")
            .values_list("pk", flat=True)[:batch]
        )
        claimed = []
        for pk in due:
            if FollowUp.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                claimed.append(pk)
        follow_ups = list(
            FollowUp.objects.filter(pk__in=claimed).select_related(
                "case", "responsible", "case__owner"
            )
        )
        for follow_up in follow_ups:
            _remind(follow_up)
    return follow_ups


def _remind(follow_up: FollowUp) -> None:
    case = follow_up.case
    recipient = follow_up.responsible or case.owner
    # A case reopened (flared again) or voided since is back in mediation, not follow-up.
    if recipient is None or case.status not in (Status.RESOLVED, Status.CLOSED):
        return
    due = timezone.localtime(follow_up.due_at)
    notify(
        recipient=recipient,
        kind=NotificationKind.FOLLOW_UP_DUE,
        case=case,
        title=_("%(kind)s:%(number)s 应于 %(due)s 前完成")
        % {
            "kind": follow_up.get_kind_display(),
            "number": case.number,
            "due": f"{due:%Y-%m-%d %H:%M}",
        },
        body=case.title,
        link=f"/cases/{case.pk}/",
        dedupe_key=f"follow-up:{follow_up.pk}",
    )


def sweep_due_follow_ups(now: datetime.datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Remind everything due by ``now``, however long the beat was down; returns count."""
    now = now or timezone.now()
    total = 0
    while True:
        claimed = _claim_due_follow_ups(now, batch)
        total += len(claimed)
        if len(claimed) < batch:
            return total


def _overdue_recipients(case: Case) -> list[User]:
    """Supervisors of the case's town and district, and the case's owner."""
    supervisors = list(
        User.objects.filter(
            is_active=True, role=Role.SUPERVISOR, area__code__in=case.area.path_codes
        )
    )
    if case.owner_id and case.owner not in supervisors:
        supervisors.append(case.owner)
    return supervisors


def overdue_unreported(today: datetime.date):
    """Pending cases past a deadline not yet reported. The filter is exactly the condition
    of the partial index case_overdue_unreported_idx, and the ordering walks it, so this
    reads only what is due; without that PostgreSQL may walk every live case."""
    return (
        Case.objects.filter(status__in=PENDING_STATUSES, deadline__lt=today)
        .exclude(overdue_reported_for=F("deadline"))
        .order_by("deadline", "pk")
    )


def sweep_overdue_cases(today: datetime.date | None = None, batch: int = SWEEP_BATCH) -> int:
    """Report each case that passed its time limit, once per deadline."""
    today = today or timezone.localdate()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                overdue_unreported(today)
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "deadline")[:batch]
            )
            for pk, deadline in due:
                claimed = (
                    Case.objects.filter(pk=pk, deadline=deadline)
                    .exclude(overdue_reported_for=deadline)
                    .update(overdue_reported_for=deadline)
                )
                if not claimed:
                    continue
                case = Case.objects.select_related("area", "owner").get(pk=pk)
                for recipient in _overdue_recipients(case):
                    notify(
                        recipient=recipient,
                        kind=NotificationKind.CASE_OVERDUE,
                        case=case,
                        title=_("案件 %(number)s 已超过化解期限(%(deadline)s)")
                        % {"number": case.number, "deadline": deadline.isoformat()},
                        body=case.title,
                        link=f"/cases/{case.pk}/",
                        dedupe_key=f"overdue:{case.pk}:{deadline.isoformat()}:{recipient.pk}",
                    )
                total += 1
        if len(due) < batch:
            return total
