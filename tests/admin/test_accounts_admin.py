"""Clerks provision the accounts of their own area, through ``user_create``."""

import pytest

from accounts.models import Role, User
from tests.admin.conftest import admin_url, form_errors, post_data_from

GOOD_PASSWORD = "qiao-feng-2024!"


def add_user(client, **fields):
    data = {
        "username": "new_user",
        "usable_password": "true",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "full_name": "新同事",
        "mobile": "",
        "_save": "保存",
    }
    data.update(fields)
    return client.post(admin_url(User, "add"), data)


def test_clerk_adds_a_grid_member_in_her_town(client, world):
    client.force_login(world.clerk_a)

    response = add_user(client, username="grid_new", role=Role.GRID_MEMBER, area=world.grid_a.pk)

    assert response.status_code == 302
    user = User.objects.get(username="grid_new")
    assert (user.role, user.area, user.full_name, user.is_staff) == (
        Role.GRID_MEMBER,
        world.grid_a,
        "新同事",
        False,
    )
    assert user.check_password(GOOD_PASSWORD)


def test_a_clerk_added_in_the_admin_gets_back_office_access(client, world):
    client.force_login(world.clerk_a)

    add_user(client, username="clerk_new", role=Role.CLERK, area=world.town_a.pk)

    assert User.objects.get(username="clerk_new").is_staff is True


def test_clerk_cannot_add_a_user_in_another_town(client, world):
    client.force_login(world.clerk_a)

    response = add_user(client, role=Role.VILLAGE_SECRETARY, area=world.village_b.pk)

    assert response.status_code == 200
    assert "area" in form_errors(response)
    assert not User.objects.filter(username="new_user").exists()


def test_a_role_on_the_wrong_level_of_area_is_refused_on_the_area_field(client, world):
    client.force_login(world.clerk_a)

    response = add_user(client, role=Role.VILLAGE_SECRETARY, area=world.grid_a.pk)

    assert response.status_code == 200
    assert form_errors(response)["area"] == [
        "村(社区)书记只能属于村(社区),而“枫源村第一网格”是网格。"
    ]
    assert not User.objects.filter(username="new_user").exists()


def test_an_account_needs_an_area(client, world):
    client.force_login(world.clerk_a)

    response = add_user(client, role=Role.MEDIATOR, area="")

    assert "area" in form_errors(response)


@pytest.fixture
def edit_page(client, world):
    client.force_login(world.clerk_a)

    def load(user):
        response = client.get(admin_url(User, "change", user.pk))
        assert response.status_code == 200
        return post_data_from(response)

    return load


def test_clerk_cannot_make_anyone_a_superuser_or_staff(client, world, edit_page):
    data = edit_page(world.secretary_a)
    data.update(is_superuser="on", is_staff="on")

    response = client.post(admin_url(User, "change", world.secretary_a.pk), data)

    assert response.status_code == 302
    user = User.objects.get(pk=world.secretary_a.pk)
    assert (user.is_superuser, user.is_staff) == (False, False)


def test_changing_a_role_to_supervisor_gives_back_office_access(client, world, edit_page):
    data = edit_page(world.secretary_a)
    data.update(role=Role.SUPERVISOR, area=str(world.town_a.pk))

    client.post(admin_url(User, "change", world.secretary_a.pk), data)

    assert User.objects.get(pk=world.secretary_a.pk).is_staff is True


def test_clerk_cannot_move_a_user_to_another_town(client, world, edit_page):
    data = edit_page(world.secretary_a)
    data["area"] = str(world.village_b.pk)

    response = client.post(admin_url(User, "change", world.secretary_a.pk), data)

    assert response.status_code == 200
    assert User.objects.get(pk=world.secretary_a.pk).area == world.village_a
