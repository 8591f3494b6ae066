"""Reading back what the case services wrote, and their refusals, for the case tests.
Cases in a given state come from tests/builders.py."""

import datetime

import pytest

from cases.models import (
    Agreement,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Escalation,
    FollowUp,
    GradeChange,
    Investigation,
    MediationSession,
    Party,
    PersonalDataAccess,
    Refusal,
)
from cases.services import WorkflowError


def row_counts() -> dict[str, int]:
    """How many rows each case table holds, to show a refused step wrote nothing."""
    models = (
        Case,
        Party,
        CaseEvent,
        CaseNumberCounter,
        MediationSession,
        Investigation,
        Agreement,
        Escalation,
        GradeChange,
        FollowUp,
        PersonalDataAccess,
        Refusal,
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


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def refused(call) -> WorkflowError:
    """The refusal ``call`` meets because of the case's state (``WorkflowError``)."""
    with pytest.raises(WorkflowError) as excinfo:
        call()
    return excinfo.value
