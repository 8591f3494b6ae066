"""The back office reads investigations; it neither adds nor changes them (the case page
and the API record them through ``services.investigation_record``), and a town's clerk
never sees another town's."""

import pytest
from django.utils import timezone

from accounts.models import Role
from cases import services
from cases.models import Investigation
from tests.admin.conftest import admin_url
from tests.builders import accepted_case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def investigation(world) -> Investigation:
    case = accepted_case(world)
    return services.investigation_record(
        case=case,
        by=world.secretary_a,
        held_at=timezone.now(),
        place="枫源村三组王家院坝",
        interviewee_name="王二叔",
        interviewee_relation="邻居,知情人",
        content="界桩是十年前两家一起埋的。",
        investigators=[world.mediator_a],
    )


def test_a_clerk_reads_the_investigation_but_may_neither_add_nor_change_it(
    client, world, investigation
):
    client.force_login(world.clerk_a)

    listing = client.get(admin_url(Investigation, "changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [investigation]
    page = client.get(admin_url(Investigation, "change", investigation.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert client.get(admin_url(Investigation, "add")).status_code == 403
    before = Investigation.objects.values_list("place", "content").get()
    client.post(
        admin_url(Investigation, "change", investigation.pk),
        {"place": "改过的地点", "content": "改过的内容"},
    )
    assert Investigation.objects.values_list("place", "content").get() == before


def test_a_clerk_of_another_town_does_not_see_it_and_its_page_is_404(client, world, investigation):
    clerk_b = UserFactory(role=Role.CLERK, area=world.town_b, is_staff=True)
    client.force_login(clerk_b)

    assert list(client.get(admin_url(Investigation, "changelist")).context["cl"].result_list) == []
    assert client.get(admin_url(Investigation, "change", investigation.pk)).status_code == 404
