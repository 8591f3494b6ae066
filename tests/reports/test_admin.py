"""Monthly reviews in the back office: supervisors read, clerks correct the minutes,
nobody adds or deletes; every list and page is scoped to the user's villages."""

import datetime

import pytest
from django.contrib import admin

from reports.models import MonthlyReview
from tests.admin.conftest import admin_url, form_errors, post_data_from
from tests.factories import UserFactory
from tests.reports.helpers import REVIEW_MOMENT, march_reviews, sweep_at


@pytest.fixture
def reviews(world):
    return march_reviews(world)


def listed(response) -> set[str]:
    return {review.village.code for review in response.context["cl"].result_list}


def test_a_clerk_lists_the_reviews_of_the_villages_of_their_town(client, world, reviews):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(MonthlyReview, "changelist"))

    assert response.status_code == 200
    assert listed(response) == {world.village_a.code, world.village_a2.code}


def test_the_review_of_a_village_outside_reach_answers_404(client, world, reviews):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(MonthlyReview, "change", reviews[world.village_b.code].pk))

    assert response.status_code == 404


def test_a_clerk_corrects_the_minutes_through_the_service(client, world, reviews):
    review = reviews[world.village_a.code]
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(MonthlyReview, "change", review.pk)))
    data.update(held_on="2025-04-02", attendees="村两委", minutes="补录会议记录。", decisions="无")

    response = client.post(admin_url(MonthlyReview, "change", review.pk), data)

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.held_on, review.minutes, review.recorded_by) == (
        datetime.date(2025, 4, 2),
        "补录会议记录。",
        world.clerk_a,
    )


def test_the_admin_shows_the_services_refusal_and_saves_nothing(client, world, reviews):
    review = reviews[world.village_a.code]
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(MonthlyReview, "change", review.pk)))
    data.update(held_on="2025-02-01", minutes="日期填错了")

    response = client.post(admin_url(MonthlyReview, "change", review.pk), data)

    assert response.status_code == 200
    assert form_errors(response) == {"held_on": ["召开日期不能早于所审议的月份(2025-03)。"]}
    review.refresh_from_db()
    assert (review.held_on, review.minutes) == (None, "")


def test_a_supervisor_only_reads(client, world, reviews):
    review = reviews[world.village_a.code]
    client.force_login(world.supervisor_a)

    assert client.get(admin_url(MonthlyReview, "change", review.pk)).status_code == 200
    response = client.post(
        admin_url(MonthlyReview, "change", review.pk),
        {"held_on": "2025-04-02", "minutes": "督导改写", "_save": "保存"},
    )

    assert response.status_code == 403
    review.refresh_from_db()
    assert review.minutes == ""


def test_nobody_adds_or_deletes_a_review_not_even_a_superuser(client, world, reviews):
    review = reviews[world.village_a.code]
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    for user in (world.clerk_a, root):
        client.force_login(user)
        assert client.get(admin_url(MonthlyReview, "add")).status_code == 403
        assert (
            client.post(admin_url(MonthlyReview, "delete", review.pk), {"post": "yes"}).status_code
            == 403
        )
    assert MonthlyReview.objects.filter(pk=review.pk).exists()
    assert admin.site._registry[MonthlyReview].has_delete_permission(None) is False


def test_the_sweep_at_the_moment_fills_the_admin_list_once(client, world, reviews):
    sweep_at(REVIEW_MOMENT)
    client.force_login(world.supervisor_district)

    response = client.get(admin_url(MonthlyReview, "changelist"))

    assert len(response.context["cl"].result_list) == 3
