"""Everything that changes a case goes through here: the HTML views, the admin, the
API and the tasks all call these functions, so a rule is written once.

Every service takes the acting user as ``by``, checks that the role may act and that
the case's status allows the step, locks the case row, writes, and records an event
on the case's timeline. Refusals are ``ValidationError`` (shown next to the form) or
``PermissionDenied``.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases import followups
from cases.models import (
    AREA_LEVEL_FOR_HANDLING,
    ENDED_STATUSES,
    LEVEL_SEQUENCE,
    OPEN_STATUSES,
    PENDING_STATUSES,
    Agreement,
    AgreementForm,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Escalation,
    EscalationStatus,
    EventKind,
    FailureReason,
    FollowUp,
    FollowUpKind,
    GradeChange,
    GradePolicy,
    HandlingLevel,
    IdempotencyKey,
    MediationSession,
    Party,
    PartyRole,
    Performance,
    PersonalDataAccess,
    SessionResult,
    Status,
    WorkflowPolicy,
)
from cases.policy import Action, next_level, user_may
from common.validators import normalise_id_number, normalise_mobile, refuse_control_characters
from grids.models import Area, AreaLevel
from notifications.models import NotificationKind
from notifications.services import notify

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
    Action.RECORD_PERFORMANCE: (Status.RESOLVED,),
    Action.RECORD_FOLLOW_UP: (Status.RESOLVED, Status.CLOSED),
    Action.FAIL: (Status.ACCEPTED, Status.MEDIATING),
    Action.CLOSE: (Status.RESOLVED, Status.FAILED),
    Action.VOID: (*OPEN_STATUSES, *ENDED_STATUSES),
    Action.REVEAL_ID_NUMBER: (*OPEN_STATUSES, *ENDED_STATUSES, Status.VOIDED),
    Action.REVEAL_MOBILE: (*OPEN_STATUSES, *ENDED_STATUSES, Status.VOIDED),
}

# The three-three rule (DOMAIN §4): three failed attempts at one level.
FAILED_ATTEMPTS_BEFORE_ESCALATION = 3


class WorkflowError(ValidationError):
    """The case's status does not allow this step."""


# ---------------------------------------------------------------------------
# Guards
# ---------------------------------------------------------------------------


def _pending_escalation(case: Case) -> Escalation | None:
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
            return _("案件已在区级处置,无法继续上报。")
        if _pending_escalation(case) is not None:
            return _("案件已提请上报,正在等待上级接收。")
    if action == Action.DECIDE_ESCALATION and _pending_escalation(case) is None:
        return _("该案件没有待接收的上报。")
    if action == Action.RECORD_AGREEMENT and case.agreement is not None:
        return _("该案件已记录调解协议。")
    if action == Action.CLOSE and case.status == Status.RESOLVED:
        agreement = case.agreement
        if agreement is None or agreement.effective_on is None:
            return _("调解协议尚未生效,不能销号。")
        if agreement.performance != Performance.FULFILLED:
            return _("调解协议尚未履行完毕,不能销号。")
        if not case.follow_ups.filter(done_at__isnull=False).exists():
            return _("请先完成回访再销号。")
    return None


def _check(by, case: Case | None, action: Action) -> None:
    if not user_may(by, action, case):
        raise PermissionDenied(_("您没有权限%(action)s。") % {"action": action.label})
    if case is not None:
        # Pages and the API look cases up through the same scoping and answer 404;
        # this is the backstop for any caller that forgets.
        from cases.selectors import visible_cases

        if not visible_cases(by).filter(pk=case.pk).exists():
            raise PermissionDenied(_("该案件不在您的管辖范围内。"))
        refusal = workflow_refusal(case, action)
        if refusal:
            raise WorkflowError(refusal, code="workflow")


def available_actions(user, case: Case) -> list[Action]:
    """The actions to offer on the case page: allowed both by role and by status."""
    return [
        action
        for action in Action
        if action in ALLOWED_FROM
        and user_may(user, action, case)
        and workflow_refusal(case, action) is None
    ]


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock, so two people cannot move it at once and the
    checks that follow see its current state, not the caller's possibly stale copy."""
    return Case.objects.select_for_update().select_related("area").get(pk=case.pk)


def _record(case: Case, kind: EventKind, by, *, from_status="", note="", changes=None) -> None:
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


def _cancel_pending_escalation(case: Case, by, note: str) -> None:
    """A request to go up a level lapses when the case ends or is moved up another way."""
    # Row by row (there is at most one) so the audit trail records the change.
    for escalation in Escalation.objects.filter(case=case, status=EscalationStatus.PROPOSED):
        escalation.status = EscalationStatus.CANCELLED
        escalation.decided_by = by
        escalation.decided_at = timezone.now()
        escalation.decision_note = note
        escalation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


def _set_status(case: Case, status: Status) -> str:
    previous = case.status
    case.status = status
    return previous


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    refuse_control_characters(values={field: reason})
    if not reason:
        raise ValidationError({field: _("请填写原因。")})
    return reason


def _require_within_reach(by, area: Area) -> None:
    if by.is_superuser:
        return
    if by.area_id is None or not area.is_within(by.area):
        raise ValidationError({"area": _("所选区域不在您的管辖范围内。")})


# ---------------------------------------------------------------------------
# Numbering, deadlines, search text
# ---------------------------------------------------------------------------


def numbering_area_for(area: Area) -> Area:
    """Numbers run per town; a case taken directly by the district runs on the district's."""
    for ancestor in reversed(list(area.ancestors())):
        if ancestor.level in (AreaLevel.TOWN, AreaLevel.DISTRICT):
            return ancestor
    return area


def _allocate_number(numbering_area: Area, year: int) -> tuple[int, str]:
    # Create the counter row if it is the year's first case (safe if two race to do it),
    # then take the row lock: concurrent registrations queue here, one number each.
    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(numbering_area=numbering_area, year=year)], ignore_conflicts=True
    )
    counter = CaseNumberCounter.objects.select_for_update().get(
        numbering_area=numbering_area, year=year
    )
    counter.last_sequence += 1
    counter.save(update_fields=["last_sequence"])
    return counter.last_sequence, f"{numbering_area.code}-{year}-{counter.last_sequence:05d}"


def _policy_for(grade: str) -> GradePolicy:
    try:
        return GradePolicy.objects.get(grade=grade)
    except GradePolicy.DoesNotExist:
        raise ValidationError({"grade": _("该风险等级没有配置处置规则,请联系管理员。")}) from None


def _handling_level_for(area: Area, policy: GradePolicy) -> HandlingLevel:
    """The grade's default level, but never below the level where the case sits."""
    area_floor = {
        AreaLevel.DISTRICT: HandlingLevel.DISTRICT,
        AreaLevel.TOWN: HandlingLevel.TOWN,
        AreaLevel.VILLAGE: HandlingLevel.VILLAGE,
    }.get(area.level, HandlingLevel.GRID)
    return max(HandlingLevel(policy.default_level), area_floor, key=LEVEL_SEQUENCE.index)


def _deadline(start: datetime.date, policy: GradePolicy) -> datetime.date:
    return start + datetime.timedelta(days=policy.time_limit_days)


def _refresh_search_text(case: Case) -> None:
    names = " ".join(case.parties.order_by("id").values_list("name", flat=True))
    text = " ".join([case.number, case.title, names, case.summary]).lower()
    Case.objects.filter(pk=case.pk).update(search_text=text)
    case.search_text = text


# ---------------------------------------------------------------------------
# Registration and editing
# ---------------------------------------------------------------------------

CASE_FIELDS = (
    "area",
    "title",
    "summary",
    "source",
    "dispute_type",
    "grade",
    "occurred_on",
    "received_on",
    "is_group",
    "people_involved",
    "amount_at_stake",
    "violence_risk",
    "petition_risk",
    "external_reference",
)
EDITABLE_CASE_FIELDS = tuple(f for f in CASE_FIELDS if f != "grade")
PARTY_FIELDS = (
    "role",
    "name",
    "gender",
    "id_number",
    "mobile",
    "address",
    "is_low_income",
    "is_extreme_poverty",
    "is_elderly_sick_disabled",
    "is_veteran",
    "is_poverty_alleviated",
    "is_minor",
    "refused_mediation",
)


def _clean_party_data(data: dict) -> dict:
    cleaned = {field: data[field] for field in PARTY_FIELDS if field in data}
    if "id_number" in cleaned:
        cleaned["id_number"] = normalise_id_number(cleaned["id_number"])
    if "mobile" in cleaned:
        cleaned["mobile"] = normalise_mobile(cleaned["mobile"])
    return cleaned


def _check_sides(roles: Iterable[str]) -> None:
    roles = list(roles)
    if PartyRole.APPLICANT not in roles or PartyRole.RESPONDENT not in roles:
        raise ValidationError(
            {
                "parties": ValidationError(
                    _("纠纷至少需要两方当事人:请至少填写一名申请人和一名被申请人。"),
                    code="parties",
                )
            }
        )


def _full_clean(instance, exclude=()) -> None:
    refuse_control_characters(instance)
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


@transaction.atomic
def case_register(*, by, data: dict, parties: list[dict], note: str = "") -> Case:
    """Register a case with its parties (one form, one transaction). ``note`` is added to
    the registration's history entry, e.g. the file and line a ledger import took it from."""
    _check(by, None, Action.REGISTER)
    area = data["area"]
    _require_within_reach(by, area)
    for field in ("source", "dispute_type"):
        if data.get(field) is not None and not data[field].is_active:
            raise ValidationError(
                {field: _("“%(name)s”已停用,请选择其他选项。") % {"name": data[field]}}
            )
    policy = _policy_for(data["grade"])
    party_rows = [_clean_party_data(p) for p in parties]
    _check_sides(p.get("role") for p in party_rows)

    duplicate = _already_registered(by, data)
    if duplicate is not None:
        raise ValidationError(
            {
                "external_reference": ValidationError(
                    _("来文编号“%(reference)s”已登记为案件 %(number)s。"),
                    code="duplicate_reference",
                    params={"reference": duplicate.external_reference, "number": duplicate.number},
                )
            }
        )
    case = Case(**{field: data[field] for field in CASE_FIELDS if field in data})
    case.created_by = by
    case.level = _handling_level_for(area, policy)
    case.deadline = _deadline(case.received_on, policy)
    case.status = Status.REGISTERED
    # Validate before a number is spent, so a refused form leaves no gap in the sequence.
    _full_clean(
        case, exclude=["number", "numbering_area", "number_year", "number_sequence", "created_by"]
    )
    party_objects = [Party(case=case, **row) for row in party_rows]
    for party in party_objects:
        _full_clean(party, exclude=["case"])

    case.numbering_area = numbering_area_for(area)
    case.number_year = case.received_on.year
    case.number_sequence, case.number = _allocate_number(case.numbering_area, case.number_year)
    case.save()
    for party in party_objects:
        party.case = case
    # One by one, not bulk_create: a bulk insert sends no signal, and the audit trail
    # must record each party (a handful per case).
    for party in party_objects:
        party.save()
    _refresh_search_text(case)
    _record(case, EventKind.REGISTERED, by, note="\n".join(filter(None, (case.title, note))))
    return case


def _already_registered(by, data: dict) -> Case | None:
    """The case this sender already registered under the same reference number, if any."""
    reference = (data.get("external_reference") or "").strip()
    if not reference or not data.get("source"):
        return None
    return Case.objects.filter(
        created_by=by, source=data["source"], external_reference=reference
    ).first()


@dataclass(frozen=True)
class Registration:
    case: Case
    created: bool  # False when this was a retry and the first result is returned


@transaction.atomic
def case_register_once(
    *, by, data: dict, parties: list[dict], idempotency_key: str = ""
) -> Registration:
    """Register a case pushed by another system, which may retry: the same
    ``Idempotency-Key`` (or the sender's own reference number for the same source)
    registers it once and returns the first case every time."""
    key = (idempotency_key or "").strip()
    if len(key) > IdempotencyKey._meta.get_field("key").max_length:
        raise ValidationError(
            {"idempotency_key": _("Idempotency-Key 过长,最多255个字符。")}, code="max_length"
        )
    claim = None
    if key:
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(user=by, key=key)
        except IntegrityError:
            # Another request with this key got there first (PostgreSQL made us wait for
            # it to commit); its case is the answer.
            earlier = IdempotencyKey.objects.select_related("case").get(user=by, key=key)
            return Registration(case=earlier.case, created=False)
    existing = _already_registered(by, data)
    if existing is None:
        try:
            with transaction.atomic():
                case = case_register(by=by, data=data, parties=parties)
        except IntegrityError:
            # A concurrent push of the same reference number won the unique constraint.
            existing = _already_registered(by, data)
            if existing is None:
                raise
    if existing is not None:
        case, created = existing, False
    else:
        created = True
    if claim is not None:
        claim.case = case
        claim.save(update_fields=["case"])
    return Registration(case=case, created=created)


def _field_value_for_history(value):
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


@transaction.atomic
def case_update(*, case: Case, by, data: dict, parties: list[dict] | None = None) -> Case:
    """Correct a case's details and parties; every change goes into the history."""
    case = _lock(case)
    _check(by, case, Action.EDIT)
    changes: dict[str, list[str]] = {}
    for field in EDITABLE_CASE_FIELDS:
        if field not in data:
            continue
        old, new = getattr(case, field), data[field]
        if field == "area" and new != old:
            _require_within_reach(by, new)
        if old != new:
            changes[str(case._meta.get_field(field).verbose_name)] = [
                _field_value_for_history(old),
                _field_value_for_history(new),
            ]
            setattr(case, field, new)
    received_on_label = str(case._meta.get_field("received_on").verbose_name)
    reference = (case.external_reference or "").strip()
    if reference and (
        Case.objects.filter(
            created_by=case.created_by, source=case.source, external_reference=reference
        )
        .exclude(pk=case.pk)
        .exists()
    ):
        # The sender's reference number names one case (a unique constraint); say so
        # rather than fail on the constraint.
        raise ValidationError(
            {
                "external_reference": ValidationError(
                    _("来文编号“%(reference)s”已被该来源的另一案件使用。"),
                    code="duplicate_reference",
                    params={"reference": reference},
                )
            }
        )
    if received_on_label in changes and case.is_pending and case.status != Status.MEDIATING:
        # The time limit runs from registration; a reopened case keeps the deadline it
        # was given when it was reopened.
        case.deadline = _deadline(case.received_on, _policy_for(case.grade))
    _full_clean(case)

    if parties is not None:
        existing = {p.pk: p for p in case.parties.all()}
        roles = []
        to_save = []
        for row in parties:
            cleaned = _clean_party_data(row)
            party = existing.get(row.get("id")) if row.get("id") else Party(case=case)
            if party is None:
                raise ValidationError(_("当事人不属于该案件。"))
            for field, value in cleaned.items():
                old = getattr(party, field)
                if old != value:
                    label = f"{party.name or cleaned.get('name', '')}·{party._meta.get_field(field).verbose_name}"
                    # Personal numbers never go into the history in clear.
                    if field in ("id_number", "mobile"):
                        changes[label] = ["***", "***"]
                    else:
                        changes[label] = [
                            _field_value_for_history(old),
                            _field_value_for_history(value),
                        ]
                    setattr(party, field, value)
            _full_clean(party, exclude=["case"])
            roles.append(party.role)
            to_save.append(party)
        untouched = [p for pk, p in existing.items() if pk not in {r.get("id") for r in parties}]
        _check_sides([*roles, *(p.role for p in untouched)])
        for party in to_save:
            party.save()

    if changes:
        case.save()
        _refresh_search_text(case)
        _record(case, EventKind.EDITED, by, changes=changes)
    return case


# ---------------------------------------------------------------------------
# Intake decisions
# ---------------------------------------------------------------------------


def mediators_available_for(case: Case):
    """Active mediators of the case's town (or district) and of the levels above it."""
    from mediators.models import Mediator

    numbering = case.numbering_area
    return Mediator.objects.active().filter(
        Q(area__path__startswith=numbering.path) | Q(area__code__in=case.area.path_codes)
    )


def organisations_available_for(case: Case):
    """Active organisations of the case's own area and the levels above it."""
    from mediators.models import Organisation

    return Organisation.objects.filter(is_active=True, area__code__in=case.area.path_codes)


def _check_mediators(case: Case, mediators) -> None:
    available = set(mediators_available_for(case).values_list("pk", flat=True))
    if any(m.pk not in available for m in mediators):
        raise ValidationError({"mediators": _("所选调解员不在本辖区或已停用。")})


@transaction.atomic
def case_accept(*, case: Case, by, owner, mediators=(), organisation=None, note: str = "") -> Case:
    """Accept the case (受理) and name who owns it and who mediates."""
    case = _lock(case)
    _check(by, case, Action.ACCEPT)
    if owner is None:
        raise ValidationError({"owner": _("请指定责任人。")})
    if owner.area_id is None or not case.area.is_within(owner.area):
        raise ValidationError({"owner": _("责任人必须是案件所在区域的工作人员。")})
    _check_mediators(case, mediators)
    if (
        organisation is not None
        and not organisations_available_for(case).filter(pk=organisation.pk).exists()
    ):
        raise ValidationError({"organisation": _("所选调解组织不在本辖区或已停用。")})
    previous = _set_status(case, Status.ACCEPTED)
    case.owner = owner
    case.organisation = organisation
    case.save()
    case.mediators.set(mediators)
    _record(
        case,
        EventKind.ACCEPTED,
        by,
        from_status=previous,
        note=note,
        changes={
            _("责任人"): ["", str(owner)],
            _("调解员"): ["", "、".join(m.name for m in mediators)],
        },
    )
    return case


@transaction.atomic
def case_not_accept(*, case: Case, by, reason: str) -> Case:
    case = _lock(case)
    _check(by, case, Action.NOT_ACCEPT)
    reason = _require_reason(reason)
    previous = _set_status(case, Status.NOT_ACCEPTED)
    case.outcome_reason = reason
    case.save()
    _record(case, EventKind.NOT_ACCEPTED, by, from_status=previous, note=reason)
    return case


@transaction.atomic
def case_withdraw(*, case: Case, by, reason: str) -> Case:
    case = _lock(case)
    _check(by, case, Action.WITHDRAW)
    reason = _require_reason(reason)
    previous = _set_status(case, Status.WITHDRAWN)
    case.outcome_reason = reason
    _cancel_pending_escalation(case, by, _("案件撤回,上报撤销。"))
    case.save()
    _record(case, EventKind.WITHDRAWN, by, from_status=previous, note=reason)
    return case


# ---------------------------------------------------------------------------
# Mediation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionOutcome:
    session: MediationSession
    case: Case
    escalation_due: bool  # three failed attempts at this level: time to go up a level


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
    case = _lock(case)
    _check(by, case, Action.RECORD_SESSION)
    if not mediators:
        raise ValidationError({"mediators": _("请选择主持调解的调解员。")})
    _check_mediators(case, mediators)
    if any(p.case_id != case.pk for p in parties_present):
        raise ValidationError({"parties_present": _("到场当事人必须是本案当事人。")})
    if held_at and timezone.localdate(held_at) < case.received_on:
        raise ValidationError({"held_at": _("调解时间不能早于登记日期。")})
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
    _full_clean(session, exclude=["case", "recorded_by", "mediators", "parties_present"])
    session.save()
    session.mediators.set(mediators)
    session.parties_present.set(parties_present)

    previous = _set_status(case, Status.MEDIATING)
    if result == SessionResult.NOT_RESOLVED:
        case.failed_attempts += 1
    case.save()
    _record(
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
    if (
        escalation_due
        and WorkflowPolicy.current().auto_propose_escalation
        and _pending_escalation(case) is None
    ):
        _propose(
            case,
            by,
            _("本级已调解%(count)d次未成,按“三三调处”规则自动提请上报。")
            % {"count": case.failed_attempts},
        )
    return SessionOutcome(session=session, case=case, escalation_due=escalation_due)


@transaction.atomic
def case_change_grade(*, case: Case, by, grade: str, reason: str) -> Case:
    """Re-grade a case (a red case can cool to yellow); kept in history, deadline recomputed."""
    case = _lock(case)
    _check(by, case, Action.CHANGE_GRADE)
    reason = _require_reason(reason)
    if grade == case.grade:
        raise ValidationError({"grade": _("新等级与当前等级相同。")})
    policy = _policy_for(grade)
    GradeChange.objects.create(
        case=case, from_grade=case.grade, to_grade=grade, reason=reason, changed_by=by
    )
    changes = {_("风险等级"): [case.get_grade_display(), ""]}
    case.grade = grade
    changes[_("风险等级")][1] = case.get_grade_display()
    case.deadline = _deadline(case.received_on, policy)
    # A case that becomes more serious goes to the level that handles that grade;
    # one that cools stays where it is.
    raised = _handling_level_for(case.area, policy)
    if LEVEL_SEQUENCE.index(raised) > LEVEL_SEQUENCE.index(HandlingLevel(case.level)):
        changes[_("处置层级")] = [case.get_level_display(), str(raised.label)]
        case.level = raised
        case.failed_attempts = 0
        _cancel_pending_escalation(case, by, _("调整等级后已由更高层级处置。"))
    case.save()
    _record(case, EventKind.GRADE_CHANGED, by, note=reason, changes=changes)
    return case


@transaction.atomic
def escalation_propose(*, case: Case, by, reason: str) -> Escalation:
    case = _lock(case)
    _check(by, case, Action.ESCALATE)
    reason = _require_reason(reason)
    return _propose(case, by, reason)


def escalation_receivers(case: Case, to_level: str):
    """Who answers an escalation to ``to_level``: the village secretary for the village,
    the clerks and supervisors of the town or district above."""
    roles = {
        HandlingLevel.VILLAGE: [Role.VILLAGE_SECRETARY],
        HandlingLevel.TOWN: [Role.CLERK, Role.SUPERVISOR],
        HandlingLevel.DISTRICT: [Role.CLERK, Role.SUPERVISOR],
    }[HandlingLevel(to_level)]
    return User.objects.filter(
        is_active=True,
        role__in=roles,
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
        raise WorkflowError(_("案件已提请上报,正在等待上级接收。")) from None
    _record(
        case,
        EventKind.ESCALATION_PROPOSED,
        by,
        note=reason,
        changes={_("上报至"): [case.get_level_display(), str(HandlingLevel(target).label)]},
    )
    # The receiving level's inbox hears of it in the same transaction: nothing to lose.
    for receiver in escalation_receivers(case, target):
        notify(
            recipient=receiver,
            kind=NotificationKind.ESCALATION,
            case=case,
            title=_("案件 %(number)s 提请上报至%(level)s,等待接收")
            % {"number": case.number, "level": HandlingLevel(target).label},
            body=reason,
            link=f"/cases/{case.pk}/",
            dedupe_key=f"escalation:{escalation.pk}:{receiver.pk}",
        )
    return escalation


@transaction.atomic
def escalation_decide(*, case: Case, by, accept: bool, note: str = "") -> Escalation:
    """The receiving level accepts the case (it moves up) or returns it with a reason."""
    case = _lock(case)
    _check(by, case, Action.DECIDE_ESCALATION)
    escalation = (
        Escalation.objects.select_for_update()
        .filter(case=case, status=EscalationStatus.PROPOSED)
        .first()
    )
    if escalation is None:
        raise WorkflowError(_("该案件没有待接收的上报。"))
    if not accept:
        note = _require_reason(note, "note")
    elif LEVEL_SEQUENCE.index(HandlingLevel(escalation.to_level)) <= LEVEL_SEQUENCE.index(
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
        previous = _set_status(case, Status.ACCEPTED)
        case.level = escalation.to_level
        case.failed_attempts = 0
        case.owner = by
        case.save()
        _record(
            case,
            EventKind.ESCALATION_ACCEPTED,
            by,
            from_status=previous if previous != Status.ACCEPTED else "",
            note=note,
            changes={_("处置层级"): [previous_level, case.get_level_display()]},
        )
    else:
        _record(case, EventKind.ESCALATION_RETURNED, by, note=note)
    return escalation


# ---------------------------------------------------------------------------
# Agreement and performance
# ---------------------------------------------------------------------------

AGREEMENT_FIELDS = (
    "form",
    "reached_on",
    "facts",
    "terms",
    "performance_method",
    "performance_due_on",
    "amount",
    "parties_signed",
    "mediator_signed",
    "sealed",
    "signed_on",
    "rebound_risk",
)
AGREEMENT_UPDATE_FIELDS = (
    "parties_signed",
    "mediator_signed",
    "sealed",
    "signed_on",
    "judicial_confirmation",
    "judicial_confirmation_on",
    "performance",
    "performance_note",
)


def _apply_effect(agreement: Agreement) -> None:
    """Arts. 28-29: an oral agreement takes effect when reached; a written one when every
    party and the mediator have signed and the committee's seal is on it."""
    if agreement.form == AgreementForm.ORAL:
        agreement.effective_on = agreement.reached_on
        return
    complete = agreement.parties_signed and agreement.mediator_signed and agreement.sealed
    if complete and not agreement.signed_on:
        raise ValidationError({"signed_on": _("各方已签名盖章时,请填写签署日期。")})
    if agreement.signed_on and agreement.reached_on and agreement.signed_on < agreement.reached_on:
        raise ValidationError({"signed_on": _("签署日期不能早于达成日期。")})
    agreement.effective_on = agreement.signed_on if complete else None


def _validate_agreement(agreement: Agreement, case: Case) -> None:
    if agreement.reached_on and agreement.reached_on < case.received_on:
        raise ValidationError({"reached_on": _("达成日期不能早于登记日期。")})
    if (
        agreement.performance_due_on
        and agreement.reached_on
        and agreement.performance_due_on < agreement.reached_on
    ):
        raise ValidationError({"performance_due_on": _("履行期限不能早于达成日期。")})
    if agreement.judicial_confirmation != "not_applied" and agreement.effective_on is None:
        raise ValidationError({"judicial_confirmation": _("协议生效后才能申请司法确认。")})
    if (
        agreement.judicial_confirmation_on
        and agreement.effective_on
        and (agreement.judicial_confirmation_on < agreement.effective_on)
    ):
        raise ValidationError({"judicial_confirmation_on": _("司法确认日期不能早于协议生效日期。")})


@transaction.atomic
def agreement_record(*, case: Case, by, data: dict) -> Agreement:
    """An agreement was reached: the case becomes 调解成功."""
    case = _lock(case)
    _check(by, case, Action.RECORD_AGREEMENT)
    agreement = Agreement(
        case=case, recorded_by=by, **{f: data[f] for f in AGREEMENT_FIELDS if f in data}
    )
    _apply_effect(agreement)
    _validate_agreement(agreement, case)
    _full_clean(agreement, exclude=["case", "recorded_by"])
    agreement.save()
    previous = _set_status(case, Status.RESOLVED)
    case.save()
    _record(case, EventKind.AGREEMENT, by, from_status=previous, note=agreement.get_form_display())
    followups.schedule_after_agreement(case, rebound_risk=agreement.rebound_risk, at=timezone.now())
    return agreement


@transaction.atomic
def agreement_update(*, case: Case, by, data: dict) -> Agreement:
    """Signatures, judicial confirmation and performance, as they happen after the agreement."""
    case = _lock(case)
    _check(by, case, Action.RECORD_PERFORMANCE)
    agreement = Agreement.objects.select_for_update().get(case=case, superseded_at__isnull=True)
    changes = {}
    for field in AGREEMENT_UPDATE_FIELDS:
        if field in data and getattr(agreement, field) != data[field]:
            before = _display(agreement, field)
            setattr(agreement, field, data[field])
            label = str(agreement._meta.get_field(field).verbose_name)
            changes[label] = [before, _display(agreement, field)]
    _apply_effect(agreement)
    _validate_agreement(agreement, case)
    _full_clean(agreement, exclude=["case", "recorded_by"])
    agreement.save()
    if changes:
        _record(case, EventKind.PERFORMANCE, by, changes=changes)
    return agreement


def _display(instance, field_name: str) -> str:
    getter = getattr(instance, f"get_{field_name}_display", None)
    if getter is not None:
        return str(getter())
    value = getattr(instance, field_name)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return _field_value_for_history(value)


# ---------------------------------------------------------------------------
# Follow-ups, failure, closing, voiding
# ---------------------------------------------------------------------------

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
    case = _lock(case)
    _check(by, case, Action.RECORD_FOLLOW_UP)
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
    _full_clean(follow_up, exclude=["case", "done_by"])
    follow_up.save()
    _record(
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
            visit.save(update_fields=["cancelled_at"])
        previous = _set_status(case, Status.MEDIATING)
        case.deadline = _deadline(timezone.localdate(), _policy_for(case.grade))
        case.closed_at = None
        case.save()
        _record(case, EventKind.REOPENED, by, from_status=previous, note=_("回访发现纠纷再次激化"))
    return follow_up


@transaction.atomic
def case_fail(
    *, case: Case, by, failure_reason: str, routes_explained: bool, note: str = ""
) -> Case:
    """Mediation ends without agreement (art. 26: tell the parties the other routes)."""
    case = _lock(case)
    _check(by, case, Action.FAIL)
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
    previous = _set_status(case, Status.FAILED)
    case.failure_reason = failure_reason
    case.routes_explained = True
    case.outcome_reason = (note or "").strip()
    refuse_control_characters(values={"note": case.outcome_reason})
    _cancel_pending_escalation(case, by, _("调解不成,上报撤销。"))
    case.save()
    _record(
        case, EventKind.FAILED, by, from_status=previous, note=case.get_failure_reason_display()
    )
    return case


@transaction.atomic
def case_close(*, case: Case, by, note: str = "") -> Case:
    """Cross the case off (销号)."""
    case = _lock(case)
    _check(by, case, Action.CLOSE)
    previous = _set_status(case, Status.CLOSED)
    case.closed_at = timezone.now()
    case.save()
    _record(case, EventKind.CLOSED, by, from_status=previous, note=(note or "").strip())
    return case


@transaction.atomic
def case_void(*, case: Case, by, reason: str) -> Case:
    """A case is evidence and is never deleted: a mistaken one is voided with a reason."""
    case = _lock(case)
    _check(by, case, Action.VOID)
    reason = _require_reason(reason)
    previous = _set_status(case, Status.VOIDED)
    case.void_reason = reason
    case.voided_at = timezone.now()
    _cancel_pending_escalation(case, by, _("案件作废,上报撤销。"))
    case.save()
    _record(case, EventKind.VOIDED, by, from_status=previous, note=reason)
    return case


def personal_data_reveal(*, party: Party, by, action: Action) -> str:
    """Return a party's full ID number or mobile for a role that needs it, and log the look."""
    if action not in (Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE):
        raise ValueError(action)
    _check(by, party.case, action)
    field = "id_number" if action == Action.REVEAL_ID_NUMBER else "mobile"
    PersonalDataAccess.objects.create(user=by, party=party, field=field)
    return getattr(party, field)
