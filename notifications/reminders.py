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
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.followups import (
    claim_overdue_report,
    claim_reminder,
    due_for_reminder,
    judicial_confirmations_due,
    judicial_reminder_recipient,
    overdue_recipients,
    overdue_supervisors,
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
from notifications.services import notify, release_deliveries

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


# A day's overdue report lists this many cases by number; the ledger's overdue filter,
# which the report links to, shows them all.
OVERDUE_DIGEST_LINES = 10
# The email/SMS of a day's overdue report waits until the sweep that makes it has
# finished (it releases them), so it gives the day's count rather than the first batch's;
# should that sweep die, the delivery sweep sends them after this anyway.
OVERDUE_DIGEST_HOLD = datetime.timedelta(minutes=30)


def _overdue_digest_key(recipient_pk, today: datetime.date) -> str:
    return f"overdue:{today.isoformat()}:{recipient_pk}"


def _overdue_digest_text(count: int, today: datetime.date, case: Case | None) -> dict:
    """Title and link of a day's overdue report: one case is named and linked to; more are
    counted and linked to the ledger's overdue filter, which lists them within the
    reader's reach."""
    if count == 1 and case is not None:
        return {
            "title": _("案件 %(number)s 已超过化解期限(%(deadline)s)")
            % {"number": case.number, "deadline": case.due_on.isoformat()},
            "link": reverse("cases:detail", args=[case.pk]),
        }
    return {
        "title": ngettext(
            "%(count)s 件案件已超过化解期限(%(day)s)",
            "%(count)s 件案件已超过化解期限(%(day)s)",
            count,
        )
        % {"count": count, "day": today.isoformat()},
        "link": f"{reverse('cases:list')}?overdue=on",
    }


def _add_to_overdue_digest(
    recipient, cases: list[Case], today: datetime.date, send_after: datetime.datetime
) -> None:
    """Put ``cases`` in the recipient's overdue report of ``today``: one notification per
    person and day, however many cases a sweep finds (a backlog of thousands would
    otherwise bury the inbox)."""
    key = _overdue_digest_key(recipient.pk, today)
    lines = [f"{case.number} {case.title}" for case in cases[:OVERDUE_DIGEST_LINES]]
    single = cases[0] if len(cases) == 1 else None
    notification, created = notify(
        recipient=recipient,
        kind=NotificationKind.CASE_OVERDUE,
        case=single,
        body="\n".join(lines),
        dedupe_key=key,
        item_count=len(cases),
        send_after=send_after,
        **_overdue_digest_text(len(cases), today, single),
    )
    if not created:
        # Another batch (or a concurrent sweep) made today's report: add to it, under its
        # row lock so two sweeps cannot lose each other's count.
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        listed = notification.body.splitlines()
        notification.body = "\n".join(listed + lines[: max(OVERDUE_DIGEST_LINES - len(listed), 0)])
        notification.item_count += len(cases)
        notification.case = None
        text = _overdue_digest_text(notification.item_count, today, None)
        notification.title = text["title"][:200]
        notification.link = text["link"]
        notification.read_at = None  # news since it was read
        notification.save(update_fields=["body", "item_count", "case", "title", "link", "read_at"])


def sweep_overdue_cases(
    today: datetime.date | None = None, batch: int = SWEEP_BATCH, limit: int | None = None
) -> int:
    """Report each case that passed its time limit, once per deadline, in one report per
    person and day; returns how many cases were reported.

    At most ``limit`` cases (FENGQIAO_OVERDUE_SWEEP_LIMIT) per run: a backlog (beat down
    for days, old cases imported) is worked off over the next runs, so this sweep never
    holds the reminders queue long enough to delay a follow-up reminder."""
    today = today or timezone.localdate()
    limit = settings.FENGQIAO_OVERDUE_SWEEP_LIMIT if limit is None else limit
    send_after = timezone.now() + OVERDUE_DIGEST_HOLD
    supervisors: dict[int, list] = {}  # area id -> its supervisors, for this run
    total = 0
    caught_up = False
    while total < limit:
        wanted = min(batch, limit - total)
        with transaction.atomic():
            due = list(
                overdue_unreported(today)
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "due_on")[:wanted]
            )
            claimed = [pk for pk, deadline in due if claim_overdue_report(pk, deadline)]
            by_recipient: dict[int, list[Case]] = defaultdict(list)
            people = {}
            for case in (
                Case.objects.filter(pk__in=claimed)
                .select_related("area", "owner")
                .order_by("due_on", "pk")
            ):
                if case.area_id not in supervisors:
                    supervisors[case.area_id] = overdue_supervisors(case.area)
                for recipient in overdue_recipients(case, supervisors[case.area_id]):
                    by_recipient[recipient.pk].append(case)
                    people[recipient.pk] = recipient
            # In one order, so two sweeps adding to the same reports cannot deadlock.
            for pk in sorted(by_recipient):
                _add_to_overdue_digest(people[pk], by_recipient[pk], today, send_after)
            total += len(claimed)
        if len(due) < wanted:
            caught_up = True
            break
    # Cut short by the limit, the day's reports will grow on the next run: their
    # email/SMS stay held until a run has caught up (or the hold runs out).
    if caught_up:
        with transaction.atomic():
            release_deliveries(
                Notification.objects.filter(
                    kind=NotificationKind.CASE_OVERDUE,
                    dedupe_key__startswith=_overdue_digest_key("", today),
                )
            )
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
