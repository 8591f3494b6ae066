"""A case's follow-up life, with the clock moved by time_machine (DOMAIN §4).

An agreement at T schedules the 24-hour phone call and the 7-day home visit as rows with
a ``remind_at``; the beat sweep reminds the responsible person once each when that moment
comes; recorded visits complete the rows, "signs of rebound" schedules the 1-month
re-visit, "flared again" reopens the case; overdue cases are reported once per deadline;
three failed sessions propose the case to the next level.
"""

import datetime

import pytest
import time_machine

from cases import services
from cases.models import (
    Escalation,
    EscalationStatus,
    FollowUp,
    FollowUpKind,
    FollowUpRule,
    Grade,
    HandlingLevel,
    OffsetUnit,
    Performance,
    ResponsibilityRule,
    SessionResult,
    Status,
    WorkflowPolicy,
)
from notifications.models import Notification, NotificationKind
from notifications.reminders import sweep_due_follow_ups, sweep_overdue_cases
from tests.builders import (
    accepted_case,
    record_agreement,
    record_session,
    refresh,
    resolved_case,
    visit,
)
from tests.followups.helpers import local

pytestmark = pytest.mark.django_db

T = local(2026, 3, 2, 9, 0)  # a Monday morning in Shanghai
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
PHONE, HOME, REVISIT = FollowUpKind.PHONE, FollowUpKind.HOME_VISIT, FollowUpKind.REVISIT
LOOK_BACK = FollowUpKind.LOOK_BACK


def travel(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def sweep_at(moment: datetime.datetime) -> int:
    with travel(moment):
        return sweep_due_follow_ups()


def reminders() -> list[tuple[str, str]]:
    """(recipient, dedupe key) of every follow-up reminder, oldest first."""
    return list(
        Notification.objects.filter(kind=NotificationKind.FOLLOW_UP_DUE)
        .order_by("id")
        .values_list("recipient__username", "dedupe_key")
    )


def outstanding(case) -> dict[str, FollowUp]:
    return {f.kind: f for f in FollowUp.objects.filter(case=case, done_at__isnull=True)}


def lead(kind: str) -> datetime.timedelta:
    return datetime.timedelta(hours=FollowUpRule.objects.get(kind=kind).remind_before_hours)


def record_visit(case, by, moment: datetime.datetime, **fields):
    with travel(moment):
        return visit(case, by, done_at=moment, **fields)


# ---------------------------------------------------------------------------
# Scheduling
# ---------------------------------------------------------------------------


def test_the_default_rules_are_domain_s_24_hours_7_days_and_1_month_with_their_reminder_leads():
    rules = {
        r.kind: (r.offset_amount, r.offset_unit, r.remind_before_hours)
        for r in FollowUpRule.objects.all()
    }
    assert rules == {
        PHONE: (24, OffsetUnit.HOURS, 2),
        HOME: (7, OffsetUnit.DAYS, 24),
        REVISIT: (1, OffsetUnit.MONTHS, 48),
    }


def test_an_agreement_on_a_grid_level_case_schedules_the_call_and_the_visit_for_the_grid_member(
    world,
):
    with travel(T):
        case = resolved_case(world, world.grid_a, grade=Grade.BLUE)

    assert (case.level, case.status) == (HandlingLevel.GRID, Status.RESOLVED)
    scheduled = outstanding(case)
    assert set(scheduled) == {PHONE, HOME}
    assert scheduled[PHONE].due_at == T + 24 * HOUR
    assert scheduled[PHONE].remind_at == T + 24 * HOUR - lead(PHONE) == T + 22 * HOUR
    assert scheduled[HOME].due_at == T + 7 * DAY
    assert scheduled[HOME].remind_at == T + 7 * DAY - lead(HOME) == T + 6 * DAY
    # The case's owner is the village secretary; the policy names the grid member.
    assert case.owner == world.secretary_a
    assert {f.responsible for f in scheduled.values()} == {world.grid_member_a}
    assert all(f.reminded_at is None for f in scheduled.values())


def test_an_agreement_on_a_village_level_case_makes_the_village_secretary_responsible(world):
    with travel(T):
        case = resolved_case(world, world.village_a, grade=Grade.YELLOW, owner=world.clerk_a)

    assert case.level == HandlingLevel.VILLAGE
    assert case.owner == world.clerk_a
    assert {f.responsible for f in outstanding(case).values()} == {world.secretary_a}


def test_editing_the_follow_up_rule_changes_the_schedule_of_the_next_agreement_only(world):
    with travel(T):
        before = resolved_case(world, world.grid_a, grade=Grade.BLUE)
    FollowUpRule.objects.filter(kind=PHONE).update(offset_amount=48, remind_before_hours=4)
    FollowUpRule.objects.filter(kind=HOME).update(offset_amount=10, offset_unit=OffsetUnit.DAYS)

    later = T + 2 * HOUR
    with travel(later):
        after = resolved_case(world, world.grid_a, grade=Grade.BLUE)

    assert outstanding(before)[PHONE].due_at == T + 24 * HOUR
    assert outstanding(before)[HOME].due_at == T + 7 * DAY
    assert outstanding(after)[PHONE].due_at == later + 48 * HOUR
    assert outstanding(after)[PHONE].remind_at == later + 44 * HOUR
    assert outstanding(after)[HOME].due_at == later + 10 * DAY


def test_editing_the_responsibility_rule_changes_who_is_reminded_for_the_next_case(world):
    ResponsibilityRule.objects.filter(grade=Grade.BLUE, level=HandlingLevel.GRID).update(
        role="village_secretary"
    )
    with travel(T):
        case = resolved_case(world, world.grid_a, grade=Grade.BLUE, owner=world.clerk_a)

    assert {f.responsible for f in outstanding(case).values()} == {world.secretary_a}


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------


def test_each_visit_is_reminded_once_to_the_responsible_person_when_its_reminder_time_comes(world):
    with travel(T):
        case = resolved_case(world, world.grid_a, grade=Grade.BLUE)
    phone, home = outstanding(case)[PHONE], outstanding(case)[HOME]

    assert sweep_at(T + 22 * HOUR - MINUTE) == 0
    assert reminders() == []

    assert sweep_at(T + 22 * HOUR) == 1
    assert reminders() == [("grid_a", f"follow-up:{phone.pk}")]
    assert sweep_at(T + 22 * HOUR) == 0
    assert sweep_at(T + 23 * HOUR) == 0
    assert reminders() == [("grid_a", f"follow-up:{phone.pk}")]

    assert sweep_at(T + 6 * DAY - MINUTE) == 0
    assert sweep_at(T + 6 * DAY) == 1
    assert sweep_at(T + 6 * DAY + HOUR) == 0
    assert sweep_at(T + 60 * DAY) == 0
    assert reminders() == [
        ("grid_a", f"follow-up:{phone.pk}"),
        ("grid_a", f"follow-up:{home.pk}"),
    ]

    notice = Notification.objects.get(dedupe_key=f"follow-up:{phone.pk}")
    assert notice.case == case
    assert notice.link == f"/cases/{case.pk}/"
    assert case.number in notice.title
    assert "2026-03-03 09:00" in notice.title  # the due time, on the Shanghai clock
    assert FollowUp.objects.get(pk=phone.pk).reminded_at == T + 22 * HOUR


def test_recording_the_phone_call_completes_the_scheduled_visit_instead_of_adding_one(world):
    with travel(T):
        case = resolved_case(world, world.grid_a, grade=Grade.BLUE)
    scheduled = outstanding(case)[PHONE]

    done = record_visit(case, world.grid_member_a, T + 20 * HOUR)

    assert done.pk == scheduled.pk
    assert FollowUp.objects.filter(case=case, kind=PHONE).count() == 1
    row = FollowUp.objects.get(pk=scheduled.pk)
    assert (row.done_at, row.done_by, row.due_at) == (
        T + 20 * HOUR,
        world.grid_member_a,
        T + 24 * HOUR,
    )
    # Done before its reminder time: nobody is reminded of it.
    assert sweep_at(T + 23 * HOUR) == 0
    assert reminders() == []
    assert set(outstanding(case)) == {HOME}


def test_a_visit_with_signs_of_rebound_schedules_the_revisit_a_calendar_month_later(world):
    with travel(T):
        case = resolved_case(world, world.grid_a, grade=Grade.BLUE)
    visit_at = T + 5 * DAY  # 2026-03-07 09:00

    record_visit(case, world.grid_member_a, visit_at, kind=HOME, rebound_signs=True)

    revisit = outstanding(case)[REVISIT]
    assert revisit.due_at == local(2026, 4, 7, 9, 0)
    assert revisit.remind_at == local(2026, 4, 5, 9, 0)  # 48 hours' lead
    assert revisit.responsible == world.grid_member_a
    assert refresh(case).status == Status.RESOLVED

    assert sweep_at(local(2026, 4, 5, 8, 59)) == 1  # the phone call, never recorded
    assert sweep_at(local(2026, 4, 5, 9, 0)) == 1
    assert reminders()[-1] == ("grid_a", f"follow-up:{revisit.pk}")


def test_a_visit_on_31_january_with_signs_of_rebound_is_revisited_on_the_last_day_of_february(
    world,
):
    with travel(local(2026, 1, 31, 10, 0)):
        case = resolved_case(world, world.grid_a, grade=Grade.BLUE)

    record_visit(
        case, world.grid_member_a, local(2026, 1, 31, 18, 0), kind=HOME, rebound_signs=True
    )

    assert outstanding(case)[REVISIT].due_at == local(2026, 2, 28, 18, 0)


def test_an_agreement_flagged_with_rebound_risk_schedules_the_revisit_at_once(world):
    with travel(T):
        case = resolved_case(
            world, world.grid_a, grade=Grade.BLUE, agreement={"rebound_risk": True}
        )

    scheduled = outstanding(case)
    assert set(scheduled) == {PHONE, HOME, REVISIT}
    assert scheduled[REVISIT].due_at == local(2026, 4, 2, 9, 0)
    assert scheduled[REVISIT].remind_at == local(2026, 3, 31, 9, 0)


def test_a_second_visit_with_signs_of_rebound_does_not_schedule_a_second_revisit(world):
    with travel(T):
        case = resolved_case(
            world, world.grid_a, grade=Grade.BLUE, agreement={"rebound_risk": True}
        )

    record_visit(case, world.grid_member_a, T + HOUR, kind=PHONE, rebound_signs=True)

    assert FollowUp.objects.filter(case=case, kind=REVISIT).count() == 1
    assert outstanding(case)[REVISIT].due_at == local(2026, 4, 2, 9, 0)


def test_a_visit_that_finds_the_dispute_flared_again_reopens_the_case_and_silences_its_visits(
    world,
):
    with travel(T):
        case = resolved_case(
            world, world.grid_a, grade=Grade.BLUE, agreement={"rebound_risk": True}
        )
    assert sweep_at(T + 22 * HOUR) == 1  # the phone call's reminder went out

    record_visit(case, world.grid_member_a, T + 23 * HOUR, kind=PHONE, flared_again=True)

    case = refresh(case)
    assert case.status == Status.MEDIATING
    assert case.agreement is None  # superseded, kept on record
    assert case.agreements.count() == 1
    assert case.deadline == datetime.date(2026, 3, 3) + datetime.timedelta(days=7)  # blue: 7 days
    assert set(outstanding(case)) == {HOME, REVISIT}

    sweep_at(T + 6 * DAY)
    sweep_at(T + 40 * DAY)
    assert len(reminders()) == 1  # only the phone call's, from before the flare-up


def test_after_a_flare_up_and_a_new_agreement_the_new_home_visit_is_scheduled_and_reminded(
    world,
):
    with travel(T):
        case = resolved_case(world, world.grid_a, grade=Grade.BLUE)
    record_visit(case, world.grid_member_a, T + 23 * HOUR, kind=PHONE, flared_again=True)
    sweep_at(T + 6 * DAY)  # the old home visit's reminder time passes while mediating

    second = T + 8 * DAY
    with travel(second):
        record_session(case, world.secretary_a, [world.mediator_a])
        record_agreement(case, world.secretary_a)

    assert outstanding(case)[HOME].due_at == second + 7 * DAY
    sweep_at(second + 6 * DAY)
    home = outstanding(case)[HOME]
    assert ("grid_a", f"follow-up:{home.pk}") in reminders()


def test_a_case_s_whole_follow_up_life_from_agreement_to_closing(world):
    """Village case owned by the town clerk: the village secretary makes the visits."""
    with travel(T):
        case = resolved_case(world, world.village_a, grade=Grade.YELLOW, owner=world.clerk_a)
    secretary = world.secretary_a

    # Day 1: the phone call is reminded two hours before it is due, and made.
    assert sweep_at(T + 21 * HOUR) == 0
    assert sweep_at(T + 22 * HOUR) == 1
    record_visit(case, secretary, T + 23 * HOUR, kind=PHONE)
    # Day 5: the home visit is made before its reminder; it finds signs of rebound.
    record_visit(case, secretary, T + 5 * DAY, kind=HOME, rebound_signs=True)
    assert sweep_at(T + 6 * DAY) == 0
    revisit = outstanding(case)[REVISIT]
    assert revisit.due_at == local(2026, 4, 7, 9, 0)
    # A month on: the re-visit is reminded 48 hours ahead, then made; all is well.
    assert sweep_at(local(2026, 4, 5, 9, 0)) == 1
    record_visit(case, secretary, local(2026, 4, 6, 15, 0), kind=REVISIT)
    with travel(local(2026, 4, 6, 16, 0)):
        services.agreement_update(
            case=case, by=secretary, data={"performance": Performance.FULFILLED}
        )
        services.case_close(case=case, by=secretary, note="回访无反弹,销号。")

    assert refresh(case).status == Status.CLOSED
    # Closing a yellow case schedules its look-backs (回头看), 3 and 6 months on.
    look_backs = list(
        FollowUp.objects.filter(case=case, kind=LOOK_BACK, done_at__isnull=True).order_by("due_at")
    )
    assert [v.due_at for v in look_backs] == [local(2026, 7, 6, 16, 0), local(2026, 10, 6, 16, 0)]
    assert set(outstanding(case)) == {LOOK_BACK}
    assert sweep_at(local(2026, 12, 31, 23, 0)) == 2
    phone = FollowUp.objects.get(case=case, kind=PHONE)
    assert reminders() == [
        ("secretary_a", f"follow-up:{phone.pk}"),
        ("secretary_a", f"follow-up:{revisit.pk}"),
        *(("secretary_a", f"follow-up:{v.pk}") for v in look_backs),
    ]


# ---------------------------------------------------------------------------
# Deadlines and escalation
# ---------------------------------------------------------------------------


def overdue_reports() -> list[tuple[str, str, int | None]]:
    """(recipient, title, case) of each overdue report in the inboxes."""
    return sorted(
        Notification.objects.filter(kind=NotificationKind.CASE_OVERDUE).values_list(
            "recipient__username", "title", "case_id"
        )
    )


def test_an_overdue_case_is_reported_once_per_deadline_and_again_after_a_regrade_moves_it(world):
    with travel(T):
        case = accepted_case(world, grade=Grade.YELLOW)
    assert case.deadline == datetime.date(2026, 3, 17)  # yellow: 15 days
    everyone = ["secretary_a", "supervisor_a", "supervisor_d"]  # owner, town, district

    with travel(local(2026, 3, 17, 23, 59)):
        assert sweep_overdue_cases() == 0
    with travel(local(2026, 3, 18, 0, 1)):
        assert sweep_overdue_cases() == 1
        assert sweep_overdue_cases() == 0
    with travel(local(2026, 3, 25, 8, 0)):
        assert sweep_overdue_cases() == 0
    first = [(u, f"案件 {case.number} 已超过化解期限(2026-03-17)", case.pk) for u in everyone]
    assert overdue_reports() == sorted(first)

    with travel(local(2026, 3, 25, 9, 0)):
        services.case_change_grade(case=case, by=world.supervisor_a, grade=Grade.RED, reason="升级")
        assert refresh(case).deadline == datetime.date(2026, 4, 1)  # red: 30 days
        assert sweep_overdue_cases() == 0
    with travel(local(2026, 4, 2, 8, 0)):
        assert sweep_overdue_cases() == 1
        assert sweep_overdue_cases() == 0
    # Raised to red, the case is the town's (三三调处): the town's supervisor who raised it
    # owns it now, and is told once.
    second = [(u, f"案件 {case.number} 已超过化解期限(2026-04-01)", case.pk) for u in everyone[1:]]
    assert overdue_reports() == sorted(first + second)
    assert refresh(case).overdue_reported_for == datetime.date(2026, 4, 1)


def test_a_case_that_cools_to_a_shorter_limit_already_passed_is_reported_for_the_new_deadline(
    world,
):
    with travel(T):
        case = accepted_case(world, grade=Grade.YELLOW)
    with travel(local(2026, 3, 18, 9, 0)):
        assert sweep_overdue_cases() == 1
        services.case_change_grade(
            case=case, by=world.supervisor_a, grade=Grade.BLUE, reason="降级"
        )
        assert sweep_overdue_cases() == 1
        assert sweep_overdue_cases() == 0
    # Both deadlines passed on one day: each person's report of the day counts the case
    # twice (once per deadline) and names no single case any more.
    reports = Notification.objects.filter(kind=NotificationKind.CASE_OVERDUE)
    assert reports.count() == 3
    assert set(reports.values_list("item_count", "case_id", "title")) == {
        (2, None, "2 件案件已超过化解期限(2026-03-18)")
    }


def test_a_case_resolved_or_closed_is_not_reported_overdue(world):
    with travel(T):
        case = resolved_case(world, world.village_a, grade=Grade.YELLOW)
    with travel(local(2026, 5, 1, 9, 0)):
        assert sweep_overdue_cases() == 0
    assert overdue_reports() == []
    assert refresh(case).status == Status.RESOLVED


def fail_session(case, world):
    with travel(T + HOUR):
        return record_session(
            case, world.secretary_a, [world.mediator_a], SessionResult.NOT_RESOLVED
        )


def test_the_third_failed_session_proposes_the_case_to_the_town_and_tells_its_clerk_and_supervisor(
    world,
):
    with travel(T):
        case = accepted_case(world, grade=Grade.YELLOW)

    assert fail_session(case, world).escalation_due is False
    assert fail_session(case, world).escalation_due is False
    assert not Escalation.objects.exists()
    outcome = fail_session(case, world)

    assert outcome.escalation_due is True
    escalation = Escalation.objects.get(case=case)
    assert (escalation.status, escalation.from_level, escalation.to_level) == (
        EscalationStatus.PROPOSED,
        HandlingLevel.VILLAGE,
        HandlingLevel.TOWN,
    )
    told = sorted(
        Notification.objects.filter(kind=NotificationKind.ESCALATION).values_list(
            "recipient__username", "dedupe_key"
        )
    )
    assert told == sorted(
        [
            ("clerk_a", f"escalation:{escalation.pk}:{world.clerk_a.pk}"),
            ("supervisor_a", f"escalation:{escalation.pk}:{world.supervisor_a.pk}"),
        ]
    )
    # A fourth failure while the proposal waits proposes nothing more.
    fail_session(case, world)
    assert Escalation.objects.filter(case=case).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.ESCALATION).count() == 2


def test_with_automatic_escalation_off_the_third_failed_session_proposes_nothing(world):
    WorkflowPolicy.objects.filter(pk=WorkflowPolicy.current().pk).update(
        auto_propose_escalation=False
    )
    with travel(T):
        case = accepted_case(world, grade=Grade.YELLOW)

    for _ in range(3):
        outcome = fail_session(case, world)

    assert outcome.escalation_due is True  # the page still says it is time to go up
    assert refresh(case).failed_attempts == 3
    assert not Escalation.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.ESCALATION).exists()
