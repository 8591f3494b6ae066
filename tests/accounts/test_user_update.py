"""Changing an account goes through ``accounts.services.user_update`` from every door, so
the role/area rule refuses in the same words wherever the change comes from."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role, User
from accounts.services import user_update
from tests.admin.conftest import admin_url, form_errors, post_data_from

WRONG_LEVEL = "村(社区)书记只能属于村(社区),而“枫源村第一网格”是网格。"


def test_the_admin_change_form_and_the_service_refuse_a_role_on_the_wrong_level_alike(
    client, world
):
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(User, "change", world.secretary_a.pk)))
    data["area"] = str(world.grid_a.pk)

    response = client.post(admin_url(User, "change", world.secretary_a.pk), data)
    with pytest.raises(ValidationError) as refused:
        user_update(by=world.clerk_a, user=world.secretary_a, data={"area": world.grid_a})

    assert response.status_code == 200
    assert form_errors(response)["area"] == [WRONG_LEVEL]
    assert refused.value.message_dict == {"area": [WRONG_LEVEL]}
    assert User.objects.get(pk=world.secretary_a.pk).area == world.village_a


def test_a_clerk_changing_a_role_to_clerk_gives_the_account_the_back_office(world):
    user_update(
        by=world.clerk_a,
        user=world.secretary_a,
        data={"role": Role.CLERK, "area": world.town_a},
    )

    user = User.objects.get(pk=world.secretary_a.pk)
    assert (user.role, user.area, user.is_staff) == (Role.CLERK, world.town_a, True)


def test_a_clerk_cannot_move_an_account_to_another_town(world):
    with pytest.raises(ValidationError) as refused:
        user_update(by=world.clerk_a, user=world.secretary_a, data={"area": world.village_b})

    assert refused.value.message_dict == {"area": ["所选区域不在您的管辖范围内。"]}
    assert User.objects.get(pk=world.secretary_a.pk).area == world.village_a


def test_a_clerk_cannot_change_an_account_of_another_town(world):
    with pytest.raises(PermissionDenied):
        user_update(by=world.clerk_a, user=world.secretary_b, data={"full_name": "改名"})

    assert User.objects.get(pk=world.secretary_b.pk).full_name != "改名"


def test_a_supervisor_cannot_change_accounts(world):
    with pytest.raises(PermissionDenied):
        user_update(by=world.supervisor_a, user=world.secretary_a, data={"full_name": "改名"})


def test_only_a_superuser_makes_a_superuser(world):
    with pytest.raises(PermissionDenied):
        user_update(by=world.clerk_a, user=world.secretary_a, data={"is_superuser": True})

    assert User.objects.get(pk=world.secretary_a.pk).is_superuser is False


def test_a_username_another_account_has_in_other_letters_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        user_update(by=world.clerk_a, user=world.secretary_a, data={"username": "Clerk_A"})

    assert refused.value.message_dict == {"username": ["用户名“Clerk_A”已存在。"]}
