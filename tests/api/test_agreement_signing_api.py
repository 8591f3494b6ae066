"""Signing a written agreement through the API: the same step as the signing page, and
the case as it then stands, with who signed, the mediator and the seal."""

import pytest

from tests.api.conftest import token_client
from tests.builders import committee_for, in_signing, today
from tests.factories import register_case

pytestmark = pytest.mark.django_db


def test_signing_through_the_api_brings_the_agreement_into_force(world):
    case = in_signing(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    first, second = case.parties.order_by("pk")
    committee = committee_for(case)
    day = today().isoformat()

    response = token_client(world.secretary_a).post(
        f"/api/v1/cases/{case.pk}/agreement/sign/",
        {
            "signatures": [
                {"party": first.pk, "how": "signed", "signed_on": day},
                {"party": second.pk, "how": "fingerprint", "signed_on": day},
            ],
            "mediator": world.mediator_a.pk,
            "mediator_signed_on": day,
            "seal_organisation": committee.pk,
            "sealed_on": day,
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved"
    agreement = body["agreement"]
    assert agreement["effective_on"] == day
    assert [(s["party_name"], s["how"]) for s in agreement["signatures"]] == [
        ("张三", "signed"),
        ("李四", "fingerprint"),
    ]
    assert agreement["mediator_signer"] == world.mediator_a.pk
    assert agreement["seal_organisation"] == committee.pk
    assert agreement["sealed_by"] == world.secretary_a.username
    assert (agreement["parties_signed"], agreement["mediator_signed"], agreement["sealed"]) == (
        True,
        True,
        True,
    )


def test_a_written_agreement_recorded_through_the_api_awaits_its_signatures(world):
    case = register_case(world.secretary_a)
    client = token_client(world.secretary_a)
    client.post(
        f"/api/v1/cases/{case.pk}/accept/",
        {"owner": "secretary_a", "mediators": [world.mediator_a.pk]},
        format="json",
    )
    client.post(
        f"/api/v1/cases/{case.pk}/sessions/",
        {
            "held_at": f"{today().isoformat()}T00:00:00+08:00",
            "place": "mediation_room",
            "method": "face_to_face",
            "mediators": [world.mediator_a.pk],
            "content": "双方陈述意见。",
            "result": "resolved",
        },
        format="json",
    )

    response = client.post(
        f"/api/v1/cases/{case.pk}/agreement/",
        {
            "form": "written",
            "reached_on": today().isoformat(),
            "facts": "院墙越界。",
            "terms": "拆除越界部分。",
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "signing"
    assert response.json()["agreement"]["effective_on"] is None
