"""The beat sweeps that turn what the cases app says is due into notifications: a
follow-up visit whose reminder time has come, a case past its time limit.

What is due, how it is claimed and who hears of it are the cases app's rules
(``cases.followups``); this module claims in batches and notifies. Safe to run twice,
concurrently, or after a long pause: rows locked by a concurrent sweep are skipped
(PostgreSQL), each claim is a conditional UPDATE, and the claim and its notifications
commit together.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.followups import (
    claim_overdue_report,
    claim_reminder,
    due_for_reminder,
    overdue_recipients,
    overdue_unreported,
    reminder_recipient,
)
from cases.models import Case, FollowUp
from notifications.models import NotificationKind
from notifications.services import notify

SWEEP_BATCH = 500


def _remind(follow_up: FollowUp) -> None:
    recipient = reminder_recipient(follow_up)
    if recipient is None:
        return
    case = follow_up.case
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


def _remind_batch(now: datetime.datetime, batch: int) -> int:
    """Claim up to ``batch`` visits whose reminder is due and remind of each."""
    with transaction.atomic():
        due = list(
            due_for_reminder(now)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:batch]
        )
        claimed = [pk for pk in due if claim_reminder(pk, now)]
        follow_ups = list(
            FollowUp.objects.filter(pk__in=claimed).select_related(
                "case", "responsible", "case__owner"
            )
        )
        for follow_up in follow_ups:
            _remind(follow_up)
    return len(follow_ups)


def sweep_due_follow_ups(now: datetime.datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Remind everything due by ``now``, however long the beat was down; returns count."""
    now = now or timezone.now()
    total = 0
    while True:
        claimed = _remind_batch(now, batch)
        total += claimed
        if claimed < batch:
            return total


def _report_overdue(case: Case, deadline: datetime.date) -> None:
    for recipient in overdue_recipients(case):
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
                if not claim_overdue_report(pk, deadline):
                    continue
                _report_overdue(Case.objects.select_related("area", "owner").get(pk=pk), deadline)
                total += 1
        if len(due) < batch:
            return total
