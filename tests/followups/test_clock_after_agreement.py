"""The follow-up clock starts when the agreement takes effect (issue 11, item 6): from the
day it was reached or signed, not from when it was typed in, and never for an agreement
not yet in force. A day becomes a moment by one rule (``followups.effect_moment``): now,
for today; the end of that day, for an earlier one."""

import datetime

import pytest
import time_machine

from cases import followups, services
from cases.models import FollowUp, FollowUpKind
from notifications.reminders import sweep_due_follow_ups
from tests.builders import mediating_case, oral_agreement, sign, written_agreement
from tests.followups.helpers import local

pytestmark = pytest.mark.django_db

T = local(2026, 3, 12, 15, 30)  # a Thursday afternoon in Shanghai
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
END_OF_9_MARCH = local(2026, 3, 9, 23, 59, 59)


def travel(moment):
    return time_machine.travel(moment, tick=False)


def due(case) -> dict[str, datetime.datetime]:
    return {f.kind: f.due_at for f in FollowUp.objects.filter(case=case)}


def test_an_agreement_in_force_today_starts_the_clock_now():
    assert followups.effect_moment(T.date(), now=T) == T


def test_an_agreement_in_force_on_an_earlier_day_starts_the_clock_at_the_end_of_that_day():
    assert followups.effect_moment(datetime.date(2026, 3, 9), now=T) == END_OF_9_MARCH


def test_an_oral_agreement_entered_days_late_counts_its_visits_from_the_day_it_was_reached(world):
    with travel(T):
        case = mediating_case(world, received_on=datetime.date(2026, 3, 1))
        services.agreement_record(
            case=case,
            by=world.secretary_a,
            data=oral_agreement(reached_on=datetime.date(2026, 3, 9)),
        )

    assert due(case) == {
        FollowUpKind.PHONE: END_OF_9_MARCH + 24 * HOUR,
        FollowUpKind.HOME_VISIT: END_OF_9_MARCH + 7 * DAY,
    }


def test_a_late_entered_agreement_s_call_already_due_is_reminded_at_the_next_sweep(world):
    with travel(T):
        case = mediating_case(world, received_on=datetime.date(2026, 3, 1))
        services.agreement_record(
            case=case,
            by=world.secretary_a,
            data=oral_agreement(reached_on=datetime.date(2026, 3, 9)),
        )
        sweep_due_follow_ups()

    phone = FollowUp.objects.get(case=case, kind=FollowUpKind.PHONE)
    assert phone.due_at < T  # overdue the moment it was entered, as it really is
    assert phone.reminded_at == T


def test_a_written_agreement_gets_no_visits_until_it_is_signed_and_then_from_the_signing_day(
    world,
):
    with travel(T):
        case = mediating_case(world, received_on=datetime.date(2026, 3, 1))
        services.agreement_record(
            case=case,
            by=world.secretary_a,
            data=written_agreement(reached_on=datetime.date(2026, 3, 5)),
        )
        assert not FollowUp.objects.filter(case=case).exists()

        sign(case, world.secretary_a, world.mediator_a, signed_on=datetime.date(2026, 3, 9))

    assert due(case) == {
        FollowUpKind.PHONE: END_OF_9_MARCH + 24 * HOUR,
        FollowUpKind.HOME_VISIT: END_OF_9_MARCH + 7 * DAY,
    }
