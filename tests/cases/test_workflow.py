"""The case workflow as a whole (DOMAIN §4): a case's whole life through the services,
the state guard every step passes, what a voided case still allows, and who is offered
which step. Each step's own rules are in test_intake, test_mediation, test_escalation,
test_regrading, test_agreements, test_follow_up_recording and test_closing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases import services
from cases.models import (
    Agreement,
    Case,
    CaseEvent,
    EventKind,
    FailureReason,
    FollowUpKind,
    Grade,
    HandlingLevel,
    Performance,
    SessionResult,
    Status,
)
from cases.policy import Action
from cases.selectors import visible_cases
from tests.builders import (
    accept,
    accepted_case,
    follow_up,
    mediating_case,
    oral_agreement,
    record_session,
    refresh,
    resolved_case,
    signatures,
    today,
    written_agreement,
)
from tests.cases.helpers import refused, row_counts, timeline
from tests.factories import MediatorFactory, register_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


def state_message(status_label: str, action: Action) -> str:
    return f"案件当前状态为“{status_label}”,不能{action.label}。"


# ---------------------------------------------------------------------------
# The happy path
# ---------------------------------------------------------------------------


def test_a_case_runs_from_registration_through_agreement_and_follow_up_to_closing(world):
    case = register_case(world.secretary_a, world.grid_a)
    assert case.level == HandlingLevel.VILLAGE

    case = services.case_accept(
        case=case,
        by=world.secretary_a,
        owner=world.secretary_a,
        mediators=[world.mediator_a],
        note="村调委会受理",
    )
    assert refresh(case).status == Status.ACCEPTED
    assert refresh(case).owner == world.secretary_a
    assert list(refresh(case).mediators.all()) == [world.mediator_a]

    outcome = record_session(
        case, world.mediator_user_a, [world.mediator_a], SessionResult.RESOLVED
    )
    assert outcome.case.status == Status.MEDIATING
    assert outcome.escalation_due is False
    assert outcome.session.level == HandlingLevel.VILLAGE
    assert outcome.session.recorded_by == world.mediator_user_a
    assert list(outcome.session.mediators.all()) == [world.mediator_a]

    agreement = services.agreement_record(
        case=case, by=world.mediator_user_a, data=written_agreement(amount="5000.00")
    )
    assert refresh(case).status == Status.AGREEMENT_SIGNING
    assert agreement.effective_on is None

    services.agreement_sign(
        case=case, by=world.mediator_user_a, data=signatures(case, world.mediator_a)
    )
    assert refresh(case).status == Status.RESOLVED
    agreement = services.agreement_update(
        case=case, by=world.secretary_a, data={"performance": Performance.FULFILLED}
    )
    assert Agreement.objects.get(pk=agreement.pk).effective_on == today()
    assert Agreement.objects.get(pk=agreement.pk).performance == Performance.FULFILLED

    visit = services.follow_up_record(case=case, by=world.grid_member_a, data=follow_up())
    assert visit.done_by == world.grid_member_a
    assert refresh(case).status == Status.RESOLVED
    # The 7-day home visit is not needed here: waived, with the reason, by the village.
    home_visit = case.follow_ups.get(kind=FollowUpKind.HOME_VISIT)
    services.follow_up_waive(
        case=case, by=world.secretary_a, follow_up=home_visit, reason="双方已当面确认履行完毕"
    )

    before_close = timezone.now()
    services.case_close(case=case, by=world.supervisor_a, note="协议已履行,回访满意")

    case = refresh(case)
    assert case.status == Status.CLOSED
    assert before_close <= case.closed_at <= timezone.now()
    events = timeline(case)
    assert [(e[0], e[2], e[3]) for e in events[:1]] == [
        (EventKind.REGISTERED, Status.REGISTERED, "secretary_a")
    ]
    assert events[1:] == [
        (EventKind.ACCEPTED, Status.REGISTERED, Status.ACCEPTED, "secretary_a"),
        (EventKind.SESSION, Status.ACCEPTED, Status.MEDIATING, "mediator_a"),
        (EventKind.AGREEMENT, Status.MEDIATING, Status.AGREEMENT_SIGNING, "mediator_a"),
        (EventKind.AGREEMENT_SIGNED, "", Status.AGREEMENT_SIGNING, "mediator_a"),
        (
            EventKind.AGREEMENT_IN_FORCE,
            Status.AGREEMENT_SIGNING,
            Status.RESOLVED,
            "mediator_a",
        ),
        # Steps that do not move the case still record the status it stood in.
        (EventKind.PERFORMANCE, "", Status.RESOLVED, "secretary_a"),
        (EventKind.FOLLOW_UP, "", Status.RESOLVED, "grid_a"),
        (EventKind.FOLLOW_UP_WAIVED, "", Status.RESOLVED, "secretary_a"),
        (EventKind.CLOSED, Status.RESOLVED, Status.CLOSED, "supervisor_a"),
    ]
    times = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("at", flat=True))
    assert times == sorted(times)


# ---------------------------------------------------------------------------
# Illegal transitions
# ---------------------------------------------------------------------------


def test_closing_a_registered_case_is_refused_and_changes_nothing(world):
    case = register_case(world.secretary_a)
    counts = row_counts()

    error = refused(lambda: services.case_close(case=case, by=world.secretary_a))

    assert error.messages == [state_message("已登记", Action.CLOSE)]
    assert error.messages == ["案件当前状态为“已登记”,不能销号。"]
    assert error.code == "workflow"
    assert refresh(case).status == Status.REGISTERED
    assert refresh(case).closed_at is None
    assert row_counts() == counts


def test_recording_an_agreement_on_an_accepted_case_is_refused(world):
    case = accepted_case(world)
    counts = row_counts()

    error = refused(
        lambda: services.agreement_record(case=case, by=world.secretary_a, data=oral_agreement())
    )

    assert error.messages == ["案件当前状态为“已受理”,不能记录调解协议。"]
    assert refresh(case).status == Status.ACCEPTED
    assert row_counts() == counts


def test_recording_a_session_on_a_registered_case_is_refused(world):
    case = register_case(world.secretary_a)
    counts = row_counts()

    error = refused(lambda: record_session(case, world.secretary_a, [world.mediator_a]))

    assert error.messages == ["案件当前状态为“已登记”,不能记录调解。"]
    assert refresh(case).status == Status.REGISTERED
    assert row_counts() == counts


def test_accepting_a_case_twice_is_refused(world):
    case = accepted_case(world)
    counts = row_counts()

    error = refused(lambda: accept(case, world.secretary_a, mediators=[world.mediator_a]))

    assert error.messages == ["案件当前状态为“已受理”,不能受理并指派。"]
    assert row_counts() == counts


def test_a_second_agreement_on_the_same_case_is_refused(world):
    case = resolved_case(world)

    error = refused(
        lambda: services.agreement_record(case=case, by=world.secretary_a, data=oral_agreement())
    )

    assert error.messages == ["案件当前状态为“调解成功”,不能记录调解协议。"]
    assert Agreement.objects.filter(case=case).count() == 1


def test_the_workflow_guard_reads_the_current_row_not_a_stale_copy(world):
    case = register_case(world.secretary_a)
    stale = Case.objects.get(pk=case.pk)
    accept(case, world.secretary_a, mediators=[world.mediator_a])

    error = refused(lambda: accept(stale, world.secretary_a, mediators=[world.mediator_a]))

    assert error.messages == ["案件当前状态为“已受理”,不能受理并指派。"]


# ---------------------------------------------------------------------------
# Voided cases: only revealing (for the record) is still possible
# ---------------------------------------------------------------------------


ALL_BUT_REVEAL = [
    a for a in services.ALLOWED_FROM if a not in (Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE)
]


@pytest.fixture
def voided_case(world):
    case = mediating_case(world)
    return services.case_void(case=case, by=world.secretary_a, reason="重复登记")


def test_the_workflow_refuses_every_step_but_revealing_on_a_voided_case(voided_case):
    refusals = {a: services.workflow_refusal(voided_case, a) for a in services.ALLOWED_FROM}

    assert refusals == {
        **{a: state_message("已作废", a) for a in ALL_BUT_REVEAL},
        Action.REVEAL_ID_NUMBER: None,
        Action.REVEAL_MOBILE: None,
    }


def test_a_voided_case_offers_only_the_reveal_actions(world, voided_case):
    assert services.available_actions(world.secretary_a, voided_case) == [
        Action.REVEAL_ID_NUMBER,
        Action.REVEAL_MOBILE,
    ]
    assert services.available_actions(world.clerk_a, voided_case) == [
        Action.REVEAL_ID_NUMBER,
        Action.REVEAL_MOBILE,
    ]


def _steps_on(case, world):
    a, sup = world.secretary_a, world.supervisor_a
    return {
        "edit": lambda: services.case_update(case=case, by=a, data={"title": "改"}),
        "accept": lambda: accept(case, a, mediators=[world.mediator_a]),
        "not_accept": lambda: services.case_not_accept(case=case, by=a, reason="不属于受理范围"),
        "withdraw": lambda: services.case_withdraw(case=case, by=a, reason="申请人撤回"),
        "session": lambda: record_session(case, a, [world.mediator_a]),
        "change_grade": lambda: services.case_change_grade(
            case=case, by=sup, grade=Grade.BLUE, reason="降级"
        ),
        "escalate": lambda: services.escalation_propose(case=case, by=a, reason="上报"),
        "agreement": lambda: services.agreement_record(case=case, by=a, data=oral_agreement()),
        "sign": lambda: services.agreement_sign(
            case=case, by=a, data=signatures(case, world.mediator_a)
        ),
        "performance": lambda: services.agreement_update(
            case=case, by=a, data={"performance": "fulfilled"}
        ),
        "follow_up": lambda: services.follow_up_record(case=case, by=a, data=follow_up()),
        "fail": lambda: services.case_fail(
            case=case, by=a, failure_reason=FailureReason.SESSIONS_FAILED, routes_explained=True
        ),
        "close": lambda: services.case_close(case=case, by=sup),
        "void": lambda: services.case_void(case=case, by=a, reason="再次作废"),
    }


def test_every_service_refuses_to_touch_a_voided_case(world, voided_case):
    counts = row_counts()
    steps = _steps_on(voided_case, world)

    messages = {name: refused(step).messages for name, step in steps.items()}

    assert len(messages) == 14
    for name, refusal in messages.items():
        assert refusal[0].startswith("案件当前状态为“已作废”,不能"), name
    assert refresh(voided_case).status == Status.VOIDED
    assert refresh(voided_case).title == "宅基地边界纠纷"
    assert row_counts() == counts


def test_deciding_an_escalation_on_a_voided_case_is_denied(world, voided_case):
    with pytest.raises(PermissionDenied):
        services.escalation_decide(case=voided_case, by=world.supervisor_a, accept=True)


def test_a_full_number_can_still_be_revealed_on_a_voided_case_and_is_logged(world, voided_case):
    party = voided_case.parties.get(role="applicant")

    revealed = services.personal_data_reveal(
        party=party, by=world.secretary_a, action=Action.REVEAL_ID_NUMBER
    )

    assert revealed == party.id_number
    assert row_counts()["PersonalDataAccess"] == 1


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------


def test_a_mediator_sees_only_the_cases_assigned_to_them(world):
    colleague = MediatorFactory(name="陈阿姨", area=world.village_a)
    mine = accepted_case(world)
    theirs = register_case(world.secretary_a)
    accept(theirs, world.secretary_a, mediators=[colleague])
    unassigned = register_case(world.secretary_a)
    register_case(world.secretary_b)

    assert list(visible_cases(world.mediator_user_a)) == [mine]
    assert set(visible_cases(world.secretary_a)) == {mine, theirs, unassigned}


def test_a_mediator_assigned_with_a_colleague_sees_the_case_once(world):
    colleague = MediatorFactory(name="陈阿姨", area=world.village_a)
    case = register_case(world.secretary_a)
    accept(case, world.secretary_a, mediators=[world.mediator_a, colleague])

    assert list(visible_cases(world.mediator_user_a)) == [case]


def test_each_user_sees_their_own_area_only(world):
    in_a = register_case(world.secretary_a)
    in_grid_a = register_case(world.grid_member_a, world.grid_a, grade=Grade.BLUE)
    in_b = register_case(world.secretary_b)

    assert set(visible_cases(world.secretary_a)) == {in_a, in_grid_a}
    assert set(visible_cases(world.grid_member_a)) == {in_grid_a}
    assert set(visible_cases(world.secretary_b)) == {in_b}
    assert set(visible_cases(world.secretary_a2)) == set()
    assert set(visible_cases(world.supervisor_a)) == {in_a, in_grid_a}
    assert set(visible_cases(world.supervisor_district)) == {in_a, in_grid_a, in_b}


def test_a_registered_case_offers_a_secretary_acceptance_but_not_closing(world):
    case = register_case(world.secretary_a)

    actions = services.available_actions(world.secretary_a, case)

    assert Action.ACCEPT in actions
    assert Action.CLOSE not in actions
    assert actions == [
        Action.EDIT,
        Action.ACCEPT,
        Action.NOT_ACCEPT,
        Action.WITHDRAW,
        Action.CHANGE_GRADE,
        Action.RECORD_REFUSAL,
        Action.VOID,
        Action.REVEAL_ID_NUMBER,
        Action.REVEAL_MOBILE,
    ]


def test_a_registered_case_offers_a_supervisor_only_regrading_and_voiding(world):
    case = register_case(world.secretary_a)

    assert services.available_actions(world.supervisor_a, case) == [
        Action.CHANGE_GRADE,
        Action.VOID,
    ]


def test_a_mediating_case_offers_the_mediation_steps_to_the_secretary(world):
    case = mediating_case(world)

    assert services.available_actions(world.secretary_a, case) == [
        Action.EDIT,
        Action.WITHDRAW,
        Action.RECORD_SESSION,
        Action.RECORD_INVESTIGATION,
        Action.CHANGE_GRADE,
        Action.ESCALATE,
        Action.RECORD_AGREEMENT,
        Action.FAIL,
        Action.RESOLVE_OTHERWISE,
        Action.RECORD_REFUSAL,
        Action.EXTEND_TERM,
        Action.VOID,
        Action.REVEAL_ID_NUMBER,
        Action.REVEAL_MOBILE,
    ]


def test_a_grid_member_is_offered_nothing_but_the_mobile_on_a_village_level_case(world):
    case = mediating_case(world, world.grid_a)

    assert services.available_actions(world.grid_member_a, case) == [Action.REVEAL_MOBILE]


def test_a_service_refuses_a_case_outside_the_users_area_even_if_a_caller_skips_the_lookup(world):
    case = accepted_case(world)
    before = row_counts()

    with pytest.raises(PermissionDenied):
        services.case_void(case=case, by=world.secretary_b, reason="不是我的案件")

    assert refresh(case).status == Status.ACCEPTED
    assert row_counts() == before
