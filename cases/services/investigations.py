"""Investigations (人民调解调查记录, People's Mediation Law art. 22): recorded like the
sessions, by the same people, while the case is being mediated."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, EventKind, Investigation
from cases.policy import Action
from cases.services.intake import check_mediators
from cases.workflow import (
    check_allowed,
    lock_case,
    record_event,
    refuse_before_registration,
    validate_instance,
)

# What recording an investigation reads (``investigation_record``'s arguments): the
# form, the serializer and the step take their fields from here.
INVESTIGATION_FIELDS = (
    "held_at",
    "place",
    "interviewee_name",
    "interviewee_relation",
    "investigators",
    "content",
)


@transaction.atomic
def investigation_record(
    *,
    case: Case,
    by,
    held_at: datetime.datetime,
    place: str,
    interviewee_name: str,
    interviewee_relation: str,
    content: str,
    investigators=(),
) -> Investigation:
    """Record who was asked, where and when, and what they said or what was found. The
    case's status does not change: an investigation prepares a session, it is not one."""
    case = lock_case(case)
    check_allowed(by, case, Action.RECORD_INVESTIGATION)
    if not investigators:
        raise ValidationError({"investigators": _("请选择进行调查的调解员。")})
    check_mediators(case, investigators, field="investigators")
    refuse_before_registration(case, held_at, "held_at", _("调查时间不能早于登记日期。"))
    investigation = Investigation(
        case=case,
        held_at=held_at,
        place=(place or "").strip(),
        interviewee_name=(interviewee_name or "").strip(),
        interviewee_relation=(interviewee_relation or "").strip(),
        content=(content or "").strip(),
        recorded_by=by,
    )
    validate_instance(investigation, exclude=["case", "recorded_by", "investigators"])
    investigation.save()
    investigation.investigators.set(investigators)
    record_event(
        case,
        EventKind.INVESTIGATION,
        by,
        note=(
            f"{investigation.interviewee_name}({investigation.interviewee_relation}):"
            f"{investigation.content[:200]}"
        ),
    )
    return investigation
