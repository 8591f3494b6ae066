"""Areas in the admin: written through ``area_create_or_update``, within reach only."""

from grids.models import Area, AreaLevel
from tests.admin.conftest import admin_url, form_errors, post_data_from


def add_area(client, **fields):
    data = {"code": "330681101003", "name": "新建村", "level": AreaLevel.VILLAGE, "_save": "保存"}
    data.update(fields)
    return client.post(admin_url(Area, "add"), data)


def test_clerk_adds_a_village_under_her_town_with_its_path(client, world):
    client.force_login(world.clerk_a)

    response = add_area(client, parent=world.town_a.pk, is_active="on")

    assert response.status_code == 302
    village = Area.objects.get(code="330681101003")
    assert (village.parent, village.path, village.depth) == (
        world.town_a,
        f"{world.town_a.path}330681101003/",
        2,
    )


def test_clerk_cannot_add_an_area_without_a_parent(client, world):
    client.force_login(world.clerk_a)

    response = add_area(client, level=AreaLevel.DISTRICT, code="330682")

    assert "parent" in form_errors(response)
    assert not Area.objects.filter(code="330682").exists()


def test_clerk_cannot_add_an_area_under_another_town(client, world):
    client.force_login(world.clerk_a)

    response = add_area(client, parent=world.town_b.pk, code="330681102009")

    assert "parent" in form_errors(response)
    assert not Area.objects.filter(code="330681102009").exists()


def test_a_parent_on_the_wrong_level_is_refused_by_the_service_on_the_form(client, world):
    client.force_login(world.clerk_a)

    response = add_area(client, parent=world.village_a.pk, level=AreaLevel.VILLAGE)

    assert response.status_code == 200
    assert form_errors(response)["parent"] == [
        "“村(社区)”的上级应为“乡镇(街道)”,而不是“村(社区)”。"
    ]
    assert not Area.objects.filter(code="330681101003").exists()


def test_clerk_renames_her_own_town_but_cannot_move_it(client, world):
    client.force_login(world.clerk_a)
    response = client.get(admin_url(Area, "change", world.town_a.pk))
    assert "parent" not in response.context["adminform"].form.fields
    data = post_data_from(response)
    data["name"] = "枫桥镇(新)"

    response = client.post(admin_url(Area, "change", world.town_a.pk), data)

    assert response.status_code == 302
    town = Area.objects.get(pk=world.town_a.pk)
    assert (town.name, town.parent, town.path) == ("枫桥镇(新)", world.district, world.town_a.path)


def test_deactivating_a_village_keeps_it(client, world):
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(Area, "change", world.village_a2.pk)))
    data.pop("is_active")

    client.post(admin_url(Area, "change", world.village_a2.pk), data)

    assert Area.objects.get(pk=world.village_a2.pk).is_active is False
