"""Mediation sessions (DOMAIN §4): what a session needs, the three-three rule that
makes escalation due, and who may record a session at which level."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from cases import services
from cases.models import (
    CaseEvent,
    Escalation,
    EventKind,
    HandlingLevel,
    MediationSession,
    SessionResult,
    Status,
    WorkflowPolicy,
)
from cases.policy import Action
from tests.builders import (
    accept,
    accepted_case,
    accepted_grid_case,
    failed_three_times_at_grid,
    record_session,
    refresh,
    today,
)
from tests.cases.helpers import days, row_counts, timeline
from tests.factories import UserFactory, register_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


# ---------------------------------------------------------------------------
# Sessions and the three-three rule
# ---------------------------------------------------------------------------


def test_three_failed_sessions_at_one_level_make_escalation_due(world):
    case = accepted_case(world)

    outcomes = [
        record_session(case, world.secretary_a, [world.mediator_a], SessionResult.NOT_RESOLVED)
        for _ in range(3)
    ]

    assert [o.case.failed_attempts for o in outcomes] == [1, 2, 3]
    assert [o.escalation_due for o in outcomes] == [False, False, True]
    assert refresh(case).failed_attempts == 3
    assert MediationSession.objects.filter(case=case).count() == 3


def test_with_the_policy_off_sessions_that_continue_or_resolve_do_not_count_as_failed_attempts(
    world,
):
    set_policy(continuing_session_counts_as_failed=False)
    case = accepted_case(world)
    record_session(case, world.secretary_a, [world.mediator_a], SessionResult.NOT_RESOLVED)
    record_session(case, world.secretary_a, [world.mediator_a], SessionResult.CONTINUE)
    outcome = record_session(case, world.secretary_a, [world.mediator_a], SessionResult.RESOLVED)

    assert outcome.case.failed_attempts == 1
    assert outcome.escalation_due is False


def set_policy(**fields) -> WorkflowPolicy:
    WorkflowPolicy.objects.filter(pk=WorkflowPolicy.current().pk).update(**fields)
    return WorkflowPolicy.current()


def test_the_default_policy_counts_a_continuing_session_as_a_failed_attempt(world):
    WorkflowPolicy.objects.all().delete()
    case = accepted_case(world)

    outcome = record_session(case, world.secretary_a, [world.mediator_a], SessionResult.CONTINUE)

    assert WorkflowPolicy.current().continuing_session_counts_as_failed is True
    assert outcome.case.failed_attempts == 1
    assert refresh(case).failed_attempts == 1


@pytest.mark.parametrize(
    ("counts_continuing", "result", "counts"),
    [
        (True, SessionResult.NOT_RESOLVED, True),
        (True, SessionResult.CONTINUE, True),
        (True, SessionResult.RESOLVED, False),
        (False, SessionResult.NOT_RESOLVED, True),
        (False, SessionResult.CONTINUE, False),
        (False, SessionResult.RESOLVED, False),
    ],
)
def test_a_session_counts_as_a_failed_attempt_by_its_result_and_the_policy(
    db, counts_continuing, result, counts
):
    policy = set_policy(continuing_session_counts_as_failed=counts_continuing)

    assert services.counts_as_failed_attempt(result, policy) is counts
    assert services.counts_as_failed_attempt(result) is counts


def _three_sessions_with_automatic_escalation(world, result):
    set_policy(auto_propose_escalation=True)
    case = accepted_case(world)
    outcomes = [
        record_session(case, world.secretary_a, [world.mediator_a], result) for _ in range(3)
    ]
    escalations = [
        (e.from_level, e.to_level, e.status, e.reason, e.proposed_by)
        for e in Escalation.objects.filter(case=case)
    ]
    events = list(
        CaseEvent.objects.filter(case=case, kind=EventKind.ESCALATION_PROPOSED).values_list(
            "note", "changes"
        )
    )
    return outcomes, escalations, events


def test_by_default_the_third_continuing_session_proposes_escalation_like_a_third_failure(
    world,
):
    continuing = _three_sessions_with_automatic_escalation(world, SessionResult.CONTINUE)
    failing = _three_sessions_with_automatic_escalation(world, SessionResult.NOT_RESOLVED)

    for outcomes, escalations, events in (continuing, failing):
        assert [o.case.failed_attempts for o in outcomes] == [1, 2, 3]
        assert [o.escalation_due for o in outcomes] == [False, False, True]
        assert escalations == [
            (
                HandlingLevel.VILLAGE,
                HandlingLevel.TOWN,
                "proposed",
                "本级已调解3次未成,按“三三调处”规则自动提级调处。",
                world.secretary_a,
            )
        ]
        assert events == [
            (
                "本级已调解3次未成,按“三三调处”规则自动提级调处。",
                {"上报至": ["村(社区)", "乡镇(街道)"]},
            )
        ]
    assert continuing[1:] == failing[1:]


def test_with_the_policy_off_three_continuing_sessions_count_nothing_and_propose_nothing(world):
    set_policy(continuing_session_counts_as_failed=False, auto_propose_escalation=True)
    case = accepted_case(world)

    outcomes = [
        record_session(case, world.secretary_a, [world.mediator_a], SessionResult.CONTINUE)
        for _ in range(3)
    ]

    assert [o.case.failed_attempts for o in outcomes] == [0, 0, 0]
    assert [o.escalation_due for o in outcomes] == [False, False, False]
    assert not Escalation.objects.filter(case=case).exists()


def test_continuing_sessions_are_counted_per_level_and_start_again_after_escalation(world):
    case = accepted_grid_case(world)
    for _ in range(3):
        record_session(case, world.grid_member_a, [world.mediator_a], SessionResult.CONTINUE)
    assert refresh(case).failed_attempts == 3
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")
    services.escalation_decide(case=case, by=world.secretary_a, accept=True)
    assert refresh(case).failed_attempts == 0

    first = record_session(case, world.secretary_a, [world.mediator_a], SessionResult.CONTINUE)

    assert first.case.failed_attempts == 1
    assert first.escalation_due is False
    assert first.session.level == HandlingLevel.VILLAGE


def test_only_the_first_session_moves_the_case_on_the_timeline(world):
    case = accepted_case(world)
    record_session(case, world.secretary_a, [world.mediator_a])
    record_session(case, world.secretary_a, [world.mediator_a])

    sessions = [e for e in timeline(case) if e[0] == EventKind.SESSION]
    assert [(e[1], e[2]) for e in sessions] == [
        (Status.ACCEPTED, Status.MEDIATING),
        ("", Status.MEDIATING),
    ]


def test_escalation_is_never_due_for_a_case_already_at_the_district(world):
    district_clerk = UserFactory(role=Role.CLERK, area=world.district)
    case = register_case(district_clerk, world.district)
    accept(case, district_clerk)

    outcomes = [
        record_session(case, district_clerk, [world.mediator_a], SessionResult.NOT_RESOLVED)
        for _ in range(3)
    ]

    assert outcomes[-1].case.failed_attempts == 3
    assert outcomes[-1].escalation_due is False
    assert services.workflow_refusal(refresh(case), Action.ESCALATE) == (
        "案件已在县级处置,无法继续上报。"
    )


def test_a_session_needs_a_mediator(world):
    case = accepted_case(world)

    with pytest.raises(ValidationError) as excinfo:
        services.session_record(
            case=case,
            by=world.secretary_a,
            held_at=timezone.now(),
            place="mediation_room",
            method="face_to_face",
            content="x",
            result="continue",
            mediators=[],
        )

    assert excinfo.value.message_dict == {"mediators": ["请选择主持调解的调解员。"]}
    assert refresh(case).status == Status.ACCEPTED


def test_a_session_held_before_the_case_was_received_is_refused(world):
    case = accepted_case(world, received_on=today() - days(2))

    with pytest.raises(ValidationError) as excinfo:
        record_session(
            case,
            world.secretary_a,
            [world.mediator_a],
            held_at=timezone.now() - datetime.timedelta(days=5),
        )

    assert excinfo.value.message_dict == {"held_at": ["调解时间不能早于登记日期。"]}
    assert not MediationSession.objects.exists()


def test_a_session_held_tomorrow_is_refused(world):
    case = accepted_case(world)

    with pytest.raises(ValidationError) as excinfo:
        record_session(
            case,
            world.secretary_a,
            [world.mediator_a],
            held_at=timezone.now() + datetime.timedelta(days=2),
        )

    assert excinfo.value.message_dict == {"held_at": ["日期不能晚于今天。"]}
    assert refresh(case).status == Status.ACCEPTED


# ---------------------------------------------------------------------------
# Who may record a session
# ---------------------------------------------------------------------------


def test_a_grid_member_records_sessions_while_the_case_is_at_grid_level(world):
    case = accepted_grid_case(world)

    outcome = record_session(case, world.grid_member_a, [world.mediator_a])

    assert outcome.session.level == HandlingLevel.GRID
    assert outcome.session.recorded_by == world.grid_member_a


def test_a_grid_member_may_not_record_sessions_on_a_village_level_case(world):
    case = accepted_case(world, world.grid_a)
    assert case.level == HandlingLevel.VILLAGE
    counts = row_counts()

    with pytest.raises(PermissionDenied) as excinfo:
        record_session(case, world.grid_member_a, [world.mediator_a])

    assert str(excinfo.value) == "该案件由村(社区)处置,本级可查看,不能记录调解。"
    assert row_counts() == counts


def test_a_grid_member_loses_the_session_once_it_is_escalated_to_the_village(world):
    case = failed_three_times_at_grid(world)
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")
    services.escalation_decide(case=case, by=world.secretary_a, accept=True)

    with pytest.raises(PermissionDenied):
        record_session(case, world.grid_member_a, [world.mediator_a])
    with pytest.raises(PermissionDenied):
        services.escalation_propose(case=case, by=world.grid_member_a, reason="再报")


def test_a_supervisor_may_not_record_sessions(world):
    case = accepted_case(world)
    counts = row_counts()

    with pytest.raises(PermissionDenied):
        record_session(case, world.supervisor_a, [world.mediator_a])

    assert row_counts() == counts
    assert refresh(case).status == Status.ACCEPTED
