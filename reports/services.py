"""The monthly review (月例会): the beat sweep that opens each village's review and
reminds its secretary, and recording what the meeting said and decided.

The sweep follows the pattern of ``notifications.reminders``: what is due is read from the
database, each review is claimed with a conditional UPDATE of ``reminded_at`` (so two
sweeps at once remind once), and every notification carries a dedupe key. It is safe to
run twice, concurrently, or hours late: a beat that was down at 08:00 on the 1st catches
up on its next run that month.
"""

import calendar
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases.models import WorkflowPolicy
from common.validators import refuse_control_characters
from grids.models import Area, AreaLevel
from notifications.models import NotificationKind
from notifications.services import notify
from reports.models import MonthlyReview
from reports.policy import may_record_review
from reports.selectors import local_midnight, previous_month, review_agenda, reviews_visible_to

RECORD_FIELDS = ("held_on", "attendees", "minutes", "decisions")


# ---------------------------------------------------------------------------
# When
# ---------------------------------------------------------------------------


def review_moment(month: datetime.date, policy: WorkflowPolicy) -> datetime.datetime:
    """When the reminders of the month starting ``month`` go out, in local time.

    The day and hour are policy (admin); a day past the month's end is its last day and
    an hour past 23 is 23, so a slip in the policy never skips a month.
    """
    last_day = calendar.monthrange(month.year, month.month)[1]
    day = min(max(policy.review_day or 1, 1), last_day)
    hour = min(policy.review_hour or 0, 23)
    return local_midnight(month.replace(day=day)) + datetime.timedelta(hours=hour)


def month_due(now: datetime.datetime, policy: WorkflowPolicy) -> datetime.date | None:
    """The month to review at ``now`` (the previous month), or None before this month's
    review moment."""
    local = timezone.localtime(now, timezone.get_default_timezone())
    this_month = local.date().replace(day=1)
    if local < review_moment(this_month, policy):
        return None
    return previous_month(this_month)


# ---------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------


def _open_reviews(month: datetime.date) -> None:
    """Create the month's review, with its agenda snapshot, for every active village that
    has none yet. A concurrent sweep creating the same one is absorbed by the unique
    constraint."""
    missing = (
        Area.objects.filter(level=AreaLevel.VILLAGE, is_active=True)
        .exclude(pk__in=MonthlyReview.objects.filter(month=month).values("village_id"))
        .order_by("path")
    )
    for village in missing:
        agenda = review_agenda(village, month)
        try:
            with transaction.atomic():
                MonthlyReview.objects.create(village=village, month=month, agenda=agenda)
        except IntegrityError:  # another sweep created it a moment ago
            continue


def _secretaries(village_id: int):
    return User.objects.filter(
        is_active=True, role=Role.VILLAGE_SECRETARY, area_id=village_id
    ).order_by("pk")


def agenda_summary(agenda: dict) -> str:
    """The agenda in one sentence: the reminder's body and the admin's summary."""
    follow_ups = agenda.get("follow_ups", {})
    return _(
        "上月新增 %(new)d 件,销号 %(closed)d 件,月末在办 %(open)d 件,其中超期 %(overdue)d 件;"
        "回访 %(done)d 次,发现反弹隐患 %(rebound)d 次、再次激化 %(flared)d 次;"
        "需重点关注的风险案件 %(risk)d 件。"
    ) % {
        "new": agenda.get("new", 0),
        "closed": agenda.get("closed", 0),
        "open": agenda.get("open", 0),
        "overdue": agenda.get("overdue", 0),
        "done": follow_ups.get("done", 0),
        "rebound": follow_ups.get("rebound_signs", 0),
        "flared": follow_ups.get("flared_again", 0),
        "risk": len(agenda.get("at_risk", [])),
    }


def _remind(review: MonthlyReview, now: datetime.datetime) -> bool:
    """Claim the review's reminder and notify the village's secretaries, in one
    transaction; False when another sweep claimed it first."""
    with transaction.atomic():
        claimed = MonthlyReview.objects.filter(pk=review.pk, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            return False
        title = _("%(year)d年%(month)d月 月例会提醒:%(village)s") % {
            "year": review.month.year,
            "month": review.month.month,
            "village": review.village.name,
        }
        body = agenda_summary(review.agenda)
        link = reverse("reports:review_detail", args=[review.pk])
        for secretary in _secretaries(review.village_id):
            notify(
                recipient=secretary,
                kind=NotificationKind.MONTHLY_REVIEW,
                title=title,
                body=body,
                link=link,
                dedupe_key=f"monthly-review:{review.village_id}:{review.month:%Y-%m}:{secretary.pk}",
            )
    return True


def sweep_monthly_reviews(now: datetime.datetime | None = None) -> int:
    """At or after this month's review moment, open last month's review of every active
    village and remind its secretaries; returns how many reviews were reminded now.

    A village without an active secretary gets its review (and agenda) all the same;
    its reminder waits, and goes out on the first sweep after a secretary is appointed.
    """
    now = now or timezone.now()
    month = month_due(now, WorkflowPolicy.current())
    if month is None:
        return 0
    _open_reviews(month)
    secretaries = User.objects.filter(role=Role.VILLAGE_SECRETARY, is_active=True)
    waiting = (
        MonthlyReview.objects.filter(
            month=month,
            reminded_at__isnull=True,
            village__is_active=True,
            village__in=secretaries.values("area_id"),
        )
        .select_related("village")
        .order_by("pk")
    )
    return sum(1 for review in waiting if _remind(review, now))


# ---------------------------------------------------------------------------
# Recording the meeting
# ---------------------------------------------------------------------------


@transaction.atomic
def review_record(*, review: MonthlyReview, by, data: dict) -> MonthlyReview:
    """Save when the meeting was held, who came, the minutes and the decisions."""
    visible = reviews_visible_to(by).filter(pk=review.pk).exists()
    if not visible or not may_record_review(by, review):
        raise PermissionDenied(_("您没有权限记录该村(社区)的月例会。"))
    review = MonthlyReview.objects.select_for_update().select_related("village").get(pk=review.pk)

    values = {field: data[field] for field in RECORD_FIELDS if field in data}
    for field in ("attendees", "minutes", "decisions"):
        if field in values:
            values[field] = (values[field] or "").strip()
    # Both refusals at once, so that a form sent back with neither says so for both.
    errors = {}
    held_on = values.get("held_on", review.held_on)
    if held_on is None:
        errors["held_on"] = _("请填写召开日期。")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("召开日期不能晚于今天。")
    elif held_on < review.month:
        errors["held_on"] = _("召开日期不能早于所审议的月份(%(month)s)。") % {
            "month": f"{review.month:%Y-%m}"
        }
    if not values.get("minutes", review.minutes):
        errors["minutes"] = _("请填写会议记录。")
    if errors:
        raise ValidationError(errors)

    for field, value in values.items():
        setattr(review, field, value)
    review.recorded_by = by
    refuse_control_characters(review)
    review.full_clean(
        exclude=["village", "recorded_by"], validate_unique=False, validate_constraints=False
    )
    review.save()
    return review
