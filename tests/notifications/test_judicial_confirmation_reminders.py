"""Where the parties mean to apply for judicial confirmation (art. 33: within 30 days of
the agreement taking effect), the case's owner is reminded once, some days before the
window closes (FENGQIAO_JUDICIAL_REMINDER_DAYS, 7 by default)."""

import datetime

import pytest
from django.utils import timezone

from cases import services
from cases.models import Agreement
from notifications import tasks
from notifications.models import Notification, NotificationKind
from notifications.reminders import sweep_judicial_confirmations
from tests.builders import mediating, oral_agreement
from tests.factories import register_case

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def agreed(world, days: int, judicial_confirmation: str = "intended") -> Agreement:
    """An oral agreement in effect for ``days`` days, the parties' intent as given."""
    case = register_case(world.secretary_a, received_on=days_ago(days + 2))
    case = mediating(case, world.secretary_a, [world.mediator_a])
    services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(reached_on=days_ago(days))
    )
    return services.agreement_update(
        case=case, by=world.secretary_a, data={"judicial_confirmation": judicial_confirmation}
    )


def reminders() -> list[tuple]:
    return list(
        Notification.objects.filter(kind=NotificationKind.JUDICIAL_CONFIRMATION).values_list(
            "recipient", "case", "title"
        )
    )


def test_the_owner_is_reminded_seven_days_before_the_window_closes(world):
    agreement = agreed(world, 23)
    case = agreement.case

    assert sweep_judicial_confirmations() == 1

    deadline = days_ago(23) + datetime.timedelta(days=30)
    assert case.owner is not None
    assert reminders() == [
        (case.owner.pk, case.pk, f"案件 {case.number} 的调解协议须于 {deadline} 前申请司法确认")
    ]


def test_the_owner_is_reminded_once_however_often_the_sweep_runs(world):
    agreed(world, 25)

    first, second, third = (sweep_judicial_confirmations() for _ in range(3))

    assert (first, second, third) == (1, 0, 0)
    assert len(reminders()) == 1


def test_no_reminder_comes_before_the_reminder_day(world):
    agreed(world, 22)

    assert sweep_judicial_confirmations() == 0
    assert reminders() == []


def test_no_reminder_comes_once_the_parties_have_applied(world):
    agreement = agreed(world, 20)
    services.agreement_update(
        case=agreement.case,
        by=world.secretary_a,
        data={"judicial_confirmation": "applied", "judicial_applied_on": days_ago(1)},
    )

    assert sweep_judicial_confirmations(today=timezone.localdate() + datetime.timedelta(5)) == 0
    assert reminders() == []


def test_no_reminder_comes_where_the_application_date_is_in_but_the_status_still_intended(
    world,
):
    agreement = agreed(world, 24)
    services.agreement_update(
        case=agreement.case, by=world.secretary_a, data={"judicial_applied_on": days_ago(1)}
    )

    assert sweep_judicial_confirmations() == 0


def test_no_reminder_comes_where_no_application_is_intended(world):
    agreed(world, 25, judicial_confirmation="not_applied")

    assert sweep_judicial_confirmations() == 0
    assert reminders() == []


def test_no_reminder_comes_after_the_window_has_closed(world):
    agreed(world, 31)

    assert sweep_judicial_confirmations() == 0


def test_the_number_of_days_before_the_deadline_is_a_setting(world, settings):
    settings.FENGQIAO_JUDICIAL_REMINDER_DAYS = 12
    agreed(world, 18)

    assert sweep_judicial_confirmations() == 1


def test_no_reminder_comes_for_an_agreement_the_case_no_longer_has(world):
    agreement = agreed(world, 25)
    Agreement.objects.filter(pk=agreement.pk).update(superseded_at=timezone.now())

    assert sweep_judicial_confirmations() == 0


def test_the_beat_task_runs_the_sweep(world):
    agreed(world, 23)

    result = tasks.sweep_judicial_confirmations.apply()

    assert result.get() == 1
    assert len(reminders()) == 1
