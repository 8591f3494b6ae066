"""Recording a follow-up visit (one that finds the dispute flared again reopens the
case, a closed one too: a look-back 回头看 is recorded after closing) and waiving one.
Scheduling the visits and reminding of them is ``cases.followups``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import followups
from cases.models import Agreement, Case, EventKind, FollowUp, FollowUpKind, Status
from cases.policy import Action
from cases.services.grading import deadline_for, grade_policy
from cases.services.terms import term_restart
from cases.workflow import (
    check_allowed,
    lock_case,
    move_case,
    record_event,
    require_reason,
    validate_instance,
)

FOLLOW_UP_FIELDS = (
    "kind",
    "done_at",
    "performance",
    "satisfaction",
    "rebound_signs",
    "flared_again",
    "notes",
)


@transaction.atomic
def follow_up_record(*, case: Case, by, data: dict) -> FollowUp:
    """Record a visit. One that finds the dispute flared again reopens the case."""
    case = lock_case(case)
    check_allowed(by, case, Action.RECORD_FOLLOW_UP)
    values = {f: data[f] for f in FOLLOW_UP_FIELDS if f in data}
    # A visit that was scheduled is completed rather than duplicated.
    follow_up = (
        FollowUp.objects.select_for_update()
        .filter(case=case, kind=values.get("kind"), done_at__isnull=True, cancelled_at__isnull=True)
        .order_by("due_at")
        .first()
    ) or FollowUp(case=case)
    for field, value in values.items():
        setattr(follow_up, field, value)
    follow_up.done_by = by
    if not follow_up.done_at:
        raise ValidationError({"done_at": _("请填写回访时间。")})
    # As for a mediation session: not before the case was registered (a year-712 visit
    # was once accepted, and came back with an offset no client could parse).
    if timezone.localdate(follow_up.done_at) < case.received_on:
        raise ValidationError(
            {"done_at": ValidationError(_("回访时间不能早于登记日期。"), code="before_received")}
        )
    validate_instance(follow_up, exclude=["case", "done_by"])
    followups.follow_up_save(follow_up)
    record_event(
        case,
        EventKind.FOLLOW_UP,
        by,
        note=f"{follow_up.get_kind_display()}:{follow_up.notes[:200]}",
    )
    if follow_up.rebound_signs and not follow_up.flared_again:
        followups.schedule_follow_up(case, FollowUpKind.REVISIT, follow_up.done_at)
    if follow_up.flared_again:
        # The old agreement stays on record, superseded, so mediation can reach a new one;
        # its visits still outstanding are cancelled (the new agreement schedules anew).
        # Row by row (a few at most) so the audit trail records each change.
        now = timezone.now()
        for agreement in Agreement.objects.filter(case=case, superseded_at__isnull=True):
            agreement.superseded_at = now
            agreement.save(update_fields=["superseded_at"])
        for visit in FollowUp.objects.filter(
            case=case, done_at__isnull=True, cancelled_at__isnull=True
        ):
            visit.cancelled_at = now
            followups.follow_up_save(visit, update_fields=["cancelled_at"])
        case.deadline = deadline_for(timezone.localdate(), grade_policy(case.grade))
        term_restart(case, timezone.localdate())
        case.closed_at = None
        move_case(case, by, Status.MEDIATING, EventKind.REOPENED, note=_("回访发现纠纷再次激化"))
    return follow_up


@transaction.atomic
def follow_up_waive(*, case: Case, by, follow_up: FollowUp | None, reason: str) -> FollowUp:
    """Waive a visit still to be made, with a reason, so the case may be closed without
    it (e.g. the parties moved away). Only someone at or above the case's handling level
    may (``cases.policy``); the visit is kept, marked waived, and no longer reminded."""
    case = lock_case(case)
    check_allowed(by, case, Action.WAIVE_FOLLOW_UP)
    if follow_up is None:
        raise ValidationError({"follow_up": _("请选择要免除的回访。")})
    follow_up = (
        FollowUp.objects.select_for_update()
        .filter(pk=follow_up.pk, case=case, done_at__isnull=True, cancelled_at__isnull=True)
        .first()
    )
    if follow_up is None:
        raise ValidationError({"follow_up": _("只能免除本案尚未完成的回访。")})
    follow_up.waive_reason = require_reason(reason)
    follow_up.waived_by = by
    follow_up.cancelled_at = timezone.now()
    followups.follow_up_save(follow_up, update_fields=["waive_reason", "waived_by", "cancelled_at"])
    record_event(
        case,
        EventKind.FOLLOW_UP_WAIVED,
        by,
        note=f"{follow_up.get_kind_display()}:{follow_up.waive_reason[:200]}",
    )
    return follow_up
