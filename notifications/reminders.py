"""The beat sweeps that turn what the cases app says is due into notifications: a
follow-up visit whose reminder time has come, a case past its time limit, an agreement
whose judicial confirmation window is about to close.

What is due, how it is claimed and who hears of it are the cases app's rules
(``cases.followups``); this module claims in batches and notifies. Safe to run twice,
concurrently, or after a long pause: rows locked by a concurrent sweep are skipped
(PostgreSQL), each claim is a conditional UPDATE, and the claim and its notifications
commit together.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.followups import (
    claim_overdue_report,
    claim_reminder,
    due_for_reminder,
    judicial_confirmations_due,
    judicial_reminder_recipient,
    overdue_recipients,
    overdue_unreported,
    reminder_recipient,
)
from cases.models import Agreement, Case, ClockPolicy, FollowUp, Status
from cases.petitions import (
    claim_petition,
    petition_reminder_recipients,
    petitions_overdue_unreported,
    petitions_to_remind,
)
from cases.watch import claim_review_reminder, reviews_to_remind, watch_keeper
from notifications.models import Notification, NotificationKind
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
                .values_list("pk", "due_on")[:batch]
            )
            for pk, deadline in due:
                if not claim_overdue_report(pk, deadline):
                    continue
                _report_overdue(Case.objects.select_related("area", "owner").get(pk=pk), deadline)
                total += 1
        if len(due) < batch:
            return total


def _judicial_key(agreement: Agreement) -> str:
    return f"judicial-confirmation:{agreement.pk}"


def sweep_judicial_confirmations(
    today: datetime.date | None = None, days_before: int | None = None
) -> int:
    """Remind each case's owner, once per agreement, that the parties mean to apply for
    judicial confirmation and the 30-day window closes within ``days_before`` days
    (FENGQIAO_JUDICIAL_REMINDER_DAYS). What is due is a few rows on a partial index; the
    unique dedupe key, not this sweep's care, is what keeps a reminder single."""
    today = today or timezone.localdate()
    if days_before is None:
        days_before = settings.FENGQIAO_JUDICIAL_REMINDER_DAYS
    due = {
        _judicial_key(agreement): agreement
        for agreement in judicial_confirmations_due(today, days_before).select_related(
            "case", "case__owner"
        )
    }
    reminded = set(
        Notification.objects.filter(dedupe_key__in=due).values_list("dedupe_key", flat=True)
    )
    total = 0
    for key, agreement in due.items():
        recipient = None if key in reminded else judicial_reminder_recipient(agreement)
        if recipient is None:
            continue
        case = agreement.case
        with transaction.atomic():
            created = notify(
                recipient=recipient,
                kind=NotificationKind.JUDICIAL_CONFIRMATION,
                case=case,
                title=_("案件 %(number)s 的调解协议须于 %(deadline)s 前申请司法确认")
                % {
                    "number": case.number,
                    "deadline": agreement.judicial_confirmation_deadline.isoformat(),
                },
                body=case.title,
                link=f"/cases/{case.pk}/",
                dedupe_key=key,
            )[1]
        total += created
    return total


def _petition_clock_name(case: Case) -> str:
    return _("信访件受理期限") if case.status == Status.REGISTERED else _("信访件办理期限")


def sweep_petition_clocks(today: datetime.date | None = None, batch: int = SWEEP_BATCH) -> int:
    """Remind before each petition clock ends (ClockPolicy.remind_days_before) and report
    each one that ended to the supervisors, once per clock; returns how many were told."""
    today = today or timezone.localdate()
    days_before = ClockPolicy.current().remind_days_before
    total = 0
    for rows, field, recipients, title in (
        (
            lambda: petitions_to_remind(today, days_before),
            "petition_reminded_for",
            petition_reminder_recipients,
            _("信访件 %(number)s 的%(clock)s将于 %(day)s 届满"),
        ),
        (
            lambda: petitions_overdue_unreported(today),
            "petition_reported_for",
            overdue_recipients,
            _("信访件 %(number)s 已超过%(clock)s(%(day)s)"),
        ),
    ):
        while True:
            with transaction.atomic():
                due = list(
                    rows()
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("area", "owner")[:batch]
                )
                for case in due:
                    clock = case.petition_clock()
                    if clock is None or not claim_petition(case.pk, clock, field):
                        continue
                    for recipient in recipients(case):
                        notify(
                            recipient=recipient,
                            kind=NotificationKind.PETITION_CLOCK,
                            case=case,
                            title=title
                            % {
                                "number": case.number,
                                "clock": _petition_clock_name(case),
                                "day": clock.isoformat(),
                            },
                            body=case.title,
                            link=f"/cases/{case.pk}/",
                            dedupe_key=f"{field}:{case.pk}:{clock.isoformat()}:{recipient.pk}",
                        )
                    total += 1
            if len(due) < batch:
                break
    return total


def sweep_watch_reviews(today: datetime.date | None = None, batch: int = SWEEP_BATCH) -> int:
    """Remind each flag's keeper (``cases.watch.watch_keeper``) that a 重点人员 flag is due
    for review, once per flag and review date: the claim on the row and the unique
    dedupe key both hold it to one. The notice names the person, never the reason."""
    today = today or timezone.localdate()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                reviews_to_remind(today)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("area", "set_by", "reviewed_by")[:batch]
            )
            for flag in due:
                if not claim_review_reminder(flag.pk, flag.review_on):
                    continue
                recipient = watch_keeper(flag)
                if recipient is None:
                    continue
                notify(
                    recipient=recipient,
                    kind=NotificationKind.WATCH_REVIEW,
                    title=_("重点人员 %(name)s(%(area)s)应于 %(day)s 复核")
                    % {
                        "name": flag.name,
                        "area": flag.area.name,
                        "day": flag.review_on.isoformat(),
                    },
                    link=f"/cases/watch/{flag.pk}/",
                    dedupe_key=f"watch-review:{flag.pk}:{flag.review_on.isoformat()}",
                )
                total += 1
        if len(due) < batch:
            return total
