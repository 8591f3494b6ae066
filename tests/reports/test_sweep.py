"""The monthly sweep (beat, every 15 minutes): at the review moment (policy, default
08:00 on the 1st, Shanghai time) it opens last month's review of every active village
with its agenda, and reminds each village secretary once."""

import datetime

import pytest
from django.db.models import Count

from accounts.models import Role
from cases.models import WorkflowPolicy
from grids.models import AreaLevel
from notifications.models import Notification, NotificationKind
from reports import tasks
from reports.models import MonthlyReview
from reports.selectors import review_agenda
from tests.factories import UserFactory, area_child, register_case
from tests.reports.helpers import MARCH, REVIEW_MOMENT, at, build_march, sweep_at, travel


def reviews() -> list[tuple[str, datetime.date]]:
    return sorted(MonthlyReview.objects.values_list("village__code", "month"))


def reminders() -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(kind=NotificationKind.MONTHLY_REVIEW).values_list(
            "recipient__username", "dedupe_key"
        )
    )


def set_policy(day: int, hour: int) -> None:
    policy = WorkflowPolicy.current()
    policy.review_day, policy.review_hour = day, hour
    policy.save()


def test_a_sweep_one_minute_before_the_review_moment_does_nothing(world):
    assert sweep_at(at(2025, 4, 1, 7, 59)) == 0

    assert reviews() == []
    assert reminders() == []


def test_a_sweep_on_the_last_evening_of_march_reviews_february_not_march(world):
    assert sweep_at(at(2025, 3, 31, 23, 59)) == 3

    assert {month for _code, month in reviews()} == {datetime.date(2025, 2, 1)}


def test_at_the_review_moment_each_village_gets_one_review_and_each_secretary_one_reminder(
    world,
):
    assert sweep_at(REVIEW_MOMENT) == 3

    assert reviews() == [
        (world.village_a.code, MARCH),
        (world.village_a2.code, MARCH),
        (world.village_b.code, MARCH),
    ]
    by_village = {r.village_id: r for r in MonthlyReview.objects.all()}
    assert reminders() == sorted(
        (
            secretary.username,
            f"monthly-review:{secretary.area_id}:2025-03:{secretary.pk}",
        )
        for secretary in (world.secretary_a, world.secretary_a2, world.secretary_b)
    )
    for review in by_village.values():
        assert review.reminded_at == REVIEW_MOMENT
        assert review.held_on is None
    notification = Notification.objects.get(recipient=world.secretary_a)
    review_a = by_village[world.village_a.pk]
    assert notification.link == f"/reports/reviews/{review_a.pk}/"
    assert notification.title == "2025年3月 月例会提醒:枫源村"
    assert notification.case is None


def test_the_review_stores_the_agenda_and_the_reminder_summarises_it(world):
    build_march(world)

    sweep_at(REVIEW_MOMENT)

    review = MonthlyReview.objects.get(village=world.village_a, month=MARCH)
    assert review.agenda == review_agenda(world.village_a, MARCH)
    assert Notification.objects.get(recipient=world.secretary_a).body == (
        "上月新增 6 件,销号 2 件,月末在办 5 件,其中超期 2 件;"
        "回访 8 次,发现反弹隐患 1 次、再次激化 1 次;需重点关注的风险案件 3 件。"
    )


def test_the_agenda_is_a_snapshot_that_later_cases_do_not_change(world):
    build_march(world)
    sweep_at(REVIEW_MOMENT)
    review = MonthlyReview.objects.get(village=world.village_a, month=MARCH)
    stored = dict(review.agenda)

    with travel(at(2025, 3, 31, 12)):
        register_case(world.secretary_a, title="补登的三月案件")
    sweep_at(at(2025, 4, 1, 9))

    review.refresh_from_db()
    assert review.agenda == stored
    assert review_agenda(world.village_a, MARCH)["new"] == stored["new"] + 1


def test_running_the_sweep_again_creates_and_sends_nothing_more(world):
    sweep_at(REVIEW_MOMENT)
    first = (reviews(), reminders())

    assert sweep_at(REVIEW_MOMENT) == 0
    assert sweep_at(at(2025, 4, 20, 15)) == 0

    assert (reviews(), reminders()) == first
    assert (
        Notification.objects.values("dedupe_key").annotate(n=Count("pk")).filter(n__gt=1).count()
        == 0
    )


def test_a_beat_that_was_down_on_the_1st_catches_up_later_in_the_month(world):
    assert sweep_at(at(2025, 4, 17, 14, 45)) == 3

    assert {month for _code, month in reviews()} == {MARCH}
    assert len(reminders()) == 3


def test_the_next_month_opens_the_next_review(world):
    sweep_at(REVIEW_MOMENT)

    assert sweep_at(at(2025, 5, 1, 8)) == 3

    assert sorted({month for _code, month in reviews()}) == [MARCH, datetime.date(2025, 4, 1)]
    assert len(reminders()) == 6


def test_the_review_day_and_hour_are_policy(world):
    set_policy(day=5, hour=9)

    assert sweep_at(REVIEW_MOMENT) == 0
    assert sweep_at(at(2025, 4, 5, 8, 59)) == 0
    assert reviews() == []

    assert sweep_at(at(2025, 4, 5, 9, 0)) == 3
    assert {month for _code, month in reviews()} == {MARCH}


def test_an_earlier_hour_on_the_1st_sends_earlier(world):
    set_policy(day=1, hour=6)

    assert sweep_at(at(2025, 4, 1, 5, 59)) == 0
    assert sweep_at(at(2025, 4, 1, 6, 0)) == 3


def test_a_review_day_past_the_end_of_a_short_month_falls_on_its_last_day(world):
    set_policy(day=31, hour=8)

    assert sweep_at(at(2025, 2, 27, 8)) == 0
    assert sweep_at(at(2025, 2, 28, 8)) == 3
    assert {month for _code, month in reviews()} == {datetime.date(2025, 1, 1)}


def test_the_moment_is_read_in_shanghai_time_not_utc(world):
    # 23:59 UTC on 31 March is 07:59 on 1 April in Shanghai: not yet.
    assert sweep_at(datetime.datetime(2025, 3, 31, 23, 59, tzinfo=datetime.UTC)) == 0
    # 00:00 UTC on 1 April is 08:00 in Shanghai: due.
    assert sweep_at(datetime.datetime(2025, 4, 1, 0, 0, tzinfo=datetime.UTC)) == 3


def test_every_active_secretary_of_the_village_is_reminded_and_no_one_else(world):
    deputy = UserFactory(username="deputy_a", role=Role.VILLAGE_SECRETARY, area=world.village_a)
    UserFactory(
        username="former_a", role=Role.VILLAGE_SECRETARY, area=world.village_a, is_active=False
    )
    UserFactory(username="grid_secretary", role=Role.VILLAGE_SECRETARY, area=world.grid_a)

    sweep_at(REVIEW_MOMENT)

    village_a_key = f"monthly-review:{world.village_a.pk}:2025-03:"
    assert sorted(
        username for username, key in reminders() if key.startswith(village_a_key)
    ) == sorted([world.secretary_a.username, deputy.username])
    assert not Notification.objects.filter(
        recipient__in=[world.clerk_a, world.supervisor_a, world.grid_member_a]
    ).exists()


def test_an_inactive_village_gets_no_review(world):
    world.village_a2.is_active = False
    world.village_a2.save()

    assert sweep_at(REVIEW_MOMENT) == 2

    assert [code for code, _month in reviews()] == [world.village_a.code, world.village_b.code]


def test_a_village_without_a_secretary_gets_its_review_and_the_reminder_once_one_is_appointed(
    world,
):
    lonely = area_child(world.town_b, AreaLevel.VILLAGE, "无书记村", suffix="009")

    assert sweep_at(REVIEW_MOMENT) == 3
    review = MonthlyReview.objects.get(village=lonely)
    assert review.reminded_at is None
    assert review.agenda["month"] == "2025-03"

    newcomer = UserFactory(username="newcomer", role=Role.VILLAGE_SECRETARY, area=lonely)
    assert sweep_at(at(2025, 4, 2, 10)) == 1

    review.refresh_from_db()
    assert review.reminded_at == at(2025, 4, 2, 10)
    assert Notification.objects.filter(recipient=newcomer).count() == 1
    assert MonthlyReview.objects.filter(village=lonely).count() == 1


def test_a_review_already_opened_by_another_sweep_is_reminded_not_duplicated(world):
    MonthlyReview.objects.create(village=world.village_a, month=MARCH, agenda={"month": "2025-03"})

    assert sweep_at(REVIEW_MOMENT) == 3

    assert MonthlyReview.objects.filter(village=world.village_a).count() == 1
    assert Notification.objects.filter(recipient=world.secretary_a).count() == 1


def test_the_beat_task_runs_the_sweep(world):
    with travel(REVIEW_MOMENT):
        result = tasks.sweep_monthly_reviews.apply()

    assert result.successful()
    assert result.result == 3
    assert len(reminders()) == 3


@pytest.mark.parametrize("hour", [8, 12, 23])
def test_a_sweep_on_the_review_day_at_or_after_the_hour_is_due(world, hour):
    assert sweep_at(at(2025, 4, 1, hour)) == 3
