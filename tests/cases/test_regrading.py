"""Re-grading a case (DOMAIN §4): kept in history, the deadline recomputed, the level
raised when the new grade needs it; refused once the case is resolved."""

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
    accepted_case,
    record_session,
    refresh,
    resolved_case,
    today,
)
from tests.cases.helpers import days, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


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

    error = refused(
        lambda: services.case_change_grade(
            case=case, by=world.supervisor_a, grade="blue", reason="x"
        )
    )

    assert error.messages == ["案件当前状态为“调解成功”,不能调整等级。"]
