"""Taking a case in or not (DOMAIN §4): accepting with an owner and mediators within
reach, not accepting and withdrawing with a reason."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import (
    CaseEvent,
    EventKind,
    Status,
)
from tests.builders import (
    accept,
    accepted_case,
    mediating_case,
    refresh,
)
from tests.cases.helpers import timeline
from tests.factories import register_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


# ---------------------------------------------------------------------------
# Accepting
# ---------------------------------------------------------------------------


def test_accepting_records_the_owner_and_mediators_on_the_timeline(world):
    case = accepted_case(world)

    event = CaseEvent.objects.get(case=case, kind=EventKind.ACCEPTED)
    assert event.changes == {
        "受理日期": ["", case.accepted_on.isoformat()],
        "责任人": ["", str(world.secretary_a)],
        "调解员": ["", "宝大叔"],
        "调解组织": ["", "枫源村人民调解委员会"],
    }
    assert event.note == "受理"


# ---------------------------------------------------------------------------
# Not accepted, withdrawn
# ---------------------------------------------------------------------------


def test_not_accepting_needs_a_reason_and_records_it(world):
    case = register_case(world.secretary_a)

    with pytest.raises(ValidationError):
        services.case_not_accept(case=case, by=world.secretary_a, reason="")
    assert refresh(case).status == Status.REGISTERED

    services.case_not_accept(case=case, by=world.secretary_a, reason="已进入诉讼程序")

    case = refresh(case)
    assert case.status == Status.NOT_ACCEPTED
    assert case.outcome_reason == "已进入诉讼程序"
    assert timeline(case)[-1] == (
        EventKind.NOT_ACCEPTED,
        Status.REGISTERED,
        Status.NOT_ACCEPTED,
        "secretary_a",
    )


def test_a_case_being_mediated_can_be_withdrawn_with_a_reason(world):
    case = mediating_case(world)

    services.case_withdraw(case=case, by=world.secretary_a, reason="双方自行和解")

    case = refresh(case)
    assert case.status == Status.WITHDRAWN
    assert timeline(case)[-1][:3] == (EventKind.WITHDRAWN, Status.MEDIATING, Status.WITHDRAWN)


# ---------------------------------------------------------------------------
# Who may be the owner and the mediators
# ---------------------------------------------------------------------------


def test_the_owner_must_work_in_the_cases_area(world):
    case = register_case(world.secretary_a)

    with pytest.raises(ValidationError) as excinfo:
        accept(case, world.secretary_a, owner=world.secretary_b)

    assert excinfo.value.message_dict == {"owner": ["责任人必须是案件所在区域的工作人员。"]}
    assert refresh(case).status == Status.REGISTERED


def test_a_mediator_from_another_town_cannot_be_assigned(world):
    case = register_case(world.secretary_a)

    with pytest.raises(ValidationError) as excinfo:
        accept(case, world.secretary_a, mediators=[world.mediator_b])

    assert excinfo.value.message_dict == {"mediators": ["所选调解员不在本辖区或已停用。"]}
    assert refresh(case).status == Status.REGISTERED
    assert not refresh(case).mediators.exists()
