"""The workflow of a case: which statuses each step may start from, the guards every
service runs before it writes, and the small steps they all share (lock the case, set
its status, record the event on its timeline).

``cases.policy`` says which *role* may take a step; this module says whether the case's
*state* allows it now, and ``check_allowed`` asks both. The services in
``cases.services`` (and ``cases.attachments``) are the only callers that write.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import followups, rollup
from cases.models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    PENDING_STATUSES,
    Case,
    CaseEvent,
    ClockPolicy,
    Escalation,
    EscalationStatus,
    EventKind,
    ExtensionKind,
    Performance,
    Status,
)
from cases.policy import Action, next_level, permission_refusal, user_may
from cases.selectors import visible_cases
from common.validators import refuse_control_characters
from grids.models import Area

# Which statuses each action may start from. The single statement of the workflow.
ALLOWED_FROM: dict[Action, tuple[str, ...]] = {
    Action.EDIT: (*OPEN_STATUSES, *ENDED_STATUSES),
    Action.ACCEPT: (Status.REGISTERED,),
    Action.NOT_ACCEPT: (Status.REGISTERED,),
    Action.WITHDRAW: PENDING_STATUSES,
    Action.RECORD_SESSION: (Status.ACCEPTED, Status.MEDIATING),
    Action.CHANGE_GRADE: PENDING_STATUSES,
    Action.ESCALATE: (Status.ACCEPTED, Status.MEDIATING),
    Action.DECIDE_ESCALATION: (Status.ACCEPTED, Status.MEDIATING),
    Action.RECORD_AGREEMENT: (Status.MEDIATING,),
    # 协议待签 allows the signing, and the endings a 司法所 accepts before the agreement
    # is in force: a party who will not sign ends it as 调解不成 (FAIL) or withdraws
    # (WITHDRAW, a pending status); editing, re-grading and voiding as for any open case.
    Action.SIGN_AGREEMENT: (Status.AGREEMENT_SIGNING,),
    # Before it is in force only the parties' intent to apply for judicial confirmation
    # can be recorded (the service refuses an application or performance until then).
    Action.RECORD_PERFORMANCE: (Status.AGREEMENT_SIGNING, Status.RESOLVED),
    Action.RECORD_FOLLOW_UP: (Status.RESOLVED, Status.CLOSED),
    Action.FAIL: (Status.ACCEPTED, Status.MEDIATING, Status.AGREEMENT_SIGNING),
    Action.RESOLVE_OTHERWISE: (Status.ACCEPTED, Status.MEDIATING),
    # Art. 17: a party may refuse before the case is even accepted.
    Action.RECORD_REFUSAL: PENDING_STATUSES,
    Action.WAIVE_FOLLOW_UP: (Status.RESOLVED, Status.CLOSED),
    Action.EXTEND_TERM: (Status.ACCEPTED, Status.MEDIATING),
    Action.EXTEND_PETITION: (Status.ACCEPTED, Status.MEDIATING),
    # A case settled otherwise is crossed off like a failed one: there is no agreement
    # whose performance the committee supervises, so no visits to wait for.
    Action.CLOSE: (Status.RESOLVED, Status.FAILED, Status.RESOLVED_OTHERWISE),
    Action.VOID: (*OPEN_STATUSES, *ENDED_STATUSES),
    Action.REVEAL_ID_NUMBER: (*OPEN_STATUSES, *ENDED_STATUSES, Status.VOIDED),
    Action.REVEAL_MOBILE: (*OPEN_STATUSES, *ENDED_STATUSES, Status.VOIDED),
}

# Investigating is part of mediating (art. 22): allowed exactly while a session may be
# recorded, by the one statement of when that is.
ALLOWED_FROM[Action.RECORD_INVESTIGATION] = ALLOWED_FROM[Action.RECORD_SESSION]

# What a person types as a reason or a note: the forms and the API cap it at this, and
# so does every service, for the callers that have no form (commands, imports).
NOTE_MAX_LENGTH = 2000


class WorkflowError(ValidationError):
    """The case's status does not allow this step."""


# ---------------------------------------------------------------------------
# Guards
# ---------------------------------------------------------------------------


def pending_escalation(case: Case) -> Escalation | None:
    return case.escalations.filter(status=EscalationStatus.PROPOSED).first()


def workflow_refusal(case: Case, action: Action) -> str | None:
    """Why the case's state does not allow ``action`` now, or None when it does."""
    if case.status not in ALLOWED_FROM[action]:
        return _("案件当前状态为“%(status)s”,不能%(action)s。") % {
            "status": case.get_status_display(),
            "action": action.label,
        }
    if action == Action.ESCALATE:
        if next_level(case.level) is None:
            return _("案件已在县级处置,无法继续上报。")
        if pending_escalation(case) is not None:
            return _("案件已提级调处,正在等待上级接收。")
    if action == Action.DECIDE_ESCALATION and pending_escalation(case) is None:
        return _("该案件没有待接收的上报。")
    if action == Action.RECORD_AGREEMENT and case.agreement is not None:
        return _("该案件已记录调解协议。")
    if action in (Action.EXTEND_TERM, Action.EXTEND_PETITION):
        refusal = extension_refusal(case, action)
        if refusal:
            return refusal
    if action == Action.RECORD_PERFORMANCE and case.agreement is None:
        # Performance is recorded against the agreement in force; a resolved case with
        # none (its agreement superseded in older data) has nothing to update.
        return _("该案件没有现行的调解协议。")
    if action == Action.RECORD_FOLLOW_UP and case.resolution_means:
        # The department, court or arbitrator that settled it follows it through; a visit
        # that "reopened" it would also turn a case counted as settled otherwise into a
        # mediation success once closed again.
        return _("该案件已以其他方式化解,由处理部门跟进,不在此记录回访。")
    if action == Action.CLOSE and case.status == Status.RESOLVED:
        agreement = case.agreement
        if agreement is None or agreement.effective_on is None:
            return _("调解协议尚未生效,不能销号。")
        if agreement.performance != Performance.FULFILLED:
            return _("调解协议尚未履行完毕,不能销号。")
        outstanding = followups.outstanding_before_closing(case)
        if outstanding:
            return _(
                "尚有回访未完成,不能销号:%(visits)s。请完成回访,"
                "或由办理层级或以上的人员写明理由后免除。"
            ) % {"visits": ";".join(outstanding)}
    if action == Action.WAIVE_FOLLOW_UP and not followups.open_follow_ups(case).exists():
        return _("该案件没有待完成的回访。")
    return None


def extension_refusal(case: Case, action: Action) -> str | None:
    """Why the clock cannot be extended (any more), or None."""
    extensions = case.term_extensions.filter(
        kind=ExtensionKind.PETITION
        if action == Action.EXTEND_PETITION
        else ExtensionKind.MEDIATION_TERM
    )
    if action == Action.EXTEND_PETITION:
        if case.petition_handle_by is None:
            return _("该案件不是信访件,没有信访办理期限。")
        if extensions.exists():
            return _("信访件只能延期一次,该案件已延期。")
        return None
    if case.term_ends_on is None:
        return _("该案件尚未受理,没有调解期限。")
    policy = ClockPolicy.current()
    if extensions.count() >= policy.term_extensions_max or (
        case.term_extended_days >= policy.term_extension_max_days
    ):
        return _("调解期限已按规则延长,不能再延长。")
    return None


def require_visible(by, case: Case) -> None:
    """Pages and the API look cases up through the same scoping and answer 404; this is
    the backstop for any caller that forgets."""
    if not visible_cases(by).filter(pk=case.pk).exists():
        raise PermissionDenied(_("该案件不在您的管辖范围内。"))


def check_allowed(by, case: Case | None, action: Action) -> None:
    """Refuse unless ``by``'s role may take ``action`` on ``case`` and its state allows it."""
    refusal = permission_refusal(by, action, case)
    if refusal:
        raise PermissionDenied(refusal)
    if case is not None:
        require_visible(by, case)
        refusal = workflow_refusal(case, action)
        if refusal:
            raise WorkflowError(refusal, code="workflow")


def step_open(user, case: Case, action: Action) -> bool:
    """May ``user`` take ``action`` on ``case`` now: allowed both by role and by status.
    What the pages and the back office offer; ``check_allowed`` is its refusing twin."""
    return user_may(user, action, case) and workflow_refusal(case, action) is None


def available_actions(user, case: Case) -> list[Action]:
    """The actions to offer on the case page."""
    return [action for action in Action if action in ALLOWED_FROM and step_open(user, case, action)]


def require_reason(reason: str, field: str = "reason") -> str:
    reason = clean_note(reason, field)
    if not reason:
        raise ValidationError({field: _("请填写原因。")})
    return reason


def clean_note(note: str, field: str = "note") -> str:
    """A reason or note as typed: trimmed, no control characters, not overlong."""
    note = (note or "").strip()
    refuse_control_characters(values={field: note})
    try:
        MaxLengthValidator(NOTE_MAX_LENGTH)(note)
    except ValidationError as error:
        raise ValidationError({field: error}) from None
    return note


def refuse_before_registration(case: Case, moment, field: str, message: str) -> None:
    """A session or investigation cannot have happened before the dispute was registered."""
    if moment and timezone.localdate(moment) < case.received_on:
        raise ValidationError({field: message})


def require_within_reach(by, area: Area) -> None:
    if by.is_superuser:
        return
    if by.area_id is None or not area.is_within(by.area):
        raise ValidationError({"area": _("所选区域不在您的管辖范围内。")})


# ---------------------------------------------------------------------------
# The steps every service shares
# ---------------------------------------------------------------------------


def lock_case(case: Case) -> Case:
    """Re-read the case under a row lock, so two people cannot move it at once and the
    checks that follow see its current state, not the caller's possibly stale copy."""
    return Case.objects.select_for_update().select_related("area").get(pk=case.pk)


def set_status(case: Case, status: Status) -> str:
    """Move the case (not yet saved) to ``status``; returns the status it left."""
    previous = case.status
    case.status = status
    return previous


def move_case(
    case: Case, by, status: Status, event: EventKind, *, note: str = "", lapses: str = ""
) -> Case:
    """The end of a step that moves the (locked, checked) case to ``status``: a pending
    escalation lapses with the note ``lapses`` when one is given, the case is saved and
    ``event`` recorded with ``note``."""
    previous = set_status(case, status)
    if lapses:
        cancel_pending_escalation(case, by, lapses)
    case.save()
    record_event(case, event, by, from_status=previous, note=note)
    return case


def record_event(case: Case, kind: EventKind, by, *, from_status="", note="", changes=None) -> None:
    """Add an entry to the case's timeline; ``to_status`` is the status the step left."""
    # Every note a step takes (accept, fail, close, decide) passes here; the step's
    # transaction undoes what it already wrote.
    refuse_control_characters(values={"note": note})
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=by,
        from_status=from_status,
        to_status=case.status,
        note=note,
        changes=changes or {},
    )
    # Every step ends here after its writes, so the statistics' rollup follows the case
    # in the same transaction (a step writing after its event records another one).
    rollup.case_tally_refresh(case)


def cancel_pending_escalation(case: Case, by, note: str) -> None:
    """A request to go up a level lapses when the case ends or is moved up another way."""
    # Row by row (there is at most one) so the audit trail records the change.
    for escalation in Escalation.objects.filter(case=case, status=EscalationStatus.PROPOSED):
        escalation.status = EscalationStatus.CANCELLED
        escalation.decided_by = by
        escalation.decided_at = timezone.now()
        escalation.decision_note = note
        escalation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


def validate_instance(instance, exclude=()) -> None:
    """The model's own field checks, before anything is written; uniqueness and
    constraints are left to the database (and the service's own friendlier checks)."""
    refuse_control_characters(instance)
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def history_value(value) -> str:
    """A field's value as the timeline's "changes" shows it."""
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)
