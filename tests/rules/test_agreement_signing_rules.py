"""The signing rules of a written agreement (人民调解法 art. 29), each tried with the same
bad input at the signing page and at its API endpoint: both refuse with the same words
and nothing is written. The input names the case's own parties, mediators and
organisations, so each row builds it from the case."""

import pytest
from django.urls import reverse

from mediators.models import Organisation, OrganisationKind
from tests.api.conftest import token_client
from tests.builders import committee_for, today
from tests.factories import OrganisationFactory, register_case
from tests.rules.doors import CASES_API, api_refusal, page_refusal, state
from tests.rules.steps import STEPS, agreed_in_writing_unsigned, days_ago

pytestmark = pytest.mark.django_db

SEAL_REFUSAL = (
    "只有本案发生地的人民调解委员会才能在调解协议上盖章;"
    "调解工作室、专家库、矛调中心和专业调处团队须以调委会名义出具协议。"
)


def _seal(organisation, on):
    """The same seal at both doors (only the organisation's id differs in kind)."""
    page = {"seal_organisation": organisation.pk, "sealed_on": on.isoformat()}
    return page, dict(page)


def _studio_seal(world, case):
    studio = OrganisationFactory(
        name="宝大叔调解工作室", kind=OrganisationKind.STUDIO, area=world.village_a
    )
    return _seal(studio, today())


def _district_centre_seal(world, case):
    centre = OrganisationFactory(
        name="诸暨市矛调中心", kind=OrganisationKind.DISTRICT_CENTRE, area=world.district
    )
    return _seal(centre, today())


def _other_village_committee_seal(world, case):
    return _seal(
        Organisation.objects.get(name="陈家村人民调解委员会", area=world.village_a2), today()
    )


def _seal_before_the_agreement(world, case):
    return _seal(committee_for(case), days_ago(4))


def _seal_without_its_date(world, case):
    committee = committee_for(case)
    return {"seal_organisation": committee.pk, "sealed_on": ""}, {"seal_organisation": committee.pk}


def _mediator_from_elsewhere(world, case):
    page = {"mediator": world.mediator_b.pk, "mediator_signed_on": today().isoformat()}
    return page, dict(page)


def _party_of_another_case(world, case):
    other = register_case(world.secretary_a).parties.first()
    # The page shows a row per party of this case only; the API names any party.
    return None, {
        "signatures": [{"party": other.pk, "how": "signed", "signed_on": today().isoformat()}]
    }


def _party_signature_without_how(world, case):
    party = case.parties.order_by("pk").first()
    on = today().isoformat()
    return (
        {f"party_{party.pk}_how": "", f"party_{party.pk}_on": on},
        {"signatures": [{"party": party.pk, "how": "", "signed_on": on}]},
    )


def _nothing(world, case):
    party = case.parties.order_by("pk").first()
    return (
        {f"party_{party.pk}_how": "", f"party_{party.pk}_on": ""},
        {"signatures": []},
    )


SIGNING_RULES = {
    "a studio's seal": (_studio_seal, "seal_organisation", SEAL_REFUSAL),
    "the county centre's seal": (_district_centre_seal, "seal_organisation", SEAL_REFUSAL),
    "another village's committee's seal": (
        _other_village_committee_seal,
        "seal_organisation",
        SEAL_REFUSAL,
    ),
    "a seal dated before the agreement was reached": (
        _seal_before_the_agreement,
        "sealed_on",
        "签署日期不能早于达成日期。",
    ),
    "a seal without its date": (_seal_without_its_date, "sealed_on", "请填写日期。"),
    "a mediator who did not mediate the case": (
        _mediator_from_elsewhere,
        "mediator",
        "请选择参与本案调解的调解员。",
    ),
    "a party's signature without how they signed": (
        _party_signature_without_how,
        "signatures",
        "请选择签署方式(签名、盖章或按指印)。",
    ),
    "nothing signed at all": (_nothing, "signatures", "请至少记录一方签署、调解员签名或盖章。"),
}


@pytest.mark.parametrize("name", SIGNING_RULES.keys())
def test_a_signing_rule_is_refused_alike_by_the_page_and_the_api(client, world, name):
    make, field, message = SIGNING_RULES[name]
    case = agreed_in_writing_unsigned(world)
    step = STEPS["sign"]
    page_changes, api_changes = make(world, case)
    # Only what the row names is submitted: the good first signature is left out.
    page_data = page_changes if page_changes is not None else step.page_data(world, case)
    before = state()

    client.force_login(world.secretary_a)
    refused = {}
    if page_changes is not None:
        page = client.post(reverse(f"cases:{step.page}", args=[case.pk]), page_data)
        refused["page"] = page_refusal(client, page)
    api = token_client(world.secretary_a).post(
        f"{CASES_API}{case.pk}/{step.api}/", api_changes, format="json"
    )
    refused["api"] = api_refusal(api)

    assert state() == before
    expected = {"api": [(field, message)]}
    if page_changes is not None:
        expected["page"] = [message]
    assert refused == expected


def test_a_party_of_another_case_is_refused_by_the_api(client, world):
    case = agreed_in_writing_unsigned(world)
    _page, body = _party_of_another_case(world, case)
    before = state()

    api = token_client(world.secretary_a).post(
        f"{CASES_API}{case.pk}/agreement/sign/", body, format="json"
    )

    assert api_refusal(api) == [("signatures", "所选当事人不是本案当事人。")]
    assert state() == before


def test_the_good_signature_is_recorded_alike_by_the_page_and_the_api(client, world):
    step = STEPS["sign"]
    by_page, by_api = agreed_in_writing_unsigned(world), agreed_in_writing_unsigned(world)
    client.force_login(world.secretary_a)

    page = client.post(
        reverse(f"cases:{step.page}", args=[by_page.pk]), step.page_data(world, by_page)
    )
    api = token_client(world.secretary_a).post(
        f"{CASES_API}{by_api.pk}/{step.api}/", step.api_data(world, by_api), format="json"
    )

    assert page.status_code == 302
    assert api.status_code == 200
    body = api.json()["agreement"]
    assert [(s["party_name"], s["how"]) for s in body["signatures"]] == [("张三", "signed")]
    assert body["parties_signed"] is False and body["effective_on"] is None
    assert [s.party.name for s in by_page.agreement.signatures.all()] == ["张三"]
