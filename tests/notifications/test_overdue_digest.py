"""The overdue sweep's reports: one notification per person and day, whatever the backlog.

A first sweep after beat was down (or after old cases were imported) once wrote one
notification per case and person: 118,944 of them to 8 people in six minutes at 1M
cases, burying every inbox and holding the reminders queue. Now each person gets the
day's report, counting their cases and linking to the ledger's overdue filter."""

import datetime

from django.core import mail
from django.utils import timezone

from cases.models import Case, Status
from notifications import tasks
from notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.reminders import sweep_overdue_cases
from tests.factories import register_case
from tests.followups.helpers import clone_cases


def overdue(world, village, owner, count: int, today: datetime.date) -> list[Case]:
    template = register_case(owner, village)
    return clone_cases(
        template,
        count,
        area=village,
        status=Status.ACCEPTED,
        owner=owner,
        deadline=today - datetime.timedelta(days=3),
    )


def reports() -> dict[str, Notification]:
    return {
        n.recipient.username: n
        for n in Notification.objects.filter(kind=NotificationKind.CASE_OVERDUE).select_related(
            "recipient"
        )
    }


def test_a_backlog_of_overdue_cases_gives_each_person_one_report_counting_their_cases(world):
    today = timezone.localdate()
    overdue(world, world.village_a, world.secretary_a, 25, today)
    overdue(world, world.village_b, world.secretary_b, 12, today)

    assert sweep_overdue_cases(today=today, batch=7) == 37

    counts = {name: n.item_count for name, n in reports().items()}
    assert counts == {
        world.secretary_a.username: 25,
        world.supervisor_a.username: 25,  # the town of village A
        world.secretary_b.username: 12,
        world.supervisor_district.username: 37,  # both towns
    }
    district = reports()[world.supervisor_district.username]
    assert district.title == f"37 件案件已超过化解期限({today.isoformat()})"
    assert district.link == "/cases/?overdue=on"
    assert district.case is None
    assert len(district.body.splitlines()) == 10  # the first ten by number; the ledger has all

    # Run again (beat fires every ten minutes): nothing new, nothing changes.
    assert sweep_overdue_cases(today=today) == 0
    assert {name: n.item_count for name, n in reports().items()} == counts


def test_the_report_links_to_the_ledger_s_overdue_cases_within_the_reader_s_reach(world, client):
    today = timezone.localdate()
    own = overdue(world, world.village_b, world.secretary_b, 3, today)
    other = overdue(world, world.village_a, world.secretary_a, 3, today)
    sweep_overdue_cases(today=today)

    client.force_login(world.secretary_b)
    page = client.get(reports()[world.secretary_b.username].link).content.decode()

    assert all(case.number in page for case in own)
    assert not any(case.number in page for case in other)


def test_one_overdue_case_is_named_in_its_report_which_links_to_the_case(world):
    today = timezone.localdate()
    [case] = overdue(world, world.village_a, world.secretary_a, 1, today)

    sweep_overdue_cases(today=today)

    report = reports()[world.secretary_a.username]
    assert report.title == f"案件 {case.number} 已超过化解期限({case.due_on.isoformat()})"
    assert report.link == f"/cases/{case.pk}/"
    assert report.case == case


def test_a_report_read_and_then_added_to_is_unread_again_with_the_new_count(world):
    today = timezone.localdate()
    overdue(world, world.village_a, world.secretary_a, 3, today)
    sweep_overdue_cases(today=today)
    Notification.objects.update(read_at=timezone.now())

    overdue(world, world.village_a, world.secretary_a, 2, today)
    assert sweep_overdue_cases(today=today) == 2

    report = reports()[world.secretary_a.username]
    assert (report.item_count, report.read_at) == (5, None)
    assert report.title.startswith("5 件案件")


def test_a_run_stops_at_its_limit_and_the_next_run_adds_the_rest_to_the_same_report(world):
    today = timezone.localdate()
    overdue(world, world.village_a, world.secretary_a, 9, today)

    assert sweep_overdue_cases(today=today, batch=2, limit=4) == 4
    assert reports()[world.secretary_a.username].item_count == 4
    assert sweep_overdue_cases(today=today, batch=2, limit=4) == 4
    assert sweep_overdue_cases(today=today, batch=2, limit=4) == 1
    assert sweep_overdue_cases(today=today, batch=2, limit=4) == 0

    assert Notification.objects.filter(recipient=world.secretary_a).count() == 1
    assert reports()[world.secretary_a.username].item_count == 9


def test_the_email_of_a_report_waits_until_the_backlog_is_done_and_gives_the_whole_count(world):
    today = timezone.localdate()
    world.supervisor_a.email = "zhou@example.org"
    world.supervisor_a.save(update_fields=["email"])
    overdue(world, world.village_a, world.secretary_a, 9, today)

    sweep_overdue_cases(today=today, batch=2, limit=4)  # cut short: more to come
    email = Delivery.objects.get(channel=Channel.EMAIL)
    assert tasks.deliver.apply(args=[email.pk]).get() == "skipped"
    assert mail.outbox == []

    sweep_overdue_cases(today=today)  # caught up: the day's count is known
    assert tasks.deliver.apply(args=[email.pk]).get() == DeliveryStatus.SENT
    assert [m.subject for m in mail.outbox] == [f"9 件案件已超过化解期限({today.isoformat()})"]
    assert mail.outbox[0].to == ["zhou@example.org"]
