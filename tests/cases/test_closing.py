"""How a case ends (DOMAIN §4): closing (销号) once the agreement is in effect,
fulfilled and followed up; mediation failed; voiding."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.filters import CaseFilter
from cases.models import (
    Case,
    EscalationStatus,
    EventKind,
    FailureReason,
    FollowUp,
    FollowUpKind,
    Status,
)
from cases.policy import Action
from cases.selectors import visible_cases
from tests.builders import (
    accepted_case,
    follow_up,
    mediating_case,
    refresh,
    resolved_case,
    sign,
    written_agreement,
)
from tests.cases.helpers import refused, row_counts, timeline
from tests.factories import register_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


# ---------------------------------------------------------------------------
# Closing needs an effective, fulfilled agreement and a follow-up visit
# ---------------------------------------------------------------------------


def test_closing_is_refused_until_the_agreement_is_effective_fulfilled_and_followed_up(world):
    case = resolved_case(world, agreement=written_agreement())

    def close_refusal():
        return refused(lambda: services.case_close(case=case, by=world.supervisor_a)).messages

    assert close_refusal() == ["案件当前状态为“协议待签”,不能销号。"]

    sign(case, world.secretary_a, world.mediator_a)
    assert close_refusal() == ["调解协议尚未履行完毕,不能销号。"]

    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "partly"})
    assert close_refusal() == ["调解协议尚未履行完毕,不能销号。"]

    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})
    # The visits the agreement scheduled do not count until they are made.
    assert close_refusal() == [outstanding("电话回访(24小时内)", "上门走访(7日内)")]

    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())
    # The recorded call completed the scheduled one; the home visit is still to come.
    assert FollowUp.objects.filter(case=case).count() == 2
    assert close_refusal() == [outstanding("上门走访(7日内)")]
    assert refresh(case).status == Status.RESOLVED

    services.follow_up_record(
        case=case, by=world.secretary_a, data=follow_up(kind=FollowUpKind.HOME_VISIT)
    )
    services.case_close(case=case, by=world.supervisor_a)
    assert refresh(case).status == Status.CLOSED


def outstanding(*kinds: str) -> str:
    """The refusal to close, naming each visit still to be made with its due day."""
    due = {"电话回访(24小时内)": 1, "上门走访(7日内)": 7}
    visits = ";".join(
        f"{kind},应于{(timezone.localdate() + datetime.timedelta(days=due[kind])).isoformat()}前完成"
        for kind in kinds
    )
    return f"尚有回访未完成,不能销号:{visits}。请完成回访,或由办理层级或以上的人员写明理由后免除。"


def test_an_oral_agreement_fulfilled_and_followed_up_can_be_closed(world):
    case = resolved_case(world)
    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())
    services.follow_up_record(
        case=case, by=world.secretary_a, data=follow_up(kind=FollowUpKind.HOME_VISIT)
    )

    services.case_close(case=case, by=world.secretary_a)

    assert refresh(case).status == Status.CLOSED


def test_available_actions_offer_closing_only_once_the_conditions_are_met(world):
    case = resolved_case(world)
    assert Action.CLOSE not in services.available_actions(world.supervisor_a, case)

    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())
    assert Action.CLOSE not in services.available_actions(world.supervisor_a, refresh(case))

    services.follow_up_record(
        case=case, by=world.secretary_a, data=follow_up(kind=FollowUpKind.HOME_VISIT)
    )
    assert Action.CLOSE in services.available_actions(world.supervisor_a, refresh(case))


# ---------------------------------------------------------------------------
# Mediation failed
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
    respondent = case.parties.get(role="respondent")

    services.case_fail(
        case=case,
        by=world.secretary_a,
        failure_reason=FailureReason.PARTY_REFUSED,
        routes_explained=True,
        note="被申请人明确拒绝调解",
        party=respondent,
        refused_on=timezone.localdate(),
    )

    case = refresh(case)
    assert case.status == Status.FAILED
    assert case.failure_reason == FailureReason.PARTY_REFUSED
    assert case.routes_explained is True
    assert case.outcome_reason == "被申请人明确拒绝调解"
    assert (case.refusal.party, case.refusal.refused_on) == (respondent, timezone.localdate())
    assert timeline(case)[-1][:4] == (
        EventKind.FAILED,
        Status.ACCEPTED,
        Status.FAILED,
        "secretary_a",
    )


def test_failing_for_a_refusal_without_naming_who_refused_is_refused(world):
    case = accepted_case(world)
    counts = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        services.case_fail(
            case=case,
            by=world.secretary_a,
            failure_reason=FailureReason.PARTY_REFUSED,
            routes_explained=True,
        )

    assert excinfo.value.message_dict == {
        "party": ["请选择明确拒绝调解的当事人。"],
        "refused_on": ["请填写当事人拒绝调解的日期。"],
    }
    assert refresh(case).status == Status.ACCEPTED
    assert row_counts() == counts


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


def test_voiding_a_case_cancels_its_pending_escalation(world):
    case = mediating_case(world)
    escalation = services.escalation_propose(case=case, by=world.secretary_a, reason="三次未成")

    services.case_void(case=case, by=world.secretary_a, reason="重复登记")

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.CANCELLED
    assert escalation.decided_by == world.secretary_a
    assert services.workflow_refusal(refresh(case), Action.DECIDE_ESCALATION) is not None
