"""The petition clocks on beat: a reminder before each clock ends, a report to the
supervisors once it has ended; each once per clock, however often the sweep runs."""

import datetime

import pytest
import time_machine
from django.conf import settings

from cases import services
from cases.models import ClockPolicy, Grade
from notifications.models import Notification, NotificationKind
from notifications.reminders import sweep_overdue_cases, sweep_petition_clocks
from tests.builders import accept, petition_case, refresh
from tests.factories import register_case
from tests.followups.helpers import local

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
MARCH_2 = datetime.date(2026, 3, 2)


def on(day: datetime.date, hour: int = 9):
    return time_machine.travel(local(day.year, day.month, day.day, hour, 0), tick=False)


def told() -> list[tuple[str, str]]:
    return sorted(
        (username, key.rsplit(":", 1)[0])
        for username, key in Notification.objects.filter(
            kind=NotificationKind.PETITION_CLOCK
        ).values_list("recipient__username", "dedupe_key")
    )


def test_a_registered_petition_is_reminded_before_day_15_and_reported_after_it_once(world):
    with on(MARCH_2):
        case = petition_case(world.secretary_a, grade=Grade.RED)
    route_by = (MARCH_2 + 15 * DAY).isoformat()

    with on(MARCH_2 + 11 * DAY):
        assert sweep_petition_clocks() == 0  # four days before: not yet
    with on(MARCH_2 + 12 * DAY):
        assert sweep_petition_clocks() == 1
        assert sweep_petition_clocks() == 0
    # Nobody owns it before acceptance: its town's and district's supervisors hear.
    reminded = [("supervisor_a", f"petition_reminded_for:{case.pk}:{route_by}")]
    reminded.append(("supervisor_d", reminded[0][1]))
    assert told() == reminded

    with on(MARCH_2 + 15 * DAY):
        assert sweep_petition_clocks() == 0  # the last day is still in time
    with on(MARCH_2 + 16 * DAY):
        assert sweep_petition_clocks() == 1
        assert sweep_petition_clocks() == 0
        # The same passing is the case's overdue too (one rule), reported once there.
        assert sweep_overdue_cases() == 1
    reported = [
        (user, f"petition_reported_for:{case.pk}:{route_by}")
        for user in ("supervisor_a", "supervisor_d")
    ]
    assert told() == sorted(reminded + reported)
    assert refresh(case).overdue_reported_for == MARCH_2 + 15 * DAY


def test_accepting_starts_the_handling_clock_which_is_reminded_to_the_owner(world):
    ClockPolicy.objects.filter(pk=1).update(remind_days_before=5)
    with on(MARCH_2):
        case = accept(petition_case(world.secretary_a, grade=Grade.YELLOW), world.secretary_a)
    handle_by = MARCH_2 + 60 * DAY
    with on(handle_by - 5 * DAY):
        assert sweep_petition_clocks() == 1
    assert told() == [("secretary_a", f"petition_reminded_for:{case.pk}:{handle_by.isoformat()}")]


def test_an_extension_moves_the_handling_clock_and_it_is_reminded_afresh(world):
    with on(MARCH_2):
        case = accept(petition_case(world.secretary_a, grade=Grade.YELLOW), world.secretary_a)
    with on(MARCH_2 + 58 * DAY):
        assert sweep_petition_clocks() == 1
        services.petition_extend(case=case, by=world.supervisor_a, days=30, reason="需补充调查")
        assert sweep_petition_clocks() == 0
    with on(MARCH_2 + 88 * DAY):
        assert sweep_petition_clocks() == 1
    keys = [key for _user, key in told()]
    assert keys == [
        f"petition_reminded_for:{case.pk}:{(MARCH_2 + 60 * DAY).isoformat()}",
        f"petition_reminded_for:{case.pk}:{(MARCH_2 + 90 * DAY).isoformat()}",
    ]


def test_a_case_that_is_no_petition_is_never_swept(world):
    with on(MARCH_2):
        register_case(world.secretary_a, grade=Grade.RED)
    with on(MARCH_2 + 100 * DAY):
        assert sweep_petition_clocks() == 0
    assert told() == []


def test_the_sweep_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-petition-clocks"]
    assert entry["task"] == "notifications.tasks.sweep_petition_clocks"
