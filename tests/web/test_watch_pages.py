"""The 重点人员 pages (issue 14): the badge on a case page only for roles that read the
list, the list and a flag scoped to the user's area (404 outside it), every look at a
reason logged, and setting, reviewing and lifting a flag from the portal."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Grade, WatchedPerson, WatchedPersonAccess
from tests.factories import make_id_number, register_case, watch_flag
from tests.web.helpers import html

pytestmark = pytest.mark.django_db

NOTE = "精神分裂症,规律服药中"
CATEGORY = "精神障碍"
OTHER_PERSON = make_id_number(sequence=457)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def flagged_case(world):
    """A grid member's blue case whose applicant is on village A's list: raised to yellow."""
    flag = watch_flag(world.secretary_a)
    case = register_case(world.grid_member_a, grade=Grade.BLUE)
    return flag, case


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_village_secretary_sees_the_badge_on_the_flagged_party(client, world, flagged_case):
    flag, case = flagged_case

    response = page(client, world.secretary_a, reverse("cases:detail", args=[case.pk]))

    body = html(response)
    assert "watch-badge" in body
    assert reverse("cases:watch_detail", args=[flag.pk]) in body
    # The reason is one click (and one logged look) away, not on the case page.
    assert CATEGORY not in body and NOTE not in body
    assert not WatchedPersonAccess.objects.exists()


def test_a_grid_member_sees_neither_badge_nor_reason_anywhere_on_the_case_page(
    client, world, flagged_case
):
    flag, case = flagged_case

    response = page(client, world.grid_member_a, reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    body = html(response)
    assert "按重点人员规定提级" in body
    assert "watch-badge" not in body
    assert reverse("cases:watch_detail", args=[flag.pk]) not in body
    assert CATEGORY not in body and NOTE not in body
    assert reverse("cases:watch_list") not in body  # no menu entry either


def test_a_mediator_sees_no_badge(client, world, flagged_case):
    _flag, case = flagged_case
    case.mediators.add(world.mediator_a)

    body = html(page(client, world.mediator_user_a, reverse("cases:detail", args=[case.pk])))

    assert "watch-badge" not in body and CATEGORY not in body


def test_a_flag_of_another_village_gives_no_badge_to_this_village(client, world):
    watch_flag(world.secretary_b)
    case = register_case(world.secretary_a, grade=Grade.BLUE)

    body = html(page(client, world.secretary_a, reverse("cases:detail", args=[case.pk])))

    assert case.grade == Grade.YELLOW
    assert "watch-badge" not in body


def test_a_flag_shows_its_reason_and_the_look_is_logged(client, world):
    flag = watch_flag(world.secretary_a)

    response = page(client, world.clerk_a, reverse("cases:watch_detail", args=[flag.pk]))

    body = html(response)
    assert CATEGORY in body and NOTE in body
    assert flag.id_number not in body and flag.masked_id_number in body
    access = WatchedPersonAccess.objects.get()
    assert (access.user, access.watched_person) == (world.clerk_a, flag)


def test_village_a_asking_for_village_b_s_flag_gets_404_and_nothing_is_logged(client, world):
    flag_b = watch_flag(world.secretary_b)
    client.force_login(world.secretary_a)

    for name in ("cases:watch_detail",):
        assert client.get(reverse(name, args=[flag_b.pk])).status_code == 404
    for name, data in (
        ("cases:watch_review", {"review_on": in_days(30).isoformat()}),
        ("cases:watch_lift", {"lift_reason": "x"}),
    ):
        assert client.post(reverse(name, args=[flag_b.pk]), data).status_code == 404

    flag_b.refresh_from_db()
    assert flag_b.is_active and flag_b.reviewed_by is None
    assert not WatchedPersonAccess.objects.exists()


def test_a_grid_member_has_no_list_and_no_flag(client, world):
    flag = watch_flag(world.secretary_a)
    client.force_login(world.grid_member_a)

    assert client.get(reverse("cases:watch_list")).status_code == 403
    assert client.get(reverse("cases:watch_create")).status_code == 403
    assert client.get(reverse("cases:watch_detail", args=[flag.pk])).status_code == 404


def test_the_due_list_shows_the_area_s_flags_whose_review_date_has_come(client, world):
    due = watch_flag(world.secretary_a)
    WatchedPerson.objects.filter(pk=due.pk).update(review_on=in_days(-2))
    watch_flag(world.secretary_a, name="李未到", id_number=OTHER_PERSON)
    elsewhere = watch_flag(world.secretary_b, name="赵外村")
    WatchedPerson.objects.filter(pk=elsewhere.pk).update(review_on=in_days(-2))

    body = html(page(client, world.secretary_a, reverse("cases:watch_list")))

    assert "王大山" in body
    assert "李未到" not in body and "赵外村" not in body
    assert CATEGORY not in body  # the list names people; the reason is on the logged page
    everyone = html(client.get(reverse("cases:watch_list") + "?all=1"))
    assert "王大山" in everyone and "李未到" in everyone and "赵外村" not in everyone


def test_a_village_secretary_flags_a_person_from_the_portal(client, world):
    client.force_login(world.secretary_a)

    response = client.post(
        reverse("cases:watch_create"),
        {
            "name": "王大山",
            "id_number": f"{OTHER_PERSON[:6]} {OTHER_PERSON[6:14]} {OTHER_PERSON[14:]}",
            "mobile": "",
            "area": world.village_a.pk,
            "category": "violence",
            "note": "曾持刀威胁邻居",
            "review_on": in_days(60).isoformat(),
        },
    )

    flag = WatchedPerson.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:watch_detail", args=[flag.pk])
    assert (flag.id_number, flag.set_by, flag.category) == (
        OTHER_PERSON,
        world.secretary_a,
        "violence",
    )


def test_a_bad_id_number_is_refused_beside_the_field_and_what_was_typed_is_kept(client, world):
    client.force_login(world.secretary_a)

    response = client.post(
        reverse("cases:watch_create"),
        {
            "name": "王大山",
            "id_number": "360426199101010072",
            "area": world.village_a.pk,
            "category": "violence",
            "note": "曾持刀威胁邻居",
            "review_on": in_days(60).isoformat(),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    body = html(response)
    assert "曾持刀威胁邻居" in body and "360426199101010072" in body
    assert not WatchedPerson.objects.exists()


def test_review_and_lift_from_the_flag_page(client, world):
    flag = watch_flag(world.secretary_a)
    client.force_login(world.secretary_a)

    response = client.post(
        reverse("cases:watch_review", args=[flag.pk]),
        {"review_on": in_days(120).isoformat(), "note": "已稳定"},
    )
    assert response.status_code == 302
    refused = client.post(reverse("cases:watch_lift", args=[flag.pk]), {"lift_reason": ""})
    assert refused.status_code == 200 and refused.context["lift_form"].errors
    response = client.post(
        reverse("cases:watch_lift", args=[flag.pk]), {"lift_reason": "已迁出本村"}
    )
    assert response.status_code == 302

    flag.refresh_from_db()
    assert (flag.review_on, flag.note, flag.lift_reason) == (in_days(120), "已稳定", "已迁出本村")
    assert not flag.is_active


def test_the_registration_page_offers_the_reason_to_keep_a_lower_grade(client, world):
    body = html(page(client, world.grid_member_a, reverse("cases:create")))

    assert 'name="watch_grade_override_reason"' in body


def test_the_flag_page_lists_the_cases_it_graded_that_the_user_may_see(client, world):
    flag = watch_flag(world.secretary_a)
    kept = register_case(
        world.secretary_a, grade=Grade.BLUE, watch_grade_override_reason="双方已和解意向明确"
    )
    elsewhere = register_case(world.secretary_b, grade=Grade.BLUE, title="赵家村的纠纷")

    body = html(page(client, world.secretary_a, reverse("cases:watch_detail", args=[flag.pk])))

    assert kept.number in body and "双方已和解意向明确" in body
    assert elsewhere.grade == Grade.YELLOW
    assert elsewhere.number not in body
