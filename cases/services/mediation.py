"""Mediation: the sessions (art. 27), re-grading, and going up a level when this one
cannot settle the dispute (proposed, then accepted or returned by the level above)."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import (
    AREA_LEVEL_FOR_HANDLING,
    LEVEL_SEQUENCE,
    Case,
    Escalation,
    EscalationStatus,
    EventKind,
    GradeChange,
    GradePolicy,
    HandlingLevel,
    MediationSession,
    SessionResult,
    Status,
    WorkflowPolicy,
)
from cases.policy import ESCALATION_RECEIVER_ROLES, Action, at_handling_level, next_level
from cases.services.grading import deadline_for, grade_policy, handling_level_for, team_kind_for
from cases.services.intake import check_mediators, organisations_available_for
from cases.signals import escalation_proposed
from cases.workflow import (
    WorkflowError,
    cancel_pending_escalation,
    check_allowed,
    clean_note,
    lock_case,
    pending_escalation,
    record_event,
    refuse_before_registration,
    require_reason,
    set_status,
    validate_instance,
)

# The three-three rule (DOMAIN §4): three failed attempts at one level.
FAILED_ATTEMPTS_BEFORE_ESCALATION = 3


@dataclass(frozen=True)
class SessionOutcome:
    session: MediationSession
    case: Case
    escalation_due: bool  # three failed attempts at this level: time to go up a level


def counts_as_failed_attempt(result: str, policy: WorkflowPolicy | None = None) -> bool:
    """Whether a session ending in ``result`` is a failed attempt of the three-three rule
    at its level. "未达成一致" always is; "继续调解" is too while the policy says so (the
    seed's "3次以上": three tries that did not settle it), and a settled session never is."""
    if result == SessionResult.NOT_RESOLVED:
        return True
    policy = policy or WorkflowPolicy.current()
    return result == SessionResult.CONTINUE and policy.continuing_session_counts_as_failed


def failed_attempts_rule(policy: WorkflowPolicy | None = None) -> str:
    """The counting rule in plain words, as ``counts_as_failed_attempt`` applies it."""
    policy = policy or WorkflowPolicy.current()
    if policy.continuing_session_counts_as_failed:
        rule = _("未达成一致和继续调解均计入;满 %(count)d 次提级调处(三三调处)")
    else:
        rule = _("仅未达成一致计入,继续调解不计入;满 %(count)d 次提级调处(三三调处)")
    return rule % {"count": FAILED_ATTEMPTS_BEFORE_ESCALATION}


@transaction.atomic
def session_record(
    *,
    case: Case,
    by,
    held_at: datetime.datetime,
    place: str,
    method: str,
    content: str,
    result: str,
    mediators=(),
    parties_present=(),
    place_detail: str = "",
) -> SessionOutcome:
    """Record a mediation session (art. 27). The first one moves the case to 调解中."""
    case = lock_case(case)
    check_allowed(by, case, Action.RECORD_SESSION)
    if not mediators:
        raise ValidationError({"mediators": _("请选择主持调解的调解员。")})
    check_mediators(case, mediators)
    if any(p.case_id != case.pk for p in parties_present):
        raise ValidationError({"parties_present": _("到场当事人必须是本案当事人。")})
    refuse_before_registration(case, held_at, "held_at", _("调解时间不能早于登记日期。"))
    session = MediationSession(
        case=case,
        held_at=held_at,
        place=place,
        place_detail=place_detail,
        method=method,
        content=content,
        result=result,
        level=case.level,
        recorded_by=by,
    )
    validate_instance(session, exclude=["case", "recorded_by", "mediators", "parties_present"])
    session.save()
    session.mediators.set(mediators)
    session.parties_present.set(parties_present)

    policy = WorkflowPolicy.current()
    previous = set_status(case, Status.MEDIATING)
    if counts_as_failed_attempt(result, policy):
        case.failed_attempts += 1
    case.save()
    record_event(
        case,
        EventKind.SESSION,
        by,
        from_status=previous if previous != Status.MEDIATING else "",
        note=f"{session.get_result_display()}:{content[:200]}",
    )
    escalation_due = (
        case.failed_attempts >= FAILED_ATTEMPTS_BEFORE_ESCALATION
        and next_level(case.level) is not None
    )
    if escalation_due and policy.auto_propose_escalation and pending_escalation(case) is None:
        _propose(
            case,
            by,
            _("本级已调解%(count)d次未成,按“三三调处”规则自动提级调处。")
            % {"count": case.failed_attempts},
        )
    return SessionOutcome(session=session, case=case, escalation_due=escalation_due)


@transaction.atomic
def case_change_grade(*, case: Case, by, grade: str, reason: str) -> Case:
    """Re-grade a case (a red case can cool to yellow); kept in history, deadline
    recomputed, and the case moved to the level that handles its new grade
    (``level_after_regrade``), with that level's team where there is exactly one."""
    case = lock_case(case)
    check_allowed(by, case, Action.CHANGE_GRADE)
    reason = require_reason(reason)
    if grade == case.grade:
        raise ValidationError({"grade": _("新等级与当前等级相同。")})
    GradeChange.objects.create(
        case=case, from_grade=case.grade, to_grade=grade, reason=reason, changed_by=by
    )
    changes = regrade(case, by, grade)
    case.save()
    record_event(case, EventKind.GRADE_CHANGED, by, note=reason, changes=changes)
    return case


def regrade(case: Case, by, grade: str) -> dict[str, list[str]]:
    """Give the locked ``case`` a new grade and what the grade sets: the deadline, the
    level that handles it (``level_after_regrade``) and that level's team. The caller
    has checked who may, saves the case and records the returned changes in the history
    (``case_change_grade``; the 重点人员 rule when a corrected case gains a flagged party)."""
    policy = grade_policy(grade)
    changes = {_("风险等级"): [case.get_grade_display(), ""]}
    case.grade = grade
    changes[_("风险等级")][1] = case.get_grade_display()
    case.deadline = deadline_for(case.received_on, policy)
    level = level_after_regrade(case, policy)
    if level != case.level:
        changes[_("处置层级")] = [case.get_level_display(), str(level.label)]
        case.level = level
        case.failed_attempts = _failed_attempts_at(case, level)
        cancel_pending_escalation(case, by, _("调整等级后已改由其他层级处置。"))
        _hand_to_level(case, by, policy, changes)
    return changes


def level_after_regrade(case: Case, policy: GradePolicy) -> HandlingLevel:
    """Where a re-graded case is handled: a case that becomes more serious goes up to its
    new grade's level at once. One that cools goes back down only while nobody at its
    present level has mediated it and it did not come there by an accepted hand-up:
    then the lower level has lost nothing and the higher one has not begun (a red case
    registered by a village, cooled by the town before its team sat down, goes back to
    the village). Once the higher level has held a session, or took the case because the
    lower one had failed three times, it keeps it: sending it back would undo the
    three-three rule's hand-up or split one mediation between two teams."""
    current = HandlingLevel(case.level)
    target = handling_level_for(case.area, policy)
    if LEVEL_SEQUENCE.index(target) >= LEVEL_SEQUENCE.index(current):
        return target
    started_here = case.sessions.filter(level=current).exists()
    handed_up = case.escalations.filter(status=EscalationStatus.ACCEPTED, to_level=current).exists()
    return current if started_here or handed_up else target


def _failed_attempts_at(case: Case, level: str) -> int:
    """The failed attempts already made at ``level`` (none when the case goes up for
    the first time; the lower level's own count when it comes back down)."""
    policy = WorkflowPolicy.current()
    results = case.sessions.filter(level=level).values_list("result", flat=True)
    return sum(1 for result in results if counts_as_failed_attempt(result, policy))


def _hand_to_level(case: Case, by, policy: GradePolicy, changes: dict) -> None:
    """A case that changes level changes hands: the new grade's team replaces one of
    another kind (the single such team covering the case; with none or several, the
    case is left without a named team rather than kept with one of the wrong level:
    the level's own users still handle it), and an owner below the new level gives way
    to the person re-grading it when they stand at that level."""
    kind = team_kind_for(case, policy)
    if case.organisation_id and kind and case.organisation.kind != kind:
        teams = list(organisations_available_for(case).filter(kind=kind)[:2])
        team = teams[0] if len(teams) == 1 else None
        changes[_("调解组织")] = [str(case.organisation), str(team or "")]
        case.organisation = team
    if case.owner_id and not at_handling_level(case.owner, case) and at_handling_level(by, case):
        changes[_("责任人")] = [str(case.owner), str(by)]
        case.owner = by


@transaction.atomic
def escalation_propose(*, case: Case, by, reason: str) -> Escalation:
    case = lock_case(case)
    check_allowed(by, case, Action.ESCALATE)
    reason = require_reason(reason)
    return _propose(case, by, reason)


def escalation_receivers(case: Case, to_level: str):
    """Who answers an escalation to ``to_level``: the village secretary for the village,
    the clerks and supervisors of the town or district above."""
    return User.objects.filter(
        is_active=True,
        role__in=ESCALATION_RECEIVER_ROLES[HandlingLevel(to_level)],
        area__code__in=case.area.path_codes,
        area__level=AREA_LEVEL_FOR_HANDLING[HandlingLevel(to_level)],
    )


def _propose(case: Case, by, reason: str) -> Escalation:
    target = next_level(case.level)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                case=case, from_level=case.level, to_level=target, reason=reason, proposed_by=by
            )
    except IntegrityError:
        raise WorkflowError(_("案件已提级调处,正在等待上级接收。")) from None
    record_event(
        case,
        EventKind.ESCALATION_PROPOSED,
        by,
        note=reason,
        changes={_("上报至"): [case.get_level_display(), str(HandlingLevel(target).label)]},
    )
    # Whoever listens (the receiving level's inbox) hears of it in this transaction:
    # nothing to lose, and nothing sent for a proposal that was rolled back.
    escalation_proposed.send(sender=Escalation, escalation=escalation)
    return escalation


@transaction.atomic
def escalation_decide(*, case: Case, by, accept: bool, note: str = "") -> Escalation:
    """The receiving level accepts the case (it moves up) or returns it with a reason."""
    case = lock_case(case)
    check_allowed(by, case, Action.DECIDE_ESCALATION)
    escalation = (
        Escalation.objects.select_for_update()
        .filter(case=case, status=EscalationStatus.PROPOSED)
        .first()
    )
    if escalation is None:
        raise WorkflowError(_("该案件没有待接收的上报。"))
    if not accept:
        note = require_reason(note, "note")
    else:
        note = clean_note(note, "note")
        if LEVEL_SEQUENCE.index(HandlingLevel(escalation.to_level)) <= LEVEL_SEQUENCE.index(
            HandlingLevel(case.level)
        ):
            raise WorkflowError(_("案件已在该层级或更高层级处置,此上报已失效。"))
    escalation.status = EscalationStatus.ACCEPTED if accept else EscalationStatus.RETURNED
    escalation.decided_by = by
    escalation.decided_at = timezone.now()
    escalation.decision_note = note
    escalation.save()
    if accept:
        previous_level = case.get_level_display()
        previous = set_status(case, Status.ACCEPTED)
        case.level = escalation.to_level
        case.failed_attempts = 0
        case.owner = by
        case.save()
        record_event(
            case,
            EventKind.ESCALATION_ACCEPTED,
            by,
            from_status=previous if previous != Status.ACCEPTED else "",
            note=note,
            changes={_("处置层级"): [previous_level, case.get_level_display()]},
        )
    else:
        record_event(case, EventKind.ESCALATION_RETURNED, by, note=note)
    return escalation
