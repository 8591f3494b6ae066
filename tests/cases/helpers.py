"""Steps of the workflow, done through the services, for the case tests."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import (
    Agreement,
    AgreementForm,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Escalation,
    FollowUp,
    FollowUpKind,
    GradeChange,
    MediationSession,
    Method,
    Party,
    PersonalDataAccess,
    Place,
    SessionResult,
)
from tests.factories import register_case


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


def row_counts() -> dict[str, int]:
    """How many rows each case table holds, to show a refused step wrote nothing."""
    models = (
        Case,
        Party,
        CaseEvent,
        CaseNumberCounter,
        MediationSession,
        Agreement,
        Escalation,
        GradeChange,
        FollowUp,
        PersonalDataAccess,
    )
    return {model.__name__: model.objects.count() for model in models}


def timeline(case: Case) -> list[tuple[str, str, str, str]]:
    """(kind, from status, to status, actor's username) of every event, oldest first."""
    return list(
        CaseEvent.objects.filter(case=case)
        .order_by("at", "id")
        .values_list("kind", "from_status", "to_status", "actor__username")
    )


def kinds(case: Case) -> list[str]:
    return [row[0] for row in timeline(case)]


def accept(case: Case, by, *, owner=None, mediators=None) -> Case:
    return services.case_accept(
        case=case,
        by=by,
        owner=owner or by,
        mediators=mediators if mediators is not None else [],
        note="受理",
    )


def session(
    case: Case,
    by,
    mediator,
    result: str = SessionResult.CONTINUE,
    held_at: datetime.datetime | None = None,
):
    return services.session_record(
        case=case,
        by=by,
        held_at=held_at or timezone.now(),
        place=Place.MEDIATION_ROOM,
        method=Method.FACE_TO_FACE,
        content="双方陈述意见,调解员释法说理。",
        result=result,
        mediators=[mediator],
    )


def oral_agreement(**overrides) -> dict:
    data = {
        "form": AgreementForm.ORAL,
        "reached_on": timezone.localdate(),
        "facts": "双方因院墙边界发生争执。",
        "terms": "李四于十日内拆除越界院墙。",
    }
    data.update(overrides)
    return data


def written_agreement(**overrides) -> dict:
    return oral_agreement(form=AgreementForm.WRITTEN, **overrides)


def signatures(signed_on: datetime.date | None = None) -> dict:
    return {
        "parties_signed": True,
        "mediator_signed": True,
        "sealed": True,
        "signed_on": signed_on or timezone.localdate(),
    }


def follow_up(**overrides) -> dict:
    data = {
        "kind": FollowUpKind.PHONE,
        "done_at": timezone.now(),
        "performance": "yes",
        "satisfaction": "satisfied",
        "notes": "电话回访,双方表示满意。",
    }
    data.update(overrides)
    return data


def accepted_case(world, area=None, **overrides) -> Case:
    case = register_case(world.secretary_a, area or world.village_a, **overrides)
    return accept(case, world.secretary_a, mediators=[world.mediator_a])


def mediating_case(world, area=None, **overrides) -> Case:
    case = accepted_case(world, area, **overrides)
    return session(case, world.secretary_a, world.mediator_a).case


def resolved_case(world, agreement: dict | None = None, **overrides) -> Case:
    case = mediating_case(world, **overrides)
    services.agreement_record(case=case, by=world.secretary_a, data=agreement or oral_agreement())
    return refresh(case)
