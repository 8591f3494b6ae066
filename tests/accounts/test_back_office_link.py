"""The navigation offers the back office to exactly those the admin lets in."""

from tests.factories import UserFactory

BACK_OFFICE_LINK = 'href="/admin/"'


def test_a_clerk_sees_the_back_office_link(client, world):
    client.force_login(world.clerk_a)

    assert BACK_OFFICE_LINK in client.get("/cases/").content.decode()


def test_a_village_secretary_does_not_see_the_back_office_link(client, world):
    client.force_login(world.secretary_a)

    assert BACK_OFFICE_LINK not in client.get("/cases/").content.decode()


def test_a_staff_account_the_admin_would_refuse_does_not_see_the_back_office_link(client, world):
    # Staff by hand but a village secretary: the admin answers 403, so no link to it.
    user = UserFactory(
        username="staff_secretary", role="village_secretary", area=world.village_a, is_staff=True
    )
    client.force_login(user)

    assert BACK_OFFICE_LINK not in client.get("/cases/").content.decode()
