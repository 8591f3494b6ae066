"""Recording a follow-up visit (DOMAIN §4): a flare-up reopens the case (even a closed
one) and supersedes its agreement, signs of rebound alone do not; who may record one.
The schedule and reminders of visits are in tests/followups/."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import (
    CaseEvent,
    EventKind,
    FollowUp,
    FollowUpKind,
    HandlingLevel,
    SessionResult,
    Status,
)
from tests.builders import (
    follow_up,
    mediating_case,
    oral_agreement,
    record_session,
    refresh,
    resolved_case,
    today,
)
from tests.cases.helpers import days, kinds, refused, timeline

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


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
    services.follow_up_record(
        case=case, by=world.secretary_a, data=follow_up(kind=FollowUpKind.HOME_VISIT)
    )
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

    error = refused(
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


def test_a_grid_member_may_still_record_follow_ups_on_a_village_level_case(world):
    case = resolved_case(world, area=world.grid_a)
    assert case.level == HandlingLevel.VILLAGE

    services.follow_up_record(case=case, by=world.grid_member_a, data=follow_up())

    assert FollowUp.objects.get(case=case, kind="phone").done_by == world.grid_member_a


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
