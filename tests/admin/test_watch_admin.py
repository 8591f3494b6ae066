"""重点人员 in the back office (issue 14): the list scoped to the clerk's area (404
outside it), a flag set, reviewed and lifted through the same services as the portal,
never deleted, and every opening of a flag logged."""

import datetime

import pytest
from django.utils import timezone

from cases.models import WatchedPerson, WatchedPersonAccess
from tests.admin.conftest import admin_url, form_errors, post_data_from
from tests.factories import make_id_number, watch_flag

pytestmark = pytest.mark.django_db

OTHER_PERSON = make_id_number(sequence=457)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_the_changelist_holds_only_the_clerk_s_town(client, world):
    watch_flag(world.secretary_a, name="枫桥的人")
    watch_flag(world.secretary_b, name="赵家的人")
    client.force_login(world.clerk_a)

    response = client.get(admin_url(WatchedPerson, "changelist"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "枫桥的人" in body and "赵家的人" not in body
    assert "精神障碍" not in body


def test_another_town_s_flag_is_404_and_its_opening_is_not_logged(client, world):
    flag_b = watch_flag(world.secretary_b)
    client.force_login(world.clerk_a)

    assert client.get(admin_url(WatchedPerson, "change", flag_b.pk)).status_code == 404
    assert not WatchedPersonAccess.objects.exists()


def test_opening_a_flag_in_the_back_office_is_logged(client, world):
    flag = watch_flag(world.secretary_a)
    client.force_login(world.supervisor_a)

    response = client.get(admin_url(WatchedPerson, "change", flag.pk))

    assert response.status_code == 200
    assert WatchedPersonAccess.objects.get().user == world.supervisor_a


def test_a_clerk_adds_a_flag_through_the_service(client, world):
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(WatchedPerson, "add"),
        {
            "name": "王大山",
            "id_number": OTHER_PERSON,
            "mobile": "",
            "area": world.village_a2.pk,
            "category": "released_prisoner",
            "note": "",
            "review_on": in_days(30).isoformat(),
        },
    )

    assert response.status_code == 302, form_errors(response)
    flag = WatchedPerson.objects.get()
    assert (flag.set_by, flag.area, flag.id_number) == (
        world.clerk_a,
        world.village_a2,
        OTHER_PERSON,
    )


def test_the_back_office_refuses_a_village_of_another_town_and_keeps_what_was_typed(client, world):
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(WatchedPerson, "add"),
        {
            "name": "王大山",
            "id_number": OTHER_PERSON,
            "area": world.village_b.pk,
            "category": "released_prisoner",
            "note": "刑满释放",
            "review_on": in_days(30).isoformat(),
        },
    )

    assert response.status_code == 200
    assert "area" in form_errors(response)
    assert not WatchedPerson.objects.exists()


def test_a_clerk_reviews_then_lifts_a_flag_on_its_change_page(client, world):
    flag = watch_flag(world.secretary_a)
    client.force_login(world.clerk_a)
    url = admin_url(WatchedPerson, "change", flag.pk)

    data = post_data_from(client.get(url))
    data["next_review_on"] = in_days(200).isoformat()
    assert client.post(url, data).status_code == 302
    flag.refresh_from_db()
    assert (flag.review_on, flag.reviewed_by) == (in_days(200), world.clerk_a)

    data = post_data_from(client.get(url))
    data["lift_reason_given"] = "矫正期满"
    assert client.post(url, data).status_code == 302
    flag.refresh_from_db()
    assert (flag.lifted_by, flag.lift_reason) == (world.clerk_a, "矫正期满")


def test_a_past_review_date_is_refused_on_the_change_page(client, world):
    flag = watch_flag(world.secretary_a)
    client.force_login(world.clerk_a)
    url = admin_url(WatchedPerson, "change", flag.pk)

    data = post_data_from(client.get(url))
    data["next_review_on"] = in_days(-1).isoformat()
    response = client.post(url, data)

    assert response.status_code == 200
    assert form_errors(response)
    flag.refresh_from_db()
    assert flag.review_on == in_days(90)


def test_nobody_deletes_a_flag_and_supervisors_only_look(client, world):
    flag = watch_flag(world.secretary_a)

    client.force_login(world.clerk_a)
    assert client.get(admin_url(WatchedPerson, "delete", flag.pk)).status_code == 403
    client.force_login(world.supervisor_a)
    assert client.get(admin_url(WatchedPerson, "add")).status_code == 403
    response = client.get(admin_url(WatchedPerson, "change", flag.pk))
    assert "next_review_on" not in response.content.decode()
    assert WatchedPerson.objects.filter(pk=flag.pk).exists()
