"""Re-grading a case (DOMAIN §4): kept in history, the deadline recomputed, the level
raised when the new grade needs it, lowered only while the higher level has not begun;
refused once the case is resolved."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import (
    CaseEvent,
    EventKind,
    Grade,
    GradeChange,
    HandlingLevel,
    SessionResult,
)
from tests.builders import (
    accepted_at_town,
    accepted_case,
    record_session,
    refresh,
    resolved_case,
    today,
)
from tests.cases.helpers import days, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


def test_cooling_a_red_case_before_the_town_mediates_sends_it_back_to_the_village_team(world):
    received = today() - days(4)
    case = accepted_at_town(world, received_on=received)
    assert (case.level, case.organisation) == (HandlingLevel.TOWN, world.team_a)
    assert case.deadline == received + days(30)

    services.case_change_grade(
        case=case, by=world.supervisor_a, grade=Grade.YELLOW, reason="双方情绪平稳"
    )

    case = refresh(case)
    assert case.grade == Grade.YELLOW
    assert case.level == HandlingLevel.VILLAGE
    assert case.organisation.name == "枫源村人民调解委员会"
    assert case.deadline == received + days(15)
    change = GradeChange.objects.get(case=case)
    assert (change.from_grade, change.to_grade) == (Grade.RED, Grade.YELLOW)
    assert change.reason == "双方情绪平稳"
    assert change.changed_by == world.supervisor_a
    event = CaseEvent.objects.get(case=case, kind=EventKind.GRADE_CHANGED)
    assert event.changes == {
        "风险等级": ["红色(重大)", "黄色(较大)"],
        "处置层级": ["乡镇(街道)", "村(社区)"],
        "调解组织": ["枫桥镇专业调处团队", "枫源村人民调解委员会"],
    }
    assert event.actor == world.supervisor_a
    assert event.note == "双方情绪平稳"


def test_cooling_a_red_case_the_towns_team_has_begun_to_mediate_keeps_it_at_the_town(world):
    case = accepted_at_town(world)
    record_session(case, world.town_mediator_user_a, [world.town_mediator_a])

    services.case_change_grade(
        case=case, by=world.supervisor_a, grade=Grade.YELLOW, reason="双方情绪平稳"
    )

    case = refresh(case)
    assert (case.grade, case.level, case.organisation) == (
        Grade.YELLOW,
        HandlingLevel.TOWN,
        world.team_a,
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.GRADE_CHANGED)
    assert event.changes == {"风险等级": ["红色(重大)", "黄色(较大)"]}


def test_a_case_handed_up_to_the_town_stays_there_when_it_cools(world):
    case = accepted_case(world)
    services.escalation_propose(case=case, by=world.secretary_a, reason="村级调解未成")
    services.escalation_decide(case=case, by=world.supervisor_a, accept=True)

    services.case_change_grade(case=case, by=world.supervisor_a, grade=Grade.BLUE, reason="降温")

    assert refresh(case).level == HandlingLevel.TOWN


def test_a_case_back_at_the_village_counts_the_villages_own_failed_attempts_again(world):
    case = accepted_case(world)
    for _ in range(2):
        record_session(case, world.secretary_a, [world.mediator_a], SessionResult.NOT_RESOLVED)
    services.case_change_grade(case=case, by=world.secretary_a, grade=Grade.RED, reason="扬言动手")
    assert (refresh(case).level, refresh(case).failed_attempts) == (HandlingLevel.TOWN, 0)

    services.case_change_grade(case=case, by=world.clerk_a, grade=Grade.YELLOW, reason="已稳控")

    case = refresh(case)
    assert (case.level, case.failed_attempts) == (HandlingLevel.VILLAGE, 2)


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
    case = accepted_at_town(world)

    services.case_change_grade(case=case, by=world.supervisor_a, grade="yellow", reason="降温")
    services.case_change_grade(case=case, by=world.supervisor_a, grade="blue", reason="基本化解")

    assert list(GradeChange.objects.filter(case=case).values_list("from_grade", "to_grade")) == [
        ("red", "yellow"),
        ("yellow", "blue"),
    ]
    assert refresh(case).level == HandlingLevel.VILLAGE


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

    error = refused(
        lambda: services.case_change_grade(
            case=case, by=world.supervisor_a, grade="blue", reason="x"
        )
    )

    assert error.messages == ["案件当前状态为“调解成功”,不能调整等级。"]


def test_a_case_raised_to_red_changes_hands_to_the_towns_team(world):
    case = accepted_case(world)
    assert case.owner == world.secretary_a

    services.case_change_grade(case=case, by=world.supervisor_a, grade=Grade.RED, reason="扬言动手")

    case = refresh(case)
    assert (case.level, case.organisation, case.owner) == (
        HandlingLevel.TOWN,
        world.team_a,
        world.supervisor_a,
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.GRADE_CHANGED)
    assert event.changes["调解组织"] == ["枫源村人民调解委员会", "枫桥镇专业调处团队"]
    assert event.changes["责任人"] == [str(world.secretary_a), str(world.supervisor_a)]
