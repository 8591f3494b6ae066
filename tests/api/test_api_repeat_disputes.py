"""The API's registration answers with the earlier disputes of the case's parties that
the caller may see (``repeat_disputes``), and never refuses because of them."""

from tests.api.conftest import token_client
from tests.factories import make_id_number, party_rows, register_case

ID_WANG = make_id_number()


def push(where, **overrides) -> dict:
    data = {
        "area": where.code,
        "title": "法院委派:王某与李某买卖合同纠纷",
        "summary": "诉前委派调解。",
        "source": "court",
        "dispute_type": "contract",
        "grade": "yellow",
        "parties": [
            {"role": "applicant", "name": "王某", "id_number": ID_WANG},
            {"role": "respondent", "name": "李某", "mobile": "13700000001"},
        ],
    }
    data.update(overrides)
    return data


def earlier(by, respondent_mobile=""):
    rows = party_rows("王某", "李某")
    rows[0]["id_number"] = ID_WANG
    rows[1]["mobile"] = respondent_mobile
    return register_case(by, parties=rows)


def test_the_created_case_lists_the_earlier_visible_disputes_and_the_same_pair(world):
    one_side = earlier(world.secretary_a)
    both = earlier(world.secretary_a, respondent_mobile="13700000001")
    client = token_client(world.clerk_a)

    response = client.post("/api/v1/cases/", push(world.village_a), format="json")

    assert response.status_code == 201
    repeats = response.json()["repeat_disputes"]
    assert repeats["months"] == 24
    by_position = {p["position"]: p for p in repeats["parties"]}
    assert {c["number"] for c in by_position[0]["cases"]} == {one_side.number, both.number}
    assert [c["number"] for c in by_position[1]["cases"]] == [both.number]
    assert repeats["same_pair"] == [{"id": both.pk, "number": both.number}]
    assert response.json()["id"] not in {c["id"] for c in by_position[0]["cases"]}


def test_a_case_without_earlier_disputes_gets_an_empty_list(world):
    client = token_client(world.clerk_a)

    response = client.post("/api/v1/cases/", push(world.village_a), format="json")

    assert response.status_code == 201
    assert response.json()["repeat_disputes"] == {"months": 24, "parties": [], "same_pair": []}


def test_another_town_s_cases_are_neither_listed_nor_counted(world):
    earlier(world.secretary_b, respondent_mobile="13700000001")
    client = token_client(world.clerk_a)

    response = client.post("/api/v1/cases/", push(world.village_a), format="json")

    assert response.status_code == 201
    assert response.json()["repeat_disputes"] == {"months": 24, "parties": [], "same_pair": []}
