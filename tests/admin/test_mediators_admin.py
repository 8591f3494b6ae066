"""Mediators and organisations in the admin stay within the clerk's area."""

from mediators.models import Background, Employment, Gender, Mediator, Organisation
from tests.admin.conftest import admin_url, form_errors
from tests.factories import OrganisationFactory


def add_mediator(client, **fields):
    data = {
        "name": "老周",
        "gender": Gender.MALE,
        "mobile": "13912345678",
        "employment": Employment.FULL_TIME,
        "is_active": "on",
        "backgrounds": [Background.RETIRED_TEACHER, Background.LOCAL_WORTHY],
        "_save": "保存",
    }
    data.update(fields)
    return client.post(admin_url(Mediator, "add"), data)


def test_clerk_adds_a_mediator_in_her_town_with_backgrounds(client, world):
    organisation = OrganisationFactory(area=world.village_a)
    client.force_login(world.clerk_a)

    response = add_mediator(
        client, area=world.village_a.pk, organisations=[organisation.pk], areas_served=[]
    )

    assert response.status_code == 302
    mediator = Mediator.objects.get(name="老周")
    assert mediator.area == world.village_a
    assert mediator.backgrounds == [Background.RETIRED_TEACHER, Background.LOCAL_WORTHY]
    assert list(mediator.organisations.all()) == [organisation]


def test_clerk_cannot_place_a_mediator_in_another_town(client, world):
    client.force_login(world.clerk_a)

    response = add_mediator(client, area=world.village_b.pk)

    assert "area" in form_errors(response)
    assert not Mediator.objects.filter(name="老周").exists()


def test_clerk_cannot_attach_a_mediator_to_an_organisation_of_another_town(client, world):
    other = OrganisationFactory(area=world.village_b)
    client.force_login(world.clerk_a)

    response = add_mediator(client, area=world.village_a.pk, organisations=[other.pk])

    assert "organisations" in form_errors(response)


def test_clerk_adds_an_organisation_in_her_town(client, world):
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(Organisation, "add"),
        {
            "name": "枫桥镇人民调解委员会",
            "kind": "town_committee",
            "area": world.town_a.pk,
            "is_active": "on",
            "_save": "保存",
        },
    )

    assert response.status_code == 302
    assert Organisation.objects.get(name="枫桥镇人民调解委员会").area == world.town_a
