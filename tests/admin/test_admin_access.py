"""Who gets into the back office, and what nobody can do there: delete."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from cases.models import Case, CaseEvent, CaseSource, DisputeType, GradePolicy
from grids.models import Area
from tests.admin.conftest import admin_url, post_data_from
from tests.factories import UserFactory, register_case


@pytest.fixture
def case(world):
    return register_case(world.secretary_a)


def request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_village_secretary_is_sent_to_the_admin_login(client, world, case):
    client.force_login(world.secretary_a)

    for url in (reverse("admin:index"), admin_url(Case, "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_a_grid_member_made_staff_by_mistake_still_sees_nothing(client, world, case):
    member = UserFactory(role=Role.GRID_MEMBER, area=world.grid_a, is_staff=True)
    client.force_login(member)

    assert client.get(reverse("admin:index")).context["app_list"] == []
    assert client.get(admin_url(Case, "changelist")).status_code == 403
    assert client.get(admin_url(Case, "change", case.pk)).status_code == 403


def test_clerk_sees_the_back_office_index_with_every_app(client, world):
    client.force_login(world.clerk_a)

    response = client.get(reverse("admin:index"))

    labels = {app["app_label"] for app in response.context["app_list"]}
    assert labels == {
        "accounts",
        "auditlog",
        "cases",
        "grids",
        "mediators",
        "notifications",
        "reports",
    }


def test_supervisor_can_view_a_case_but_not_change_it(client, world, case):
    client.force_login(world.supervisor_a)

    response = client.get(admin_url(Case, "change", case.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False

    data = {"title": "督导改的名称", "_save": "保存"}
    assert client.post(admin_url(Case, "change", case.pk), data).status_code == 403
    assert Case.objects.get(pk=case.pk).title == case.title


def test_supervisor_gets_no_void_action_and_cannot_post_it(client, world, case):
    client.force_login(world.supervisor_a)

    response = client.get(admin_url(Case, "changelist"))
    assert response.status_code == 200
    assert "void_selected" not in response.content.decode()

    client.post(
        admin_url(Case, "changelist"),
        {"action": "void_selected", "_selected_action": [case.pk], "apply": "yes", "reason": "x"},
    )
    assert Case.objects.get(pk=case.pk).status == case.status


def test_supervisor_cannot_add_anything(client, world):
    client.force_login(world.supervisor_a)

    for model in (Area, DisputeType, GradePolicy):
        assert client.get(admin_url(model, "add")).status_code == 403


def test_clerk_may_change_lookup_tables(client, world):
    source = CaseSource.objects.get(code="grid_patrol")
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(CaseSource, "change", source.pk)))
    data.pop("is_active")

    response = client.post(admin_url(CaseSource, "change", source.pk), data)

    assert response.status_code == 302
    assert CaseSource.objects.get(pk=source.pk).is_active is False


def test_no_admin_allows_deleting_even_for_a_superuser(world):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    request = request_for(root)

    for model, model_admin in admin.site._registry.items():
        assert model_admin.has_delete_permission(request) is False, model
        assert "delete_selected" not in model_admin.get_actions(request), model


def test_delete_page_of_a_case_answers_403(client, world, case):
    client.force_login(world.clerk_a)

    assert client.get(admin_url(Case, "delete", case.pk)).status_code == 403
    assert client.post(admin_url(Case, "delete", case.pk), {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()


def test_delete_selected_cannot_be_posted_to_the_case_list(client, world, case):
    client.force_login(world.clerk_a)

    client.post(
        admin_url(Case, "changelist"),
        {"action": "delete_selected", "_selected_action": [case.pk], "post": "yes"},
    )

    assert Case.objects.filter(pk=case.pk).exists()


def test_case_history_is_read_only_even_for_a_clerk(client, world, case):
    event = CaseEvent.objects.get(case=case)
    client.force_login(world.clerk_a)

    response = client.get(admin_url(CaseEvent, "change", event.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.get(admin_url(CaseEvent, "add")).status_code == 403


def test_the_case_list_takes_as_many_queries_for_many_cases_as_for_one(client, world):
    register_case(world.secretary_a)
    client.force_login(world.clerk_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(admin_url(Case, "changelist")).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(5):
        register_case(world.secretary_a2)
    assert queries() == one
