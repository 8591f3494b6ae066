"""Escalation (DOMAIN §4): proposing to the next level up, who may accept or return it,
and what an accepted escalation does to the case."""

import contextlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    Escalation,
    EscalationStatus,
    EventKind,
    Grade,
    HandlingLevel,
    SessionResult,
    Status,
)
from cases.policy import Action
from tests.builders import (
    failed_three_times_at_grid,
    mediating_case,
    record_session,
    refresh,
)
from tests.cases.helpers import kinds, refused, row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


def test_proposing_an_escalation_asks_the_next_level_up_and_records_it(world):
    case = failed_three_times_at_grid(world)

    escalation = services.escalation_propose(
        case=case, by=world.grid_member_a, reason="三次调解未成"
    )

    assert (escalation.from_level, escalation.to_level) == (
        HandlingLevel.GRID,
        HandlingLevel.VILLAGE,
    )
    assert escalation.status == EscalationStatus.PROPOSED
    assert escalation.proposed_by == world.grid_member_a
    event = CaseEvent.objects.get(case=case, kind=EventKind.ESCALATION_PROPOSED)
    assert event.actor == world.grid_member_a
    assert event.note == "三次调解未成"
    assert event.changes == {"上报至": ["网格", "村(社区)"]}
    assert refresh(case).level == HandlingLevel.GRID


def test_a_second_escalation_while_one_is_pending_is_refused(world):
    case = failed_three_times_at_grid(world)
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")

    error = refused(
        lambda: services.escalation_propose(case=case, by=world.secretary_a, reason="再次上报")
    )

    assert error.messages == ["案件已提级调处,正在等待上级接收。"]
    assert Escalation.objects.filter(case=case).count() == 1


def test_an_escalation_needs_a_reason(world):
    case = failed_three_times_at_grid(world)

    with pytest.raises(ValidationError) as excinfo:
        services.escalation_propose(case=case, by=world.grid_member_a, reason="  ")

    assert excinfo.value.message_dict == {"reason": ["请填写原因。"]}
    assert not Escalation.objects.exists()


def test_the_village_secretary_accepts_a_grid_to_village_escalation(world):
    case = failed_three_times_at_grid(world)
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")

    escalation = services.escalation_decide(
        case=case, by=world.secretary_a, accept=True, note="村调委会接手"
    )

    assert escalation.status == EscalationStatus.ACCEPTED
    assert escalation.decided_by == world.secretary_a
    assert escalation.decided_at is not None
    case = refresh(case)
    assert case.level == HandlingLevel.VILLAGE
    assert case.failed_attempts == 0
    assert case.status == Status.ACCEPTED
    assert case.owner == world.secretary_a
    event = CaseEvent.objects.get(case=case, kind=EventKind.ESCALATION_ACCEPTED)
    assert (event.from_status, event.to_status) == (Status.MEDIATING, Status.ACCEPTED)
    assert event.actor == world.secretary_a
    assert event.changes == {"处置层级": ["网格", "村(社区)"]}
    assert kinds(case)[-2:] == [EventKind.ESCALATION_PROPOSED, EventKind.ESCALATION_ACCEPTED]


def test_after_escalation_three_new_failures_are_needed_at_the_new_level(world):
    case = failed_three_times_at_grid(world)
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")
    services.escalation_decide(case=case, by=world.secretary_a, accept=True)

    first = record_session(case, world.secretary_a, [world.mediator_a], SessionResult.NOT_RESOLVED)

    assert first.case.failed_attempts == 1
    assert first.escalation_due is False
    assert first.session.level == HandlingLevel.VILLAGE


def _village_case_up_for_town(world) -> Case:
    case = mediating_case(world)
    services.escalation_propose(case=case, by=world.secretary_a, reason="村级无法化解")
    return refresh(case)


def test_a_village_secretary_may_not_accept_a_village_to_town_escalation(world):
    case = _village_case_up_for_town(world)
    counts = row_counts()

    with pytest.raises(PermissionDenied) as excinfo:
        services.escalation_decide(case=case, by=world.secretary_a, accept=True)

    assert str(excinfo.value) == "您没有权限接收/退回上报。"
    assert Escalation.objects.get(case=case).status == EscalationStatus.PROPOSED
    assert refresh(case).level == HandlingLevel.VILLAGE
    assert row_counts() == counts


@pytest.mark.parametrize("username", ["supervisor_a", "clerk_a", "supervisor_d"])
def test_the_town_or_anyone_above_accepts_a_village_to_town_escalation(world, username):
    user = {
        "supervisor_a": world.supervisor_a,
        "clerk_a": world.clerk_a,
        "supervisor_d": world.supervisor_district,
    }[username]
    case = _village_case_up_for_town(world)

    services.escalation_decide(case=case, by=user, accept=True, note="镇综治中心接收")

    case = refresh(case)
    assert case.level == HandlingLevel.TOWN
    assert case.owner == user
    assert case.status == Status.ACCEPTED
    assert Escalation.objects.get(case=case).decided_by == user


@pytest.mark.parametrize("username", ["grid_a", "mediator_a"])
def test_grid_members_and_mediators_may_not_decide_escalations(world, username):
    user = {"grid_a": world.grid_member_a, "mediator_a": world.mediator_user_a}[username]
    case = _village_case_up_for_town(world)

    with pytest.raises(PermissionDenied):
        services.escalation_decide(case=case, by=user, accept=True)

    assert Escalation.objects.get(case=case).status == EscalationStatus.PROPOSED


def test_a_town_supervisor_may_not_accept_an_escalation_to_the_district(world):
    case = _village_case_up_for_town(world)
    services.escalation_decide(case=case, by=world.supervisor_a, accept=True)
    services.escalation_propose(case=case, by=world.clerk_a, reason="镇级无法化解")

    with pytest.raises(PermissionDenied):
        services.escalation_decide(case=case, by=world.supervisor_a, accept=True)

    services.escalation_decide(case=case, by=world.supervisor_district, accept=True)
    assert refresh(case).level == HandlingLevel.DISTRICT


def test_returning_an_escalation_requires_a_note(world):
    case = _village_case_up_for_town(world)
    counts = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        services.escalation_decide(case=case, by=world.supervisor_a, accept=False, note=" ")

    assert excinfo.value.message_dict == {"note": ["请填写原因。"]}
    assert Escalation.objects.get(case=case).status == EscalationStatus.PROPOSED
    assert row_counts() == counts


def test_a_returned_escalation_leaves_the_case_where_it_was_and_may_be_proposed_again(world):
    case = _village_case_up_for_town(world)

    escalation = services.escalation_decide(
        case=case, by=world.supervisor_a, accept=False, note="请村里再组织一次坝坝会"
    )

    assert escalation.status == EscalationStatus.RETURNED
    assert escalation.decision_note == "请村里再组织一次坝坝会"
    case = refresh(case)
    assert case.level == HandlingLevel.VILLAGE
    assert case.status == Status.MEDIATING
    event = CaseEvent.objects.get(case=case, kind=EventKind.ESCALATION_RETURNED)
    assert event.note == "请村里再组织一次坝坝会"
    assert event.actor == world.supervisor_a

    services.escalation_propose(case=case, by=world.secretary_a, reason="仍无法化解")
    assert Escalation.objects.filter(case=case, status=EscalationStatus.PROPOSED).count() == 1


def test_deciding_without_a_pending_escalation_is_denied(world):
    case = mediating_case(world)

    with pytest.raises(PermissionDenied):
        services.escalation_decide(case=case, by=world.supervisor_a, accept=True)
    assert services.workflow_refusal(case, Action.DECIDE_ESCALATION) == ("该案件没有待接收的上报。")


def test_accepting_a_stale_escalation_never_moves_the_case_below_its_current_level(world):
    case = failed_three_times_at_grid(world)
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")
    services.case_change_grade(
        case=case, by=world.supervisor_a, grade=Grade.RED, reason="出现民转刑苗头"
    )
    assert refresh(case).level == HandlingLevel.TOWN

    with contextlib.suppress(ValidationError, PermissionDenied):
        services.escalation_decide(case=case, by=world.secretary_a, accept=True)

    assert refresh(case).level == HandlingLevel.TOWN
