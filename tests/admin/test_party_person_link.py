"""The back office's party rows link to the person page, which keeps the user's scope."""

from django.urls import reverse

from cases.models import Case, Party
from tests.admin.conftest import admin_url
from tests.factories import register_case


def test_the_party_list_and_the_case_s_party_rows_link_to_the_person_page(client, world):
    case = register_case(world.secretary_a)
    party = case.parties.first()
    client.force_login(world.clerk_a)
    person_url = reverse("cases:person", args=[party.pk])

    assert person_url in client.get(admin_url(Party, "changelist")).content.decode()
    assert person_url in client.get(admin_url(Case, "change", case.pk)).content.decode()
    assert client.get(person_url).status_code == 200


def test_a_clerk_of_another_town_gets_404_for_the_person_page(client, world):
    party = register_case(world.secretary_b).parties.first()
    client.force_login(world.clerk_a)

    assert client.get(reverse("cases:person", args=[party.pk])).status_code == 404
