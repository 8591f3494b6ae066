"""The monthly review's pages: the list of reviews in reach, one review's agenda, and the
form for its minutes, which keeps everything typed when the service refuses it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from reports import services
from reports.models import MonthlyReview
from tests.factories import UserFactory
from tests.reports.helpers import build_march, march_reviews

LOGIN_URL = "/accounts/login/"


@pytest.fixture
def march(world):
    return build_march(world)


@pytest.fixture
def reviews(world, march):
    return march_reviews(world)


@pytest.fixture
def review_a(world, reviews):
    return reviews[world.village_a.code]


@pytest.fixture
def review_b(world, reviews):
    return reviews[world.village_b.code]


def url(review: MonthlyReview) -> str:
    return f"/reports/reviews/{review.pk}/"


def minutes(**overrides) -> dict:
    data = {
        "held_on": "2025-04-03",
        "attendees": "村书记、网格员、宝大叔",
        "minutes": "逐案过堂:P2 回访发现反弹隐患,安排再回访;M3 有信访风险,由村书记包案。",
        "decisions": "M3 本周内召开坝坝会;P1 提请镇调委会协调。",
    }
    data.update(overrides)
    return data


def stored(review: MonthlyReview) -> tuple:
    review = MonthlyReview.objects.get(pk=review.pk)
    return (
        review.held_on,
        review.attendees,
        review.minutes,
        review.decisions,
        review.recorded_by_id,
        review.updated_at,
    )


def listed(response) -> list[int]:
    return [review.pk for review in response.context["page"].object_list]


# ---------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------


def test_the_pages_ask_an_anonymous_visitor_to_log_in(client, review_a):
    for path in ("/reports/reviews/", url(review_a)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN_URL}?next=")


def test_a_village_secretary_lists_only_the_reviews_of_their_village(client, world, review_a):
    client.force_login(world.secretary_a)

    response = client.get("/reports/reviews/")

    assert response.status_code == 200
    assert listed(response) == [review_a.pk]
    assert "枫源村" in response.content.decode()


def test_a_town_supervisor_lists_the_villages_of_the_town_and_the_district_all(
    client, world, reviews
):
    client.force_login(world.supervisor_a)
    town = {
        r.village.code
        for r in MonthlyReview.objects.filter(pk__in=listed(client.get("/reports/reviews/")))
    }
    client.force_login(world.supervisor_district)
    district = listed(client.get("/reports/reviews/"))

    assert town == {world.village_a.code, world.village_a2.code}
    assert sorted(district) == sorted(r.pk for r in reviews.values())


def test_another_villages_secretary_gets_404_for_the_review(client, world, review_a):
    before = stored(review_a)
    for user in (world.secretary_b, world.secretary_a2):
        client.force_login(user)
        assert client.get(url(review_a)).status_code == 404
        assert client.post(url(review_a), minutes()).status_code == 404
    assert client.get("/reports/reviews/999999/").status_code == 404
    assert stored(review_a) == before


def test_grid_members_and_mediators_do_not_use_the_review_pages(client, world, review_a):
    for user in (world.grid_member_a, world.mediator_user_a):
        client.force_login(user)
        assert client.get("/reports/reviews/").status_code == 403
        assert client.get(url(review_a)).status_code == 404


def test_the_nav_link_shows_for_the_roles_that_hold_the_meeting(client, world):
    for user, shown in (
        (world.secretary_a, True),
        (world.clerk_a, True),
        (world.supervisor_a, True),
        (world.grid_member_a, False),
        (world.mediator_user_a, False),
    ):
        client.force_login(user)
        page = client.get("/cases/").content.decode()
        assert ('href="/reports/reviews/"' in page) is shown, user.username


# ---------------------------------------------------------------------------
# The agenda
# ---------------------------------------------------------------------------


def test_the_review_page_shows_the_agenda_and_links_the_cases_at_risk(
    client, world, march, review_a
):
    client.force_login(world.secretary_a)

    response = client.get(url(review_a))

    assert response.status_code == 200
    page = response.content.decode()
    assert "枫源村 2025-03 月例会" in page
    assert response.context["agenda"]["counts"] == [
        ("上月新增", 6),
        ("上月销号", 2),
        ("月末在办", 5),
        ("超期未化解", 2),
    ]
    assert response.context["agenda"]["satisfaction"] == [
        ("满意", 6),
        ("基本满意", 1),
        ("不满意", 1),
    ]
    assert (
        response.context["agenda"]["rebound_signs"],
        response.context["agenda"]["flared_again"],
    ) == (1, 1)
    for case in (march.p2_rebound_in_march, march.m1_red, march.m3_petition_risk_overdue):
        assert f'href="/cases/{case.pk}/"' in page
        assert case.number in page
    assert "风险案件(3)" in page
    assert f'href="/cases/{march.p1_overdue_since_february.pk}/"' not in page
    assert response.context["form"] is not None


def test_the_at_risk_links_open_the_case_for_the_secretary(client, world, march, review_a):
    client.force_login(world.secretary_a)

    assert client.get(f"/cases/{march.m1_red.pk}/").status_code == 200


# ---------------------------------------------------------------------------
# Recording the minutes
# ---------------------------------------------------------------------------


def test_the_secretary_records_the_minutes_of_the_meeting(client, world, review_a):
    client.force_login(world.secretary_a)

    response = client.post(url(review_a), minutes())

    assert response.status_code == 302
    assert response["Location"] == url(review_a)
    review = MonthlyReview.objects.get(pk=review_a.pk)
    assert review.held_on == datetime.date(2025, 4, 3)
    assert review.attendees == "村书记、网格员、宝大叔"
    assert review.minutes.startswith("逐案过堂")
    assert review.decisions == "M3 本周内召开坝坝会;P1 提请镇调委会协调。"
    assert review.recorded_by == world.secretary_a

    page = client.get(url(review_a))
    assert [str(m) for m in page.context["messages"]] == ["月例会记录已保存。"]
    assert "M3 本周内召开坝坝会" in page.content.decode()


def test_a_meeting_date_in_the_future_is_refused_in_chinese_and_nothing_is_saved(
    client, world, review_a
):
    before = stored(review_a)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    client.force_login(world.secretary_a)

    response = client.post(url(review_a), minutes(held_on=tomorrow.isoformat()))

    assert response.status_code == 200
    assert response.context["form"].errors == {"held_on": ["召开日期不能晚于今天。"]}
    page = response.content.decode()
    assert "召开日期不能晚于今天。" in page
    # What was typed is still there.
    assert "逐案过堂:P2 回访发现反弹隐患" in page
    assert "村书记、网格员、宝大叔" in page
    assert f'value="{tomorrow.isoformat()}"' in page
    assert stored(review_a) == before


def test_a_meeting_date_before_the_reviewed_month_is_refused(client, world, review_a):
    before = stored(review_a)
    client.force_login(world.secretary_a)

    response = client.post(url(review_a), minutes(held_on="2025-02-28"))

    assert response.context["form"].errors == {
        "held_on": ["召开日期不能早于所审议的月份(2025-03)。"]
    }
    assert stored(review_a) == before


def test_the_minutes_and_the_date_are_required(client, world, review_a):
    before = stored(review_a)
    client.force_login(world.secretary_a)

    response = client.post(url(review_a), minutes(held_on="", minutes="  "))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"held_on", "minutes"}
    assert stored(review_a) == before


def test_a_clerk_of_the_town_may_correct_the_minutes(client, world, review_a):
    client.force_login(world.clerk_a)

    response = client.post(url(review_a), minutes(decisions="由综治中心补录。"))

    assert response.status_code == 302
    review = MonthlyReview.objects.get(pk=review_a.pk)
    assert (review.decisions, review.recorded_by) == ("由综治中心补录。", world.clerk_a)


# ---------------------------------------------------------------------------
# The service, called directly
# ---------------------------------------------------------------------------


def test_the_service_refuses_anyone_but_the_secretary_of_the_village_or_the_office_above(
    world, review_a
):
    before = stored(review_a)
    outsider_clerk = UserFactory(username="clerk_b", role="clerk", area=world.town_b)
    for user in (
        world.secretary_b,
        world.secretary_a2,
        world.grid_member_a,
        world.mediator_user_a,
        outsider_clerk,
    ):
        with pytest.raises(PermissionDenied):
            services.review_record(
                review=review_a, by=user, data=minutes(held_on=datetime.date(2025, 4, 3))
            )
    assert stored(review_a) == before


def test_the_service_allows_the_supervisor_above(world, review_a):
    review = services.review_record(
        review=review_a,
        by=world.supervisor_district,
        data=minutes(held_on=datetime.date(2025, 4, 3)),
    )

    assert review.recorded_by == world.supervisor_district


def test_the_service_refuses_a_future_date_with_a_chinese_message(world, review_a):
    before = stored(review_a)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        services.review_record(
            review=review_a, by=world.secretary_a, data=minutes(held_on=tomorrow)
        )

    assert refused.value.message_dict == {"held_on": ["召开日期不能晚于今天。"]}
    assert stored(review_a) == before
