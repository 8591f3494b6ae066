"""How a case ends: mediation failed (调解不成), crossed off (销号), or voided."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import followups
from cases.models import Case, EventKind, FailureReason, Status
from cases.policy import Action
from cases.services.refusal import ROUTES_NOT_EXPLAINED, case_record_refusal
from cases.workflow import (
    check_allowed,
    clean_note,
    lock_case,
    move_case,
    require_reason,
)


@transaction.atomic
def case_fail(
    *,
    case: Case,
    by,
    failure_reason: str,
    routes_explained: bool,
    note: str = "",
    party=None,
    refused_on=None,
) -> Case:
    """Mediation ends without agreement (art. 26: tell the parties the other routes).
    A party's refusal is recorded by ``case_record_refusal``, with who and when."""
    case = lock_case(case)
    check_allowed(by, case, Action.FAIL)
    if failure_reason not in FailureReason.values:
        raise ValidationError({"failure_reason": _("请选择调解不成的原因。")})
    if failure_reason == FailureReason.PARTY_REFUSED:
        refusal = case_record_refusal(
            case=case,
            by=by,
            party=party,
            refused_on=refused_on,
            note=note,
            routes_explained=routes_explained,
        )
        return refusal.case
    if failure_reason == FailureReason.SESSIONS_FAILED and not case.sessions.exists():
        raise ValidationError(
            {"failure_reason": _("尚无调解记录:请先记录调解,或选择当事人拒绝调解。")}
        )
    if not routes_explained:
        raise ValidationError({"routes_explained": ROUTES_NOT_EXPLAINED})
    case.failure_reason = failure_reason
    case.routes_explained = True
    case.outcome_reason = clean_note(note)
    return move_case(
        case,
        by,
        Status.FAILED,
        EventKind.FAILED,
        note=case.get_failure_reason_display(),
        lapses=_("调解不成,上报撤销。"),
    )


@transaction.atomic
def case_close(*, case: Case, by, note: str = "") -> Case:
    """Cross the case off (销号): a resolved case once its agreement is carried out and
    its visits are done or waived (``cases.workflow``), which then schedules its
    look-backs (回头看); a failed case as it stands."""
    case = lock_case(case)
    check_allowed(by, case, Action.CLOSE)
    resolved = case.status == Status.RESOLVED
    case.closed_at = timezone.now()
    move_case(case, by, Status.CLOSED, EventKind.CLOSED, note=clean_note(note))
    if resolved:
        followups.schedule_look_backs(case, case.closed_at)
    return case


@transaction.atomic
def case_void(*, case: Case, by, reason: str) -> Case:
    """A case is evidence and is never deleted: a mistaken one is voided with a reason."""
    case = lock_case(case)
    check_allowed(by, case, Action.VOID)
    case.void_reason = require_reason(reason)
    case.voided_at = timezone.now()
    return move_case(
        case,
        by,
        Status.VOIDED,
        EventKind.VOIDED,
        note=case.void_reason,
        lapses=_("案件作废,上报撤销。"),
    )
