"""Judicial confirmation at each door: the case page's agreement block shows the status,
court, application date, ruling number and deadline; the agreement update page, the
admin and the API take the same fields (the service's AGREEMENT_UPDATE_FIELDS)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Agreement, Case
from tests.admin.conftest import admin_url
from tests.api.conftest import token_client
from tests.builders import mediating, oral_agreement
from tests.factories import register_case
from tests.web.helpers import html

pytestmark = pytest.mark.django_db

COURT = "诸暨市人民法院"
RULING = "(2026)浙0681民特12号"
JUDICIAL_FIELDS = (
    "judicial_confirmation",
    "judicial_court",
    "judicial_applied_on",
    "judicial_ruling_number",
    "judicial_confirmation_on",
)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def agreed_ten_days_ago(world) -> Case:
    case = register_case(world.secretary_a, received_on=days_ago(12))
    case = mediating(case, world.secretary_a, [world.mediator_a])
    services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(reached_on=days_ago(10))
    )
    return case


def test_the_case_page_shows_the_judicial_confirmation_record_and_its_deadline(client, world):
    case = agreed_ten_days_ago(world)
    services.agreement_update(
        case=case,
        by=world.secretary_a,
        data={
            "judicial_confirmation": "confirmed",
            "judicial_applied_on": days_ago(8),
            "judicial_court": COURT,
            "judicial_ruling_number": RULING,
            "judicial_confirmation_on": days_ago(1),
        },
    )
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    deadline = days_ago(10) + datetime.timedelta(days=30)
    for label, value in [
        ("司法确认申请期限", deadline.isoformat()),
        ("司法确认", "已确认"),
        ("司法确认申请日期", days_ago(8).isoformat()),
        ("受理法院", COURT),
        ("裁定书文号", RULING),
        ("司法确认日期", days_ago(1).isoformat()),
    ]:
        assert f'{label}</dt><dd class="col-7 col-sm-8">{value}</dd>' in page, label


def test_the_case_page_shows_that_the_parties_intend_to_apply(client, world):
    case = agreed_ten_days_ago(world)
    services.agreement_update(
        case=case, by=world.secretary_a, data={"judicial_confirmation": "intended"}
    )
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    assert '司法确认</dt><dd class="col-7 col-sm-8">拟申请</dd>' in page
    assert "受理法院" not in page


def test_the_agreement_update_page_records_the_application(client, world):
    case = agreed_ten_days_ago(world)
    client.force_login(world.secretary_a)
    form = html(client.get(reverse("cases:agreement_update", args=[case.pk])))
    for field in JUDICIAL_FIELDS:
        assert f'name="{field}"' in form, field

    client.post(
        reverse("cases:agreement_update", args=[case.pk]),
        {
            "judicial_confirmation": "applied",
            "judicial_applied_on": days_ago(2).isoformat(),
            "judicial_court": COURT,
            "performance": "not_yet_due",
        },
    )

    agreement = Agreement.objects.get(case=case)
    assert (agreement.judicial_confirmation, agreement.judicial_applied_on) == (
        "applied",
        days_ago(2),
    )
    assert agreement.judicial_court == COURT


def test_the_api_records_and_returns_the_judicial_confirmation_record(world):
    case = agreed_ten_days_ago(world)

    response = token_client(world.secretary_a).post(
        f"/api/v1/cases/{case.pk}/agreement/update/",
        {
            "judicial_confirmation": "rejected",
            "judicial_applied_on": days_ago(3).isoformat(),
            "judicial_court": COURT,
            "judicial_ruling_number": RULING,
        },
        format="json",
    )

    assert response.status_code == 200
    agreement = response.json()["agreement"]
    assert {field: agreement[field] for field in JUDICIAL_FIELDS} == {
        "judicial_confirmation": "rejected",
        "judicial_court": COURT,
        "judicial_applied_on": days_ago(3).isoformat(),
        "judicial_ruling_number": RULING,
        "judicial_confirmation_on": None,
    }
    deadline = days_ago(10) + datetime.timedelta(days=30)
    assert agreement["judicial_confirmation_deadline"] == deadline.isoformat()


def test_the_admin_offers_the_judicial_confirmation_fields(client, world):
    case = agreed_ten_days_ago(world)
    client.force_login(world.clerk_a)

    page = html(client.get(admin_url(Agreement, "change", case.agreement.pk)))

    for field in JUDICIAL_FIELDS:
        assert f'name="{field}"' in page, field
