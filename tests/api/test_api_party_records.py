"""Complete party records through the API (issue 14): the same rules and messages as the
form, agents with the power of attorney, parties from a spreadsheet, scope as anywhere."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import AgentKind, Party, PartyAgent
from tests.api.conftest import NOT_FOUND, errors, token_client
from tests.api.test_api_cases import push
from tests.factories import make_id_number, register_case

MALE_ID = make_id_number(datetime.date(1980, 5, 17), 123)
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
URL = "/api/v1/cases/"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"


def test_a_pushed_gender_that_contradicts_the_id_number_is_refused_with_the_form_s_message(
    world,
):
    body = push(world.village_a)
    body["parties"][0].update(gender="female", id_number=MALE_ID)

    response = token_client(world.clerk_a).post(URL, body, format="json")

    assert response.status_code == 400
    assert errors(response) == [
        {
            "field": "parties.0.gender",
            "code": "gender_id_mismatch",
            "message": "性别与身份证号码不符:按号码应为“男”。",
        }
    ]
    assert not Party.objects.exists()


def test_a_company_and_forty_workers_are_pushed_and_read_back_with_their_details(world):
    body = push(world.village_a)
    body["parties"] = [
        {"role": "applicant", "name": f"工人{n}", "is_representative": n == 0} for n in range(40)
    ] + [
        {
            "role": "respondent",
            "kind": "legal_person",
            "name": "某建材有限公司",
            "credit_code": "91110000600037341L",
            "legal_representative": "赵总",
        }
    ]
    body["parties"][1].update(id_number=MALE_ID, ethnicity="01")

    response = token_client(world.clerk_a).post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    parties = response.json()["parties"]
    assert len(parties) == 41
    assert parties[0]["is_representative"] is True
    assert (parties[1]["gender"], parties[1]["birth_date"], parties[1]["ethnicity"]) == (
        "male",
        "1980-05-17",
        "01",
    )
    assert parties[1]["age"] >= 45
    assert parties[40]["credit_code"] == "91110000600037341L"


def test_a_bad_credit_code_is_refused_on_its_field(world):
    body = push(world.village_a)
    body["parties"][1] = {
        "role": "respondent",
        "kind": "organisation",
        "name": "某合作社",
        "credit_code": "91110000600037341X",
    }

    response = token_client(world.clerk_a).post(URL, body, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in errors(response)] == ["parties.1.credit_code"]


def test_an_agent_is_added_with_the_power_of_attorney_and_shown_masked(world):
    case = register_case(world.secretary_a)
    party = case.parties.first()

    response = token_client(world.secretary_a).post(
        f"{URL}{case.pk}/agents/",
        {
            "party": party.pk,
            "name": "王律师",
            "kind": AgentKind.LAWYER,
            "relation": "某律师事务所",
            "mobile": "13600001111",
            "power_of_attorney": SimpleUploadedFile("委托书.pdf", PDF_BYTES),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["mobile_masked"] == "136****1111"
    detail = token_client(world.secretary_a).get(f"{URL}{case.pk}/").json()
    assert [a["name"] for a in detail["parties"][0]["agents"]] == ["王律师"]


def test_another_village_s_case_answers_404_for_agents_and_imports(world):
    case = register_case(world.secretary_a)
    client = token_client(world.secretary_b)

    agent = client.post(f"{URL}{case.pk}/agents/", {}, format="multipart")
    imported = client.post(f"{URL}{case.pk}/parties/import/", {}, format="multipart")

    assert (agent.status_code, errors(agent)) == (404, NOT_FOUND)
    assert (imported.status_code, errors(imported)) == (404, NOT_FOUND)
    assert not PartyAgent.objects.exists()


def test_an_imported_sheet_with_one_bad_row_adds_nobody_and_names_line_and_column(world):
    case = register_case(world.secretary_a)
    csv = f"身份,姓名/名称,身份证号码\n申请人,工人甲,{MALE_ID}\n申请人,工人乙,123\n"
    client = token_client(world.secretary_a)

    refused = client.post(
        f"{URL}{case.pk}/parties/import/",
        {"file": SimpleUploadedFile("名单.csv", csv.encode())},
        format="multipart",
    )

    assert refused.status_code == 422
    assert [e["field"] for e in errors(refused)] == ["file.3.身份证号码"]
    assert case.parties.count() == 2

    accepted = client.post(
        f"{URL}{case.pk}/parties/import/",
        {"file": SimpleUploadedFile("名单.csv", csv.replace(",123", ",").encode())},
        format="multipart",
    )
    assert accepted.status_code == 200
    assert len(accepted.json()["parties"]) == 4
