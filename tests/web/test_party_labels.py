"""Parties are 申请人 and 被申请人 only where someone applied; a dispute found on patrol
(or taken up on the committee's own initiative) has 当事人. One function decides it
(cases.models.party_role_label) and every page that names a role asks it."""

import pytest
from django.urls import reverse

from cases.models import CaseSource, PartyRole, party_role_choices, party_role_label
from tests.api.conftest import token_client
from tests.builders import resolved
from tests.factories import party_rows, register_case, registration_page_data
from tests.web.helpers import html


def source(code: str) -> CaseSource:
    return CaseSource.objects.get(code=code)


@pytest.mark.django_db
def test_the_sources_nobody_applied_through_are_marked_by_the_migration():
    without = set(CaseSource.objects.filter(has_applicant=False).values_list("code", flat=True))

    assert without == {"grid_patrol", "own_initiative", "resident_report"}


@pytest.mark.django_db
def test_one_function_names_the_role_by_the_source_or_the_case(world):
    patrol_case = register_case(world.secretary_a, source=source("grid_patrol"))

    assert party_role_label(source("walk_in"), PartyRole.APPLICANT) == "申请人"
    assert party_role_label(source("walk_in"), PartyRole.RESPONDENT) == "被申请人"
    assert party_role_label(source("grid_patrol"), PartyRole.APPLICANT) == "当事人"
    assert party_role_label(patrol_case, PartyRole.RESPONDENT) == "当事人"
    assert party_role_label(None, PartyRole.OTHER) == "其他当事人"


@pytest.mark.django_db
def test_a_clerk_who_unticks_has_applicant_changes_the_label_everywhere(world):
    case = register_case(world.secretary_a, source=source("walk_in"))
    CaseSource.objects.filter(code="walk_in").update(has_applicant=False)
    case.source.refresh_from_db()

    assert [p.role_label for p in case.parties.order_by("id")] == ["当事人", "当事人"]


def test_the_case_page_of_a_dispute_found_on_patrol_calls_the_parties_当事人(client, world):
    case = register_case(world.secretary_a, source=source("grid_patrol"))
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    assert '<small class="text-muted">当事人' in page
    assert "申请人" not in page


def test_the_case_page_of_a_walk_in_keeps_申请人_and_被申请人(client, world):
    case = register_case(world.secretary_a, source=source("walk_in"))
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    assert '<small class="text-muted">申请人' in page
    assert '<small class="text-muted">被申请人' in page


def test_the_printed_agreement_of_a_patrol_case_is_signed_by_当事人(client, world):
    case = register_case(world.secretary_a, source=source("grid_patrol"), parties=party_rows())
    resolved(case, world.secretary_a, [world.mediator_a])
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:agreement_print", args=[case.pk])))

    assert "当事人张三(签名或按指印):" in page
    assert "当事人李四(签名或按指印):" in page
    assert "申请人" not in page


def _role_options(response, index: int = 0) -> list[str]:
    field = response.context["parties"].forms[index].fields["role"]
    return [str(label) for value, label in field.choices if value]


def test_the_blank_registration_form_offers_both_readings(client, world):
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:create"))

    assert _role_options(response) == [
        "申请人 / 当事人(一方)",
        "被申请人 / 当事人(另一方)",
        "其他当事人",
    ]


def test_a_registration_form_sent_back_for_a_patrol_dispute_names_the_sides_当事人(client, world):
    client.force_login(world.secretary_a)
    data = registration_page_data(
        world, source=source("grid_patrol").pk, **{"parties-0-mobile": "23912345678"}
    )

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    assert _role_options(response) == ["当事人(一方)", "当事人(另一方)", "其他当事人"]


def test_a_patrol_dispute_with_one_side_missing_is_asked_for_both_sides_not_an_applicant(
    client, world
):
    client.force_login(world.secretary_a)
    data = registration_page_data(
        world, source=source("grid_patrol").pk, **{"parties-1-role": "applicant"}
    )

    response = client.post(reverse("cases:create"), data)

    assert "纠纷至少需要两方当事人:请分别填写一方和另一方当事人。" in html(response)


def test_the_edit_page_of_a_walk_in_offers_申请人_and_被申请人(client, world):
    case = register_case(world.secretary_a, source=source("walk_in"))
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:edit", args=[case.pk]))

    assert _role_options(response) == [label for _value, label in party_role_choices(case)]
    assert _role_options(response)[:2] == ["申请人", "被申请人"]


def test_the_api_says_which_sources_have_an_applicant(world):
    response = token_client(world.secretary_a).get("/api/v1/sources/grid_patrol/")

    assert response.json()["has_applicant"] is False
