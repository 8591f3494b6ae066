"""POST /api/v1/cases/on-the-spot/: 随手调 through the API, the service the page calls."""

from cases.models import AgreementForm, Case, FollowUpKind, Status
from tests.api.conftest import token_client
from tests.factories import MediatorFactory
from tests.rules.test_on_the_spot_rules import ON_SPOT_API, api_data


def test_the_api_records_a_dispute_settled_on_the_spot(world):
    mediator = MediatorFactory(name="网格员老周", area=world.grid_a, user=world.grid_member_a)

    response = token_client(world.grid_member_a).post(ON_SPOT_API, api_data(world), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == Status.RESOLVED
    assert body["grade"] == "blue"
    assert body["source"] == "grid_patrol"
    assert [s["mediators"] for s in body["sessions"]] == [[mediator.pk]]
    assert body["agreement"]["form"] == AgreementForm.ORAL
    assert [f["kind"] for f in body["follow_ups"]][:1] == [FollowUpKind.PHONE]
    assert [p["name"] for p in body["parties"]] == ["张大嫂", "李二婶"]


def test_the_api_takes_the_mediator_when_the_grid_member_names_one(world):
    response = token_client(world.grid_member_a).post(
        ON_SPOT_API, api_data(world, mediators=[world.mediator_a.pk]), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["sessions"][0]["mediators"] == [world.mediator_a.pk]


def test_a_case_refused_half_way_leaves_no_row(world):
    # No mediator entry and none named: the session step refuses after registration.
    response = token_client(world.grid_member_a).post(ON_SPOT_API, api_data(world), format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "mediators"
    assert not Case.objects.exists()


def test_a_grid_outside_the_grid_members_own_is_refused(world):
    MediatorFactory(name="网格员老周", area=world.grid_a, user=world.grid_member_a)

    response = token_client(world.grid_member_a).post(
        ON_SPOT_API, api_data(world, area=world.grid_b.code), format="json"
    )

    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("area", "所选区域不在您的管辖范围内。")
    ]
    assert not Case.objects.exists()
