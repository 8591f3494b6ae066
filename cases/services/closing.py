"""How a case ends: mediation failed (调解不成), crossed off (销号), or voided."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, EventKind, FailureReason, Status
from cases.policy import Action
from cases.workflow import (
    cancel_pending_escalation,
    check_allowed,
    clean_note,
    lock_case,
    record_event,
    require_reason,
    set_status,
)


@transaction.atomic
def case_fail(
    *, case: Case, by, failure_reason: str, routes_explained: bool, note: str = ""
) -> Case:
    """Mediation ends without agreement (art. 26: tell the parties the other routes)."""
    case = lock_case(case)
    check_allowed(by, case, Action.FAIL)
    if failure_reason not in FailureReason.values:
        raise ValidationError({"failure_reason": _("请选择调解不成的原因。")})
    if failure_reason == FailureReason.SESSIONS_FAILED and not case.sessions.exists():
        raise ValidationError(
            {"failure_reason": _("尚无调解记录:请先记录调解,或选择当事人拒绝调解。")}
        )
    if not routes_explained:
        raise ValidationError(
            {
                "routes_explained": _(
                    "调解不成时,应告知当事人可依法通过仲裁、行政、司法等途径维护权利。"
                )
            }
        )
    previous = set_status(case, Status.FAILED)
    case.failure_reason = failure_reason
    case.routes_explained = True
    case.outcome_reason = clean_note(note)
    cancel_pending_escalation(case, by, _("调解不成,上报撤销。"))
    case.save()
    record_event(
        case, EventKind.FAILED, by, from_status=previous, note=case.get_failure_reason_display()
    )
    return case


@transaction.atomic
def case_close(*, case: Case, by, note: str = "") -> Case:
    """Cross the case off (销号)."""
    case = lock_case(case)
    check_allowed(by, case, Action.CLOSE)
    note = clean_note(note)
    previous = set_status(case, Status.CLOSED)
    case.closed_at = timezone.now()
    case.save()
    record_event(case, EventKind.CLOSED, by, from_status=previous, note=note)
    return case


@transaction.atomic
def case_void(*, case: Case, by, reason: str) -> Case:
    """A case is evidence and is never deleted: a mistaken one is voided with a reason."""
    case = lock_case(case)
    check_allowed(by, case, Action.VOID)
    reason = require_reason(reason)
    previous = set_status(case, Status.VOIDED)
    case.void_reason = reason
    case.voided_at = timezone.now()
    cancel_pending_escalation(case, by, _("案件作废,上报撤销。"))
    case.save()
    record_event(case, EventKind.VOIDED, by, from_status=previous, note=reason)
    return case
