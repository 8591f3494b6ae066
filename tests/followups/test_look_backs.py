"""回头看 (seed 002, issue 11 item 5): closing a resolved case schedules its look-backs by
the grade's LookBackRule rows (default 3 and 6 months for yellow and red, none for blue);
they are reminded on beat like any visit, once however often the sweep runs, and one that
finds the dispute flared again reopens the closed case."""

import datetime

import pytest
import time_machine

from cases import services
from cases.models import (
    EventKind,
    FollowUp,
    FollowUpKind,
    Grade,
    LookBackRule,
    Status,
)
from notifications.models import Notification, NotificationKind
from notifications.reminders import sweep_due_follow_ups
from tests.api.conftest import token_client
from tests.builders import close, fulfil, mediating_case, refresh, resolved_case, visit
from tests.cases.helpers import timeline
from tests.followups.helpers import local
from tests.web.helpers import datetime_input

pytestmark = pytest.mark.django_db

T = local(2026, 1, 31, 10, 0)  # a month after 31 January is the last day of February
LOOK_BACK = FollowUpKind.LOOK_BACK


def travel(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def closed_on_t(world, grade=Grade.YELLOW, area=None):
    """Resolved, fulfilled, both visits made and closed, all at T."""
    with travel(T):
        case = resolved_case(world, area, grade=grade)
        fulfil(case, world.secretary_a)
        visit(case, world.secretary_a)
        visit(case, world.secretary_a, kind=FollowUpKind.HOME_VISIT)
        return close(case, world.secretary_a)


def look_backs(case):
    return list(FollowUp.objects.filter(case=case, kind=LOOK_BACK).order_by("due_at"))


def reminded_keys() -> list[str]:
    return list(
        Notification.objects.filter(kind=NotificationKind.FOLLOW_UP_DUE)
        .order_by("id")
        .values_list("dedupe_key", flat=True)
    )


def test_closing_a_yellow_case_schedules_look_backs_three_and_six_months_on(world):
    case = closed_on_t(world)

    assert [(v.due_at, v.responsible) for v in look_backs(case)] == [
        (local(2026, 4, 30, 10, 0), world.secretary_a),
        (local(2026, 7, 31, 10, 0), world.secretary_a),
    ]
    # Reminded three days ahead (the default rule).
    assert [v.remind_at for v in look_backs(case)] == [
        local(2026, 4, 27, 10, 0),
        local(2026, 7, 28, 10, 0),
    ]


def test_a_blue_case_gets_no_look_back(world):
    case = closed_on_t(world, grade=Grade.BLUE, area=world.grid_a)

    assert refresh(case).status == Status.CLOSED
    assert look_backs(case) == []


def test_a_rule_the_office_switches_off_or_adds_changes_what_closing_schedules(world):
    LookBackRule.objects.filter(grade=Grade.YELLOW, months_after_closing=6).update(is_active=False)
    LookBackRule.objects.create(grade=Grade.YELLOW, months_after_closing=12)

    case = closed_on_t(world)

    assert [v.due_at for v in look_backs(case)] == [
        local(2026, 4, 30, 10, 0),
        local(2027, 1, 31, 10, 0),
    ]


def test_a_failed_case_closes_without_look_backs(world):
    case = mediating_case(world)
    services.case_fail(
        case=case, by=world.secretary_a, failure_reason="sessions_failed", routes_explained=True
    )
    services.case_close(case=case, by=world.supervisor_a)

    assert refresh(case).status == Status.CLOSED
    assert look_backs(case) == []


def test_the_sweep_reminds_a_closed_yellow_case_s_look_backs_once_each_however_often_it_runs(
    world,
):
    case = closed_on_t(world)
    first, second = look_backs(case)

    with travel(local(2026, 4, 27, 9, 59)):
        assert sweep_due_follow_ups() == 0
    with travel(local(2026, 4, 27, 10, 0)):
        assert sweep_due_follow_ups() == 1
        assert sweep_due_follow_ups() == 0  # the second run finds it claimed
    with travel(local(2026, 12, 31, 10, 0)):
        assert sweep_due_follow_ups() == 1
        assert sweep_due_follow_ups() == 0

    assert reminded_keys()[-2:] == [f"follow-up:{first.pk}", f"follow-up:{second.pk}"]
    assert Notification.objects.filter(
        recipient=world.secretary_a, dedupe_key=f"follow-up:{first.pk}"
    ).exists()


def test_a_look_back_recorded_on_the_closed_case_completes_the_earliest_scheduled_one(world):
    case = closed_on_t(world)
    first, second = look_backs(case)

    with travel(local(2026, 4, 29, 15, 0)):
        visit(case, world.secretary_a, kind=LOOK_BACK, notes="回头看:双方相安无事。")

    first, second = look_backs(case)
    assert first.done_at == local(2026, 4, 29, 15, 0)
    assert second.done_at is None
    assert refresh(case).status == Status.CLOSED


def test_a_look_back_that_finds_the_dispute_flared_again_reopens_the_closed_case(world):
    case = closed_on_t(world)

    with travel(local(2026, 4, 29, 15, 0)):
        visit(case, world.secretary_a, kind=LOOK_BACK, flared_again=True, satisfaction="")

    case = refresh(case)
    assert case.status == Status.MEDIATING
    assert case.closed_at is None
    assert timeline(case)[-1][:3] == (EventKind.REOPENED, Status.CLOSED, Status.MEDIATING)
    # The six-month look-back is moot now: cancelled, never reminded.
    assert [(v.done_at is not None, v.cancelled_at is not None) for v in look_backs(case)] == [
        (True, False),
        (False, True),
    ]
    with travel(local(2026, 12, 31, 10, 0)):
        assert sweep_due_follow_ups() == 0


def test_a_look_back_is_recorded_on_the_closed_case_through_the_page_and_the_api(client, world):
    first_case, second_case = closed_on_t(world), closed_on_t(world)
    moment = local(2026, 4, 29, 15, 0)
    client.force_login(world.secretary_a)

    with travel(moment):
        page = client.post(
            f"/cases/{first_case.pk}/follow-ups/new/",
            {"kind": "look_back", "done_at": datetime_input(moment), "notes": "回头看:无反复。"},
        )
        api = token_client(world.secretary_a).post(
            f"/api/v1/cases/{second_case.pk}/follow-ups/",
            {"kind": "look_back", "done_at": moment.isoformat(), "notes": "回头看:无反复。"},
            format="json",
        )

    assert page.status_code == 302
    assert api.status_code == 201
    for case in (first_case, second_case):
        assert [v.done_at for v in look_backs(case)] == [moment, None]
        assert refresh(case).status == Status.CLOSED
