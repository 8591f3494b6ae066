"""The case workflow (DOMAIN §4): every step through the services, with the refusals,
the three-three rule, escalations, re-grading, agreements, follow-ups and voiding."""

import contextlib
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from cases import services
from cases.filters import CaseFilter
from cases.models import (
    Agreement,
    Case,
    CaseEvent,
    Escalation,
    EscalationStatus,
    EventKind,
    FailureReason,
    FollowUp,
    FollowUpKind,
    Grade,
    GradeChange,
    HandlingLevel,
    JudicialConfirmation,
    MediationSession,
    Performance,
    SessionResult,
    Status,
    WorkflowPolicy,
)
from cases.policy import Action
from cases.selectors import visible_cases
from cases.services import WorkflowError
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
    written_agreement,
)
from tests.cases.helpers import kinds, row_counts, timeline
from tests.factories import MediatorFactory, UserFactory, register_case


@pytest.fixture(autouse=True)
def manual_escalation(db):
    """These tests drive escalation by hand; the automatic proposal on the third failure
    (the default policy) has its own tests in test_follow_up_loop.py."""
    WorkflowPolicy.objects.update_or_create(pk=1, defaults={"auto_propose_escalation": False})


pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def state_message(status_label: str, action: Action) -> str:
    return f"案件当前状态为“{status_label}”,不能{action.label}。"


def grid_case(world) -> Case:
    """A blue case in grid A, accepted and mediated on the spot by the grid member."""
    case = register_case(world.grid_member_a, world.grid_a, grade=Grade.BLUE)
    return accept(case, world.grid_member_a, mediators=[world.mediator_a])


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
    assert refresh(case).status == Status.RESOLVED
    assert agreement.effective_on is None

    agreement = services.agreement_update(
        case=case,
        by=world.secretary_a,
        data={**signatures(), "performance": Performance.FULFILLED},
    )
    assert Agreement.objects.get(pk=agreement.pk).effective_on == today()
    assert Agreement.objects.get(pk=agreement.pk).performance == Performance.FULFILLED

    visit = services.follow_up_record(case=case, by=world.grid_member_a, data=follow_up())
    assert visit.done_by == world.grid_member_a
    assert refresh(case).status == Status.RESOLVED

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
        (EventKind.AGREEMENT, Status.MEDIATING, Status.RESOLVED, "mediator_a"),
        # Steps that do not move the case still record the status it stood in.
        (EventKind.PERFORMANCE, "", Status.RESOLVED, "secretary_a"),
        (EventKind.FOLLOW_UP, "", Status.RESOLVED, "grid_a"),
        (EventKind.CLOSED, Status.RESOLVED, Status.CLOSED, "supervisor_a"),
    ]
    times = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("at", flat=True))
    assert times == sorted(times)


def test_accepting_records_the_owner_and_mediators_on_the_timeline(world):
    case = accepted_case(world)

    event = CaseEvent.objects.get(case=case, kind=EventKind.ACCEPTED)
    assert event.changes == {"责任人": ["", str(world.secretary_a)], "调解员": ["", "宝大叔"]}
    assert event.note == "受理"


def test_the_agreement_update_records_what_changed(world):
    case = resolved_case(world, agreement=written_agreement())

    services.agreement_update(
        case=case, by=world.secretary_a, data={**signatures(), "performance": "fulfilled"}
    )

    event = CaseEvent.objects.get(case=case, kind=EventKind.PERFORMANCE)
    assert event.changes["已加盖调委会印章"] == ["否", "是"]
    assert event.changes["履行情况"] == ["未到履行期", "已履行"]
    assert event.changes["签署日期"] == ["", today().isoformat()]


def test_an_agreement_update_that_changes_nothing_records_no_event(world):
    case = resolved_case(world)
    count = CaseEvent.objects.filter(case=case).count()

    services.agreement_update(case=case, by=world.secretary_a, data={"sealed": False})

    assert CaseEvent.objects.filter(case=case).count() == count


# ---------------------------------------------------------------------------
# Illegal transitions
# ---------------------------------------------------------------------------


def _refused(call) -> ValidationError:
    with pytest.raises(WorkflowError) as excinfo:
        call()
    return excinfo.value


def test_closing_a_registered_case_is_refused_and_changes_nothing(world):
    case = register_case(world.secretary_a)
    counts = row_counts()

    error = _refused(lambda: services.case_close(case=case, by=world.secretary_a))

    assert error.messages == [state_message("已登记", Action.CLOSE)]
    assert error.messages == ["案件当前状态为“已登记”,不能销号。"]
    assert error.code == "workflow"
    assert refresh(case).status == Status.REGISTERED
    assert refresh(case).closed_at is None
    assert row_counts() == counts


def test_recording_an_agreement_on_an_accepted_case_is_refused(world):
    case = accepted_case(world)
    counts = row_counts()

    error = _refused(
        lambda: services.agreement_record(case=case, by=world.secretary_a, data=oral_agreement())
    )

    assert error.messages == ["案件当前状态为“已受理”,不能记录调解协议。"]
    assert refresh(case).status == Status.ACCEPTED
    assert row_counts() == counts


def test_recording_a_session_on_a_registered_case_is_refused(world):
    case = register_case(world.secretary_a)
    counts = row_counts()

    error = _refused(lambda: record_session(case, world.secretary_a, [world.mediator_a]))

    assert error.messages == ["案件当前状态为“已登记”,不能记录调解。"]
    assert refresh(case).status == Status.REGISTERED
    assert row_counts() == counts


def test_accepting_a_case_twice_is_refused(world):
    case = accepted_case(world)
    counts = row_counts()

    error = _refused(lambda: accept(case, world.secretary_a, mediators=[world.mediator_a]))

    assert error.messages == ["案件当前状态为“已受理”,不能受理并指派。"]
    assert row_counts() == counts


def test_a_second_agreement_on_the_same_case_is_refused(world):
    case = resolved_case(world)

    error = _refused(
        lambda: services.agreement_record(case=case, by=world.secretary_a, data=oral_agreement())
    )

    assert error.messages == ["案件当前状态为“调解成功”,不能记录调解协议。"]
    assert Agreement.objects.filter(case=case).count() == 1


def test_the_workflow_guard_reads_the_current_row_not_a_stale_copy(world):
    case = register_case(world.secretary_a)
    stale = Case.objects.get(pk=case.pk)
    accept(case, world.secretary_a, mediators=[world.mediator_a])

    error = _refused(lambda: accept(stale, world.secretary_a, mediators=[world.mediator_a]))

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
        "performance": lambda: services.agreement_update(case=case, by=a, data=signatures()),
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

    messages = {name: _refused(step).messages for name, step in steps.items()}

    assert len(messages) == 13
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
# Closing needs an effective, fulfilled agreement and a follow-up visit
# ---------------------------------------------------------------------------


def test_closing_is_refused_until_the_agreement_is_effective_fulfilled_and_followed_up(world):
    case = resolved_case(world, agreement=written_agreement())

    def close_refusal():
        return _refused(lambda: services.case_close(case=case, by=world.supervisor_a)).messages

    assert close_refusal() == ["调解协议尚未生效,不能销号。"]

    services.agreement_update(case=case, by=world.secretary_a, data=signatures())
    assert close_refusal() == ["调解协议尚未履行完毕,不能销号。"]

    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "partly"})
    assert close_refusal() == ["调解协议尚未履行完毕,不能销号。"]

    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})
    assert close_refusal() == ["请先完成回访再销号。"]

    # The visits the agreement scheduled do not count until they are made.
    assert FollowUp.objects.filter(case=case, done_at__isnull=True).count() == 2
    assert close_refusal() == ["请先完成回访再销号。"]
    assert refresh(case).status == Status.RESOLVED

    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())
    # The recorded call completed the scheduled one; the home visit is still to come.
    assert FollowUp.objects.filter(case=case).count() == 2

    services.case_close(case=case, by=world.supervisor_a)
    assert refresh(case).status == Status.CLOSED


def test_an_oral_agreement_fulfilled_and_followed_up_can_be_closed(world):
    case = resolved_case(world)
    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())

    services.case_close(case=case, by=world.secretary_a)

    assert refresh(case).status == Status.CLOSED


def test_available_actions_offer_closing_only_once_the_conditions_are_met(world):
    case = resolved_case(world)
    assert Action.CLOSE not in services.available_actions(world.supervisor_a, case)

    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())

    assert Action.CLOSE in services.available_actions(world.supervisor_a, refresh(case))


# ---------------------------------------------------------------------------
# The agreement: when it takes effect, judicial confirmation
# ---------------------------------------------------------------------------


def test_an_unsigned_written_agreement_is_not_in_effect(world):
    case = resolved_case(world, agreement=written_agreement())

    agreement = case.agreement
    assert agreement.effective_on is None
    assert agreement.judicial_confirmation_deadline is None


@pytest.mark.parametrize("missing", ["parties_signed", "mediator_signed", "sealed"])
def test_a_written_agreement_missing_one_signature_or_the_seal_is_not_in_effect(world, missing):
    case = resolved_case(world, agreement=written_agreement())

    agreement = services.agreement_update(
        case=case, by=world.secretary_a, data={**signatures(), missing: False}
    )

    assert agreement.effective_on is None
    assert Agreement.objects.get(pk=agreement.pk).effective_on is None


def test_a_fully_signed_and_sealed_written_agreement_without_a_signing_date_is_refused(world):
    case = mediating_case(world)
    counts = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(
            case=case,
            by=world.secretary_a,
            data=written_agreement(**{**signatures(), "signed_on": None}),
        )

    assert excinfo.value.message_dict == {"signed_on": ["各方已签名盖章时,请填写签署日期。"]}
    assert refresh(case).status == Status.MEDIATING
    assert row_counts() == counts


def test_a_written_agreement_takes_effect_on_the_signing_date_once_complete(world):
    case = mediating_case(world, received_on=today() - days(20))
    signed = today() - days(2)

    agreement = services.agreement_record(
        case=case,
        by=world.secretary_a,
        data=written_agreement(reached_on=today() - days(5), **signatures(signed)),
    )

    assert agreement.effective_on == signed
    assert agreement.judicial_confirmation_deadline == signed + days(30)


def test_signing_later_brings_a_written_agreement_into_effect(world):
    case = resolved_case(world, agreement=written_agreement())

    services.agreement_update(case=case, by=world.secretary_a, data=signatures())

    agreement = Agreement.objects.get(case=case)
    assert agreement.effective_on == today()
    assert agreement.judicial_confirmation_deadline == today() + days(30)


def test_a_signing_date_before_the_agreement_was_reached_is_refused(world):
    case = mediating_case(world, received_on=today() - days(20))

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(
            case=case,
            by=world.secretary_a,
            data=written_agreement(reached_on=today() - days(1), **signatures(today() - days(2))),
        )

    assert excinfo.value.message_dict == {"signed_on": ["签署日期不能早于达成日期。"]}
    assert not Agreement.objects.exists()


def test_an_agreement_reached_before_the_case_was_received_is_refused(world):
    case = mediating_case(world, received_on=today() - days(3))

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(
            case=case, by=world.secretary_a, data=oral_agreement(reached_on=today() - days(4))
        )

    assert excinfo.value.message_dict == {"reached_on": ["达成日期不能早于登记日期。"]}


def test_an_oral_agreement_takes_effect_the_day_it_is_reached_without_signatures(world):
    reached = today() - days(4)
    case = mediating_case(world, received_on=today() - days(10))

    agreement = services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(reached_on=reached)
    )

    assert agreement.parties_signed is False
    assert agreement.effective_on == reached
    assert agreement.judicial_confirmation_deadline == reached + days(30)


def test_judicial_confirmation_is_refused_before_the_agreement_takes_effect(world):
    case = resolved_case(world, agreement=written_agreement())
    events = CaseEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_update(
            case=case,
            by=world.secretary_a,
            data={"judicial_confirmation": JudicialConfirmation.APPLIED},
        )

    assert excinfo.value.message_dict == {"judicial_confirmation": ["协议生效后才能申请司法确认。"]}
    agreement = Agreement.objects.get(case=case)
    assert agreement.judicial_confirmation == JudicialConfirmation.NOT_APPLIED
    assert CaseEvent.objects.count() == events


def test_judicial_confirmation_can_be_applied_for_and_confirmed_after_effect(world):
    case = resolved_case(world)

    services.agreement_update(
        case=case, by=world.secretary_a, data={"judicial_confirmation": "applied"}
    )
    services.agreement_update(
        case=case,
        by=world.secretary_a,
        data={"judicial_confirmation": "confirmed", "judicial_confirmation_on": today()},
    )

    agreement = Agreement.objects.get(case=case)
    assert agreement.judicial_confirmation == JudicialConfirmation.CONFIRMED
    assert agreement.judicial_confirmation_on == today()
    changes = [e.changes for e in CaseEvent.objects.filter(case=case, kind=EventKind.PERFORMANCE)]
    assert changes[0] == {"司法确认": ["未申请", "已申请"]}


def test_a_judicial_confirmation_dated_before_the_agreement_took_effect_is_refused(world):
    case = mediating_case(world, received_on=today() - days(10))
    services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(reached_on=today() - days(2))
    )

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_update(
            case=case,
            by=world.secretary_a,
            data={
                "judicial_confirmation": "confirmed",
                "judicial_confirmation_on": today() - days(3),
            },
        )

    assert excinfo.value.message_dict == {
        "judicial_confirmation_on": ["司法确认日期不能早于协议生效日期。"]
    }


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


def test_sessions_that_continue_or_resolve_do_not_count_as_failed_attempts(world):
    case = accepted_case(world)
    record_session(case, world.secretary_a, [world.mediator_a], SessionResult.NOT_RESOLVED)
    record_session(case, world.secretary_a, [world.mediator_a], SessionResult.CONTINUE)
    outcome = record_session(case, world.secretary_a, [world.mediator_a], SessionResult.RESOLVED)

    assert outcome.case.failed_attempts == 1
    assert outcome.escalation_due is False


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
        "案件已在区级处置,无法继续上报。"
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
# Escalation
# ---------------------------------------------------------------------------


def _failed_three_times_at_grid(world) -> Case:
    case = grid_case(world)
    for _ in range(3):
        record_session(case, world.grid_member_a, [world.mediator_a], SessionResult.NOT_RESOLVED)
    return refresh(case)


def test_proposing_an_escalation_asks_the_next_level_up_and_records_it(world):
    case = _failed_three_times_at_grid(world)

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
    case = _failed_three_times_at_grid(world)
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")

    error = _refused(
        lambda: services.escalation_propose(case=case, by=world.secretary_a, reason="再次上报")
    )

    assert error.messages == ["案件已提请上报,正在等待上级接收。"]
    assert Escalation.objects.filter(case=case).count() == 1


def test_an_escalation_needs_a_reason(world):
    case = _failed_three_times_at_grid(world)

    with pytest.raises(ValidationError) as excinfo:
        services.escalation_propose(case=case, by=world.grid_member_a, reason="  ")

    assert excinfo.value.message_dict == {"reason": ["请填写原因。"]}
    assert not Escalation.objects.exists()


def test_the_village_secretary_accepts_a_grid_to_village_escalation(world):
    case = _failed_three_times_at_grid(world)
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
    case = _failed_three_times_at_grid(world)
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
    case = _failed_three_times_at_grid(world)
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")
    services.case_change_grade(
        case=case, by=world.supervisor_a, grade=Grade.RED, reason="出现民转刑苗头"
    )
    assert refresh(case).level == HandlingLevel.TOWN

    with contextlib.suppress(ValidationError, PermissionDenied):
        services.escalation_decide(case=case, by=world.secretary_a, accept=True)

    assert refresh(case).level == HandlingLevel.TOWN


# ---------------------------------------------------------------------------
# Re-grading
# ---------------------------------------------------------------------------


def test_cooling_a_red_case_to_yellow_keeps_its_level_and_recomputes_the_deadline(world):
    received = today() - days(4)
    case = accepted_case(world, grade=Grade.RED, received_on=received)
    assert case.level == HandlingLevel.TOWN
    assert case.deadline == received + days(30)

    services.case_change_grade(
        case=case, by=world.supervisor_a, grade=Grade.YELLOW, reason="双方情绪平稳"
    )

    case = refresh(case)
    assert case.grade == Grade.YELLOW
    assert case.level == HandlingLevel.TOWN
    assert case.deadline == received + days(15)
    change = GradeChange.objects.get(case=case)
    assert (change.from_grade, change.to_grade) == (Grade.RED, Grade.YELLOW)
    assert change.reason == "双方情绪平稳"
    assert change.changed_by == world.supervisor_a
    event = CaseEvent.objects.get(case=case, kind=EventKind.GRADE_CHANGED)
    assert event.changes == {"风险等级": ["红色(重大)", "黄色(较大)"]}
    assert event.actor == world.supervisor_a
    assert event.note == "双方情绪平稳"


def test_upgrading_without_changing_level_keeps_history_and_recomputes_the_deadline(world):
    received = today() - days(1)
    case = accepted_case(world, grade=Grade.BLUE, received_on=received)
    assert case.level == HandlingLevel.VILLAGE

    services.case_change_grade(case=case, by=world.secretary_a, grade="yellow", reason="涉及多户")

    case = refresh(case)
    assert case.level == HandlingLevel.VILLAGE
    assert case.deadline == received + days(15)
    assert list(GradeChange.objects.values_list("from_grade", "to_grade")) == [("blue", "yellow")]


def test_every_regrade_is_kept_in_history_in_order(world):
    case = accepted_case(world, grade=Grade.RED)

    services.case_change_grade(case=case, by=world.supervisor_a, grade="yellow", reason="降温")
    services.case_change_grade(case=case, by=world.supervisor_a, grade="blue", reason="基本化解")

    assert list(GradeChange.objects.filter(case=case).values_list("from_grade", "to_grade")) == [
        ("red", "yellow"),
        ("yellow", "blue"),
    ]
    assert refresh(case).level == HandlingLevel.TOWN


@pytest.mark.parametrize(
    ("area_name", "start", "end", "level"),
    [
        ("village_a", Grade.YELLOW, Grade.RED, HandlingLevel.TOWN),
        ("grid_a", Grade.BLUE, Grade.YELLOW, HandlingLevel.VILLAGE),
    ],
)
def test_upgrading_a_case_raises_it_to_the_level_that_handles_the_new_grade(
    world, area_name, start, end, level
):
    received = today() - days(2)
    case = accepted_case(world, getattr(world, area_name), grade=start, received_on=received)
    record_session(case, world.secretary_a, [world.mediator_a], SessionResult.NOT_RESOLVED)

    services.case_change_grade(case=case, by=world.supervisor_a, grade=end, reason="风险升级")

    case = refresh(case)
    assert case.grade == end
    assert case.level == level
    assert case.failed_attempts == 0
    assert GradeChange.objects.filter(case=case, from_grade=start, to_grade=end).exists()
    event = CaseEvent.objects.get(case=case, kind=EventKind.GRADE_CHANGED)
    assert event.changes["处置层级"][1] == str(level.label)


def test_regrading_to_the_same_grade_is_refused(world):
    case = accepted_case(world)

    with pytest.raises(ValidationError) as excinfo:
        services.case_change_grade(case=case, by=world.supervisor_a, grade="yellow", reason="x")

    assert excinfo.value.message_dict == {"grade": ["新等级与当前等级相同。"]}
    assert not GradeChange.objects.exists()


def test_regrading_needs_a_reason(world):
    case = accepted_case(world)

    with pytest.raises(ValidationError) as excinfo:
        services.case_change_grade(case=case, by=world.supervisor_a, grade="blue", reason="")

    assert excinfo.value.message_dict == {"reason": ["请填写原因。"]}
    assert refresh(case).grade == Grade.YELLOW


def test_a_resolved_case_can_no_longer_be_regraded(world):
    case = resolved_case(world)

    error = _refused(
        lambda: services.case_change_grade(
            case=case, by=world.supervisor_a, grade="blue", reason="x"
        )
    )

    assert error.messages == ["案件当前状态为“调解成功”,不能调整等级。"]


# ---------------------------------------------------------------------------
# Mediation failed, not accepted, withdrawn
# ---------------------------------------------------------------------------


def test_failing_for_failed_sessions_needs_at_least_one_session(world):
    case = accepted_case(world)

    with pytest.raises(ValidationError) as excinfo:
        services.case_fail(
            case=case,
            by=world.secretary_a,
            failure_reason=FailureReason.SESSIONS_FAILED,
            routes_explained=True,
        )

    assert excinfo.value.message_dict == {
        "failure_reason": ["尚无调解记录:请先记录调解,或选择当事人拒绝调解。"]
    }
    assert refresh(case).status == Status.ACCEPTED


def test_failing_needs_the_other_routes_explained_to_the_parties(world):
    case = mediating_case(world)
    counts = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        services.case_fail(
            case=case,
            by=world.secretary_a,
            failure_reason=FailureReason.SESSIONS_FAILED,
            routes_explained=False,
        )

    assert excinfo.value.message_dict == {
        "routes_explained": ["调解不成时,应告知当事人可依法通过仲裁、行政、司法等途径维护权利。"]
    }
    assert refresh(case).status == Status.MEDIATING
    assert row_counts() == counts


def test_failing_needs_a_known_reason(world):
    case = mediating_case(world)

    with pytest.raises(ValidationError) as excinfo:
        services.case_fail(
            case=case, by=world.secretary_a, failure_reason="", routes_explained=True
        )

    assert excinfo.value.message_dict == {"failure_reason": ["请选择调解不成的原因。"]}


def test_a_party_refusing_mediation_ends_an_accepted_case_without_any_session(world):
    case = accepted_case(world)

    services.case_fail(
        case=case,
        by=world.secretary_a,
        failure_reason=FailureReason.PARTY_REFUSED,
        routes_explained=True,
        note="被申请人明确拒绝调解",
    )

    case = refresh(case)
    assert case.status == Status.FAILED
    assert case.failure_reason == FailureReason.PARTY_REFUSED
    assert case.routes_explained is True
    assert case.outcome_reason == "被申请人明确拒绝调解"
    assert timeline(case)[-1] == (EventKind.FAILED, Status.ACCEPTED, Status.FAILED, "secretary_a")


def test_failed_sessions_end_the_case_and_it_can_then_be_closed(world):
    case = mediating_case(world)

    services.case_fail(
        case=case,
        by=world.mediator_user_a,
        failure_reason=FailureReason.SESSIONS_FAILED,
        routes_explained=True,
    )
    services.case_close(case=case, by=world.supervisor_a)

    assert [e[:3] for e in timeline(case)[-2:]] == [
        (EventKind.FAILED, Status.MEDIATING, Status.FAILED),
        (EventKind.CLOSED, Status.FAILED, Status.CLOSED),
    ]


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
# Follow-ups
# ---------------------------------------------------------------------------


def test_a_follow_up_that_finds_the_dispute_flared_again_reopens_the_case(world):
    case = resolved_case(world)

    services.follow_up_record(
        case=case,
        by=world.secretary_a,
        data=follow_up(kind=FollowUpKind.HOME_VISIT, flared_again=True, satisfaction=""),
    )

    case = refresh(case)
    assert case.status == Status.MEDIATING
    assert case.deadline == today() + days(15)
    assert timeline(case)[-2:] == [
        (EventKind.FOLLOW_UP, "", Status.RESOLVED, "secretary_a"),
        (EventKind.REOPENED, Status.RESOLVED, Status.MEDIATING, "secretary_a"),
    ]
    assert CaseEvent.objects.get(case=case, kind=EventKind.REOPENED).note == "回访发现纠纷再次激化"


def test_a_flare_up_found_after_closing_reopens_the_closed_case(world):
    case = resolved_case(world)
    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())
    services.case_close(case=case, by=world.supervisor_a)

    services.follow_up_record(
        case=case,
        by=world.secretary_a,
        data=follow_up(kind=FollowUpKind.LOOK_BACK, flared_again=True),
    )

    case = refresh(case)
    assert case.status == Status.MEDIATING
    assert case.closed_at is None
    assert timeline(case)[-1][:3] == (EventKind.REOPENED, Status.CLOSED, Status.MEDIATING)


def test_a_follow_up_with_rebound_signs_only_does_not_reopen_the_case(world):
    case = resolved_case(world)

    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up(rebound_signs=True))

    assert refresh(case).status == Status.RESOLVED
    assert EventKind.REOPENED not in kinds(case)


def test_a_follow_up_needs_the_time_it_was_done(world):
    case = resolved_case(world)

    with pytest.raises(ValidationError) as excinfo:
        services.follow_up_record(case=case, by=world.secretary_a, data=follow_up(done_at=None))

    assert excinfo.value.message_dict == {"done_at": ["请填写回访时间。"]}
    assert not FollowUp.objects.filter(done_at__isnull=False).exists()


def test_a_follow_up_before_an_agreement_is_refused(world):
    case = mediating_case(world)

    error = _refused(
        lambda: services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())
    )

    assert error.messages == ["案件当前状态为“调解中”,不能记录回访。"]


def test_a_reopened_case_can_reach_a_new_agreement(world):
    case = resolved_case(world)
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up(flared_again=True))
    record_session(case, world.secretary_a, [world.mediator_a], SessionResult.RESOLVED)

    services.agreement_record(
        case=case,
        by=world.secretary_a,
        data=oral_agreement(terms="李四另行赔偿围墙修复费用。"),
    )

    assert refresh(case).status == Status.RESOLVED


def test_correcting_the_title_of_a_reopened_case_keeps_its_new_deadline(world):
    received = today() - days(20)
    case = resolved_case(world, received_on=received)
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up(flared_again=True))
    assert refresh(case).deadline == today() + days(15)

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={"title": "宅基地边界纠纷(再次激化)", "received_on": received},
    )

    case = refresh(case)
    assert case.title == "宅基地边界纠纷(再次激化)"
    assert case.deadline == today() + days(15)
    assert not case.is_overdue()


# ---------------------------------------------------------------------------
# Voiding
# ---------------------------------------------------------------------------


def test_voiding_keeps_the_case_with_its_reason_and_hides_it_from_the_default_ledger(world):
    case = mediating_case(world)
    other = register_case(world.secretary_a)
    before = Case.objects.count()

    services.case_void(case=case, by=world.supervisor_a, reason="与已登记案件重复")

    assert Case.objects.count() == before
    case = refresh(case)
    assert case.status == Status.VOIDED
    assert case.void_reason == "与已登记案件重复"
    assert case.voided_at is not None
    assert timeline(case)[-1] == (
        EventKind.VOIDED,
        Status.MEDIATING,
        Status.VOIDED,
        "supervisor_a",
    )
    assert list(CaseFilter({}, queryset=Case.objects.all()).qs) == [other]
    assert list(CaseFilter({"status": "voided"}, queryset=Case.objects.all()).qs) == [case]
    assert case in visible_cases(world.secretary_a)


def test_voiding_needs_a_reason(world):
    case = register_case(world.secretary_a)

    with pytest.raises(ValidationError) as excinfo:
        services.case_void(case=case, by=world.secretary_a, reason="   ")

    assert excinfo.value.message_dict == {"reason": ["请填写原因。"]}
    assert refresh(case).status == Status.REGISTERED
    assert refresh(case).void_reason == ""


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------


def test_a_grid_member_records_sessions_while_the_case_is_at_grid_level(world):
    case = grid_case(world)

    outcome = record_session(case, world.grid_member_a, [world.mediator_a])

    assert outcome.session.level == HandlingLevel.GRID
    assert outcome.session.recorded_by == world.grid_member_a


def test_a_grid_member_may_not_record_sessions_on_a_village_level_case(world):
    case = accepted_case(world, world.grid_a)
    assert case.level == HandlingLevel.VILLAGE
    counts = row_counts()

    with pytest.raises(PermissionDenied) as excinfo:
        record_session(case, world.grid_member_a, [world.mediator_a])

    assert str(excinfo.value) == "您没有权限记录调解。"
    assert row_counts() == counts


def test_a_grid_member_loses_the_session_once_it_is_escalated_to_the_village(world):
    case = _failed_three_times_at_grid(world)
    services.escalation_propose(case=case, by=world.grid_member_a, reason="三次调解未成")
    services.escalation_decide(case=case, by=world.secretary_a, accept=True)

    with pytest.raises(PermissionDenied):
        record_session(case, world.grid_member_a, [world.mediator_a])
    with pytest.raises(PermissionDenied):
        services.escalation_propose(case=case, by=world.grid_member_a, reason="再报")


def test_a_grid_member_may_still_record_follow_ups_on_a_village_level_case(world):
    case = resolved_case(world, area=world.grid_a)
    assert case.level == HandlingLevel.VILLAGE

    services.follow_up_record(case=case, by=world.grid_member_a, data=follow_up())

    assert FollowUp.objects.get(case=case, kind="phone").done_by == world.grid_member_a


def test_a_supervisor_may_not_record_sessions(world):
    case = accepted_case(world)
    counts = row_counts()

    with pytest.raises(PermissionDenied):
        record_session(case, world.supervisor_a, [world.mediator_a])

    assert row_counts() == counts
    assert refresh(case).status == Status.ACCEPTED


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
        Action.CHANGE_GRADE,
        Action.ESCALATE,
        Action.RECORD_AGREEMENT,
        Action.FAIL,
        Action.VOID,
        Action.REVEAL_ID_NUMBER,
        Action.REVEAL_MOBILE,
    ]


def test_a_grid_member_is_offered_nothing_but_the_mobile_on_a_village_level_case(world):
    case = mediating_case(world, world.grid_a)

    assert services.available_actions(world.grid_member_a, case) == [Action.REVEAL_MOBILE]


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


def test_a_service_refuses_a_case_outside_the_users_area_even_if_a_caller_skips_the_lookup(world):
    case = accepted_case(world)
    before = row_counts()

    with pytest.raises(PermissionDenied):
        services.case_void(case=case, by=world.secretary_b, reason="不是我的案件")

    assert refresh(case).status == Status.ACCEPTED
    assert row_counts() == before


def test_voiding_a_case_cancels_its_pending_escalation(world):
    case = mediating_case(world)
    escalation = services.escalation_propose(case=case, by=world.secretary_a, reason="三次未成")

    services.case_void(case=case, by=world.secretary_a, reason="重复登记")

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.CANCELLED
    assert escalation.decided_by == world.secretary_a
    assert services.workflow_refusal(refresh(case), Action.DECIDE_ESCALATION) is not None


def test_a_reopened_case_keeps_its_first_agreement_on_record_as_superseded(world):
    case = resolved_case(world)
    first = case.agreement
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up(flared_again=True))
    record_session(case, world.secretary_a, [world.mediator_a], SessionResult.RESOLVED)

    second = services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(terms="另行赔偿。")
    )

    first.refresh_from_db()
    assert first.superseded_at is not None
    assert refresh(case).agreement == second
    assert list(case.agreements.order_by("id")) == [first, second]
