"""The refusals a door used to word itself before the service could: a username taken
(Django's forms check it first), and a monthly review's missing date and minutes (the
page's form required them). Each door now leaves them to the service and shows its
words, keeping what was typed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reports.models import MonthlyReview
from tests.admin.conftest import admin_url, form_errors, post_data_from
from tests.admin.test_accounts_admin import add_user
from tests.rules.doors import admin_refusal, page_refusal, state
from tests.web.helpers import html


def test_a_username_differing_only_in_case_is_refused_by_the_add_form_in_the_services_words(
    client, world
):
    client.force_login(world.clerk_a)
    before = state()

    response = add_user(client, username="Secretary_A", role="grid_member", area=world.grid_a.pk)

    assert admin_refusal(response) == ["用户名“Secretary_A”已存在。"]
    assert 'value="Secretary_A"' in html(response)
    assert state() == before


def test_renaming_an_account_to_a_taken_username_is_refused_in_the_services_words(client, world):
    client.force_login(world.clerk_a)
    url = admin_url(User, "change", world.secretary_a.pk)
    data = {**post_data_from(client.get(url)), "username": "grid_a"}
    before = state()

    response = client.post(url, data)

    assert form_errors(response) == {"username": ["用户名“grid_a”已存在。"]}
    assert User.objects.get(pk=world.secretary_a.pk).username == "secretary_a"
    assert state() == before


@pytest.fixture
def review(world) -> MonthlyReview:
    return MonthlyReview.objects.create(
        village=world.village_a, month=timezone.localdate().replace(day=1)
    )


def test_a_meeting_without_a_date_is_refused_alike_by_the_review_page_and_the_admin(
    client, world, review
):
    typed = {"held_on": "", "attendees": "村两委、网格员", "minutes": "审议了上月案件。"}
    client.force_login(world.secretary_a)
    before = state()
    page = client.post(reverse("reports:review_detail", args=[review.pk]), typed)
    client.force_login(world.clerk_a)
    url = admin_url(MonthlyReview, "change", review.pk)
    admin = client.post(url, {**post_data_from(client.get(url)), **typed})

    assert {"page": page_refusal(client, page), "admin": admin_refusal(admin)} == {
        "page": ["请填写召开日期。"],
        "admin": ["请填写召开日期。"],
    }
    assert "审议了上月案件。" in html(page)
    assert state() == before


def test_a_meeting_with_neither_date_nor_minutes_is_refused_for_both_on_the_page(
    client, world, review
):
    client.force_login(world.secretary_a)
    before = state()

    page = client.post(
        reverse("reports:review_detail", args=[review.pk]),
        {"held_on": "", "attendees": "村两委、网格员", "minutes": " ", "decisions": "无"},
    )

    assert page.context["form"].errors == {
        "held_on": ["请填写召开日期。"],
        "minutes": ["请填写会议记录。"],
    }
    assert "村两委、网格员" in html(page)
    assert state() == before
