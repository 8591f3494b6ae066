"""Each workflow step a page or the API offers, as the one call of its service that both
doors make with their cleaned input (a form's ``cleaned_data`` or a serializer's
``validated_data``). A door only adds how it reads the input and how it answers."""

from collections.abc import Callable
from typing import Any

from cases import services
from cases.models import Case
from cases.policy import Action

Perform = Callable[[Case, Any, dict], Any]

# What recording a mediation session reads (``services.session_record``'s arguments).
SESSION_FIELDS = (
    "held_at",
    "place",
    "place_detail",
    "method",
    "mediators",
    "parties_present",
    "content",
    "result",
)


def _accept(case, by, data):
    return services.case_accept(
        case=case,
        by=by,
        owner=data["owner"],
        mediators=list(data.get("mediators", [])),
        organisation=data.get("organisation"),
        note=data.get("note", ""),
        accepted_on=data.get("accepted_on"),
    )


def _record_session(case, by, data):
    return services.session_record(
        case=case,
        by=by,
        held_at=data["held_at"],
        place=data["place"],
        place_detail=data.get("place_detail", ""),
        method=data["method"],
        content=data["content"],
        result=data["result"],
        mediators=list(data["mediators"]),
        parties_present=list(data.get("parties_present", [])),
    )


def _record_investigation(case, by, data):
    return services.investigation_record(
        case=case,
        by=by,
        held_at=data["held_at"],
        place=data["place"],
        interviewee_name=data["interviewee_name"],
        interviewee_relation=data["interviewee_relation"],
        content=data["content"],
        investigators=list(data.get("investigators", [])),
    )


def _fail(case, by, data):
    return services.case_fail(
        case=case,
        by=by,
        failure_reason=data["failure_reason"],
        routes_explained=data["routes_explained"],
        note=data.get("note", ""),
        party=data.get("party"),
        refused_on=data.get("refused_on"),
    )


def _record_refusal(case, by, data):
    return services.case_record_refusal(
        case=case,
        by=by,
        party=data.get("party"),
        refused_on=data.get("refused_on"),
        note=data.get("note", ""),
        routes_explained=data["routes_explained"],
    )


def _resolve_otherwise(case, by, data):
    return services.case_resolve_otherwise(
        case=case,
        by=by,
        means=data["means"],
        means_detail=data.get("means_detail", ""),
        action_taken=data.get("action_taken", ""),
        department=data.get("department", ""),
        resolved_on=data.get("resolved_on"),
        note=data.get("note", ""),
    )


STEPS: dict[Action, Perform] = {
    Action.ACCEPT: _accept,
    Action.NOT_ACCEPT: lambda case, by, data: services.case_not_accept(
        case=case, by=by, reason=data["reason"]
    ),
    Action.WITHDRAW: lambda case, by, data: services.case_withdraw(
        case=case, by=by, reason=data["reason"]
    ),
    Action.RECORD_SESSION: _record_session,
    Action.RECORD_INVESTIGATION: _record_investigation,
    Action.CHANGE_GRADE: lambda case, by, data: services.case_change_grade(
        case=case, by=by, grade=data["grade"], reason=data["reason"]
    ),
    Action.ESCALATE: lambda case, by, data: services.escalation_propose(
        case=case, by=by, reason=data["reason"]
    ),
    Action.DECIDE_ESCALATION: lambda case, by, data: services.escalation_decide(
        case=case, by=by, accept=data["accept"], note=data.get("note", "")
    ),
    Action.RECORD_AGREEMENT: lambda case, by, data: services.agreement_record(
        case=case, by=by, data=data
    ),
    Action.SIGN_AGREEMENT: lambda case, by, data: services.agreement_sign(
        case=case, by=by, data=data
    ),
    Action.RECORD_PERFORMANCE: lambda case, by, data: services.agreement_update(
        case=case, by=by, data=data
    ),
    Action.RECORD_FOLLOW_UP: lambda case, by, data: services.follow_up_record(
        case=case, by=by, data=data
    ),
    Action.FAIL: _fail,
    Action.RESOLVE_OTHERWISE: _resolve_otherwise,
    Action.RECORD_REFUSAL: _record_refusal,
    Action.WAIVE_FOLLOW_UP: lambda case, by, data: services.follow_up_waive(
        case=case, by=by, follow_up=data.get("follow_up"), reason=data.get("reason", "")
    ),
    Action.CLOSE: lambda case, by, data: services.case_close(
        case=case, by=by, note=data.get("note", "")
    ),
    Action.VOID: lambda case, by, data: services.case_void(case=case, by=by, reason=data["reason"]),
    Action.EXTEND_TERM: lambda case, by, data: services.case_extend_term(
        case=case,
        by=by,
        days=data.get("days"),
        reason=data.get("reason", ""),
        parties_consented=data.get("parties_consented", False),
    ),
    Action.EXTEND_PETITION: lambda case, by, data: services.petition_extend(
        case=case, by=by, days=data.get("days"), reason=data.get("reason", "")
    ),
}


def step_perform(step: Action, *, case: Case, by, data: dict):
    """Take ``step`` on ``case``: what the service returns, or its ValidationError."""
    return STEPS[step](case, by, data)
