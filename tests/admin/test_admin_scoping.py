"""Every admin list, page and choice stays inside the clerk's area; outside it is 404."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import services
from cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    Grade,
    Party,
    SessionResult,
)
from cases.policy import Action
from grids.models import Area
from mediators.models import Mediator, Organisation
from reports.models import GeneratedReport
from reports.services import sweep_monthly_reviews
from tests.admin.conftest import admin_url
from tests.builders import accept, record_agreement, record_session, visit
from tests.factories import OrganisationFactory, UserFactory, register_case, watch_flag


@pytest.fixture
def cases(world):
    """Two cases in town A (two villages) and one in town B."""
    return {
        "a1": register_case(world.secretary_a),
        "a2": register_case(world.secretary_a2, title="陈家村欠薪纠纷"),
        "b": register_case(world.secretary_b, title="赵家村邻里纠纷"),
    }


def listed(response) -> set:
    return set(response.context["cl"].result_list)


def test_clerk_sees_only_the_cases_of_her_own_town(client, world, cases):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Case, "changelist"))

    assert response.status_code == 200
    assert listed(response) == {cases["a1"], cases["a2"]}
    content = response.content.decode()
    assert cases["a1"].number in content
    assert cases["a2"].number in content
    assert cases["b"].number not in content


def test_district_supervisor_sees_the_cases_of_both_towns(client, world, cases):
    client.force_login(world.supervisor_district)

    response = client.get(admin_url(Case, "changelist"))

    assert listed(response) == {cases["a1"], cases["a2"], cases["b"]}


def test_superuser_sees_every_case(client, world, cases):
    root = UserFactory(username="root", is_staff=True, is_superuser=True, role="", area=None)
    client.force_login(root)

    response = client.get(admin_url(Case, "changelist"))

    assert listed(response) == {cases["a1"], cases["a2"], cases["b"]}


def test_change_page_of_a_case_in_another_town_answers_404(client, world, cases):
    client.force_login(world.clerk_a)

    assert client.get(admin_url(Case, "change", cases["b"].pk)).status_code == 404
    assert client.post(admin_url(Case, "change", cases["b"].pk), {}).status_code == 404
    assert client.get(admin_url(Case, "history", cases["b"].pk)).status_code == 404


def test_change_page_of_a_case_that_does_not_exist_answers_404_too(client, world, cases):
    client.force_login(world.clerk_a)

    assert client.get(admin_url(Case, "change", 999999)).status_code == 404
    assert client.get(admin_url(Case, "change", "not-a-number")).status_code == 404


def test_party_change_page_of_a_party_in_another_town_answers_404(client, world, cases):
    client.force_login(world.clerk_a)
    own = cases["a1"].parties.first()
    other = cases["b"].parties.first()

    assert client.get(admin_url(Party, "change", own.pk)).status_code == 200
    assert client.get(admin_url(Party, "change", other.pk)).status_code == 404


def test_party_list_holds_only_the_parties_of_the_clerks_town(client, world, cases):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Party, "changelist"))

    assert listed(response) == set(Party.objects.filter(case__in=[cases["a1"], cases["a2"]]))


def test_case_history_lists_only_events_of_the_clerks_town(client, world, cases):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(CaseEvent, "changelist"))

    assert {event.case for event in listed(response)} == {cases["a1"], cases["a2"]}
    other_event = CaseEvent.objects.get(case=cases["b"])
    assert client.get(admin_url(CaseEvent, "change", other_event.pk)).status_code == 404


def test_number_counters_list_only_the_clerks_town(client, world, cases):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(CaseNumberCounter, "changelist"))

    assert {c.numbering_area for c in listed(response)} == {world.town_a}


def test_area_list_holds_the_clerks_town_and_everything_under_it(client, world):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Area, "changelist"))

    assert listed(response) == {world.town_a, world.village_a, world.village_a2, world.grid_a}
    assert client.get(admin_url(Area, "change", world.town_b.pk)).status_code == 404
    assert client.get(admin_url(Area, "change", world.district.pk)).status_code == 404


def test_mediators_and_organisations_of_another_town_are_out_of_sight(client, world):
    organisation_a = OrganisationFactory(name="枫源村调委会", area=world.village_a)
    organisation_b = OrganisationFactory(name="赵家村调委会", area=world.village_b)
    client.force_login(world.clerk_a)

    # The town's own: 枫源村's mediator and the professional team's, and the committees
    # and team of its villages and of the town itself.
    assert listed(client.get(admin_url(Mediator, "changelist"))) == {
        world.mediator_a,
        world.town_mediator_a,
    }
    assert listed(client.get(admin_url(Organisation, "changelist"))) == {
        organisation_a,
        *Organisation.objects.filter(area__in=[world.village_a, world.village_a2, world.town_a]),
    }
    assert client.get(admin_url(Mediator, "change", world.mediator_b.pk)).status_code == 404
    assert client.get(admin_url(Organisation, "change", organisation_b.pk)).status_code == 404


def test_user_list_holds_the_accounts_of_the_clerks_town_but_no_superuser(client, world):
    root = UserFactory(username="root", is_staff=True, is_superuser=True, area=world.town_a)
    client.force_login(world.clerk_a)

    response = client.get(admin_url(User, "changelist"))

    assert listed(response) == set(
        User.objects.filter(area__path__startswith=world.town_a.path, is_superuser=False)
    )
    assert world.secretary_b not in listed(response)
    assert client.get(admin_url(User, "change", world.secretary_b.pk)).status_code == 404
    assert client.get(admin_url(User, "change", root.pk)).status_code == 404
    password_page = reverse("admin:auth_user_password_change", args=[world.secretary_b.pk])
    assert client.get(password_page).status_code == 404


def test_area_autocomplete_offers_only_areas_within_reach(client, world):
    client.force_login(world.clerk_a)

    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "cases", "model_name": "case", "field_name": "area", "term": "村"},
    )

    assert response.status_code == 200
    names = {row["text"] for row in response.json()["results"]}
    assert names == {"枫源村", "陈家村", "枫源村第一网格"}


def test_area_filter_lists_only_towns_and_villages_within_reach(client, world, cases):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Case, "changelist"))

    area_filter = next(f for f in response.context["cl"].filter_specs if f.title == "区域")
    assert [pk for pk, _label in area_filter.lookup_choices] == [
        str(world.town_a.pk),
        str(world.village_a.pk),
        str(world.village_a2.pk),
    ]


def test_area_filter_narrows_the_list_to_one_village(client, world, cases):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Case, "changelist"), {"area_within": world.village_a2.pk})

    assert listed(response) == {cases["a2"]}


def test_area_filter_given_a_place_outside_reach_lists_nothing(client, world, cases):
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Case, "changelist"), {"area_within": world.town_b.pk})

    assert listed(response) == set()


def test_every_list_and_change_page_opens_for_a_clerk(client, world, cases):
    """A smoke test over the whole back office, with a row of each kind in reach."""
    case, other = cases["a1"], cases["a2"]
    for each in (case, other):
        accept(each, world.clerk_a, [world.mediator_a])
    services.case_change_grade(case=case, by=world.clerk_a, grade=Grade.BLUE, reason="矛盾已缓和")
    record_session(case, world.clerk_a, [world.mediator_a], SessionResult.RESOLVED)
    record_agreement(case, world.clerk_a)
    visit(case, world.clerk_a)
    # With an email address the escalation notice to the clerk gets a delivery row too.
    world.clerk_a.email = "clerk_a@example.org"
    world.clerk_a.save()
    services.escalation_propose(case=other, by=world.clerk_a, reason="三次调解未成")
    services.investigation_record(
        case=other,
        by=world.clerk_a,
        held_at=timezone.now(),
        place="陈家村村委会",
        interviewee_name="陈会计",
        interviewee_relation="村干部",
        content="工资表显示欠薪三个月。",
        investigators=[world.mediator_a],
    )
    refused = register_case(world.secretary_a)
    services.case_record_refusal(
        case=refused,
        by=world.clerk_a,
        party=refused.parties.first(),
        refused_on=refused.received_on,
        routes_explained=True,
    )
    sweep_monthly_reviews()  # last month's review of each village
    services.personal_data_reveal(
        party=case.parties.first(), by=world.clerk_a, action=Action.REVEAL_ID_NUMBER
    )
    OrganisationFactory(area=world.village_a)
    watch_flag(world.secretary_a)
    # A failed log-in of the area's secretary: the login records (accounts.LoginLockout/Failure).
    Client().post(reverse("login"), {"username": world.secretary_a.username, "password": "x"})
    GeneratedReport.objects.create(
        requested_by=world.clerk_a,
        area=world.town_a,
        period_start=timezone.localdate().replace(day=1),
        period_end=timezone.localdate(),
        format="csv",
    )
    client.force_login(world.clerk_a)

    for model, model_admin in admin.site._registry.items():
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model
        first = model_admin.get_queryset(_request_for(world.clerk_a)).first()
        assert first is not None, model
        response = client.get(admin_url(model, "change", first.pk))
        assert response.status_code == 200, model


def _request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request
