"""The 随手调 page: one short form a grid member fills in on a phone."""

import pytest
from django.urls import reverse

from cases.models import AgreementForm, Case, FollowUpKind, SessionResult, Status
from tests.factories import MediatorFactory
from tests.rules.test_on_the_spot_rules import page_data
from tests.web.helpers import html


@pytest.fixture
def grid_member(client, world):
    MediatorFactory(name="网格员老周", area=world.grid_a, user=world.grid_member_a)
    client.force_login(world.grid_member_a)
    return world.grid_member_a


def test_the_grid_members_ledger_links_to_the_light_path(client, world, grid_member):
    page = html(client.get(reverse("cases:list")))

    assert reverse("cases:on_the_spot") in page


def test_a_village_secretarys_ledger_does_not(client, world):
    client.force_login(world.secretary_a)

    assert reverse("cases:on_the_spot") not in html(client.get(reverse("cases:list")))


def test_the_form_offers_the_grid_blue_grade_patrol_source_and_the_member_as_mediator(
    client, world, grid_member
):
    form = client.get(reverse("cases:on_the_spot")).context["form"]

    assert list(form.fields["area"].queryset) == [world.grid_a]
    assert form.fields["area"].initial == world.grid_a
    assert form.fields["grade"].initial == "blue"
    assert form.fields["source"].initial.code == "grid_patrol"
    assert form.fields["mediators"].initial.user == grid_member


def test_the_form_works_without_javascript_and_fits_a_phone(client, world, grid_member):
    page = html(client.get(reverse("cases:on_the_spot")))

    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    assert 'name="parties-0-name"' in page and 'name="parties-1-mobile"' in page
    assert 'inputmode="tel"' in page
    assert "btn-touch" in page


def test_posting_the_form_records_a_resolved_case_with_its_phone_call(client, world, grid_member):
    response = client.post(reverse("cases:on_the_spot"), page_data(world))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.status == Status.RESOLVED
    assert [s.result for s in case.sessions.all()] == [SessionResult.RESOLVED]
    assert case.agreement.form == AgreementForm.ORAL
    assert case.follow_ups.filter(kind=FollowUpKind.PHONE, done_at__isnull=True).exists()
    shown = html(client.get(response["Location"]))
    assert "调解成功" in shown
    assert "张大嫂" in shown


def test_a_third_party_is_optional_and_a_blank_row_between_keeps_the_rows_in_place(
    client, world, grid_member
):
    data = page_data(world, **{"parties-1-name": "", "parties-2-name": "李二婶"})

    response = client.post(reverse("cases:on_the_spot"), data)

    # The blank second row is a party without a name: refused on that row, nothing saved.
    assert response.status_code == 200
    assert response.context["parties"].forms[1].errors
    assert not Case.objects.exists()
