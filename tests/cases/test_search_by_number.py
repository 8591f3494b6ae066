"""Searching by a party's whole ID number or mobile (issue 14): the ledger's search box,
the admin's case and party searches and the API's ``q`` find that person's cases through
the blind index, however the number was pasted, and only within the user's area."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Case, Party
from cases.search import search_cases
from common.validators import id_number_check_char
from tests.admin.conftest import admin_url
from tests.api.conftest import token_client
from tests.builders import today
from tests.factories import party_rows, register_case, registration_page_data
from tests.web.helpers import html, ledger_numbers

pytestmark = pytest.mark.django_db


def id_number(sequence: int) -> str:
    first17 = f"33068119650312{sequence:03d}"
    return first17 + id_number_check_char(first17)


ZHANG = id_number(123)
ZHANG_MOBILE = "13957512345"
ZHAO = id_number(456)  # a party of village B
PASTED = [
    ZHANG,
    ZHANG.lower(),
    f"{ZHANG[:6]} {ZHANG[6:14]} {ZHANG[14:]}",
    f"  {ZHANG[:6]}-{ZHANG[6:14]}-{ZHANG[14:]} ",
]


def parties(name, number, mobile=""):
    rows = party_rows(name, "对方当事人")
    rows[0].update(id_number=number, mobile=mobile, gender="")
    return rows


@pytest.fixture
def cases(world) -> dict[str, Case]:
    return {
        "zhang_1": register_case(
            world.secretary_a, parties=parties("张三", ZHANG, ZHANG_MOBILE), title="张三一案"
        ),
        "zhang_2": register_case(world.secretary_a, parties=parties("张三", ZHANG), title="张三二案"),
        "other": register_case(world.secretary_a, parties=parties("王五", id_number(789)), title="王五案"),
        "zhao": register_case(
            world.secretary_b, parties=parties("赵大宝", ZHAO, "13957598765"), title="赵家案"
        ),
    }  # fmt: skip


def titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


@pytest.mark.parametrize("typed", PASTED)
def test_a_whole_id_number_however_pasted_finds_every_case_of_that_person(cases, typed):
    assert titles(search_cases(Case.objects.all(), typed)) == {"张三一案", "张三二案"}


@pytest.mark.parametrize(
    "typed", [ZHANG_MOBILE, "139 5751 2345", "139-5751-2345", "+86 13957512345"]
)
def test_a_whole_mobile_finds_the_cases_of_that_person(cases, typed):
    assert titles(search_cases(Case.objects.all(), typed)) == {"张三一案"}


def test_a_number_nobody_has_finds_nothing_and_a_part_of_one_is_not_a_number_search(cases):
    assert titles(search_cases(Case.objects.all(), id_number(999))) == set()
    assert titles(search_cases(Case.objects.all(), ZHANG[:10])) == set()
    assert titles(search_cases(Case.objects.all(), "张三")) == {"张三一案", "张三二案"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_on_postgresql_finding_by_id_number_is_a_lookup_of_the_blind_index(cases):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search_cases(Case.objects.all(), ZHANG).explain()

    assert "party_id_number_index" in plan
    assert "search_text" not in plan


def test_the_ledger_search_box_finds_a_pasted_id_number_within_the_users_area(client, world, cases):
    client.force_login(world.secretary_a)

    found = client.get(reverse("cases:list"), {"q": PASTED[2]})
    across = client.get(reverse("cases:list"), {"q": ZHAO})

    assert sorted(ledger_numbers(found)) == sorted(
        [cases["zhang_1"].number, cases["zhang_2"].number]
    )
    assert ledger_numbers(across) == []
    assert "赵大宝" not in html(across)


def test_village_b_finds_its_own_party_by_id_number_and_mobile(client, world, cases):
    client.force_login(world.secretary_b)

    for typed in (ZHAO, "139 5759 8765"):
        assert ledger_numbers(client.get(reverse("cases:list"), {"q": typed})) == [
            cases["zhao"].number
        ]
    assert ledger_numbers(client.get(reverse("cases:list"), {"q": ZHANG})) == []


def test_the_api_search_finds_by_id_number_and_mobile_within_the_callers_area(world, cases):
    client = token_client(world.secretary_a)

    def numbers(text):
        response = client.get("/api/v1/cases/", {"q": text})
        assert response.status_code == 200
        return sorted(row["number"] for row in response.json()["results"])

    assert numbers(PASTED[3]) == sorted([cases["zhang_1"].number, cases["zhang_2"].number])
    assert numbers(ZHANG_MOBILE) == [cases["zhang_1"].number]
    assert numbers(ZHAO) == []
    assert numbers("13957598765") == []


def test_the_admin_case_search_finds_by_id_number_within_the_clerks_area(client, world, cases):
    client.force_login(world.clerk_a)

    def found(text):
        response = client.get(admin_url(Case, "changelist"), {"q": text})
        assert response.status_code == 200
        return {case.title for case in response.context["cl"].result_list}

    assert found(PASTED[2]) == {"张三一案", "张三二案"}
    assert found(ZHANG_MOBILE) == {"张三一案"}
    assert found(ZHAO) == set()


def test_the_admin_party_search_finds_the_person_by_id_number_within_the_clerks_area(
    client, world, cases
):
    client.force_login(world.clerk_a)

    def found(text):
        response = client.get(admin_url(Party, "changelist"), {"q": text})
        assert response.status_code == 200
        return sorted((p.name, p.case.title) for p in response.context["cl"].result_list)

    assert found(PASTED[3]) == [("张三", "张三一案"), ("张三", "张三二案")]
    assert found(ZHAO) == []
    assert found("王五") == [("王五", "王五案")]


def test_the_registration_page_takes_an_id_number_pasted_with_spaces_and_a_lower_case_x(
    client, world
):
    first17 = "33068119650312123"
    number = first17 + id_number_check_char(first17)
    assert number.endswith("X")  # the case that used to be cut and refused
    pasted = f"{number[:6]} {number[6:14]} {number[14:].lower()}"
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:create")))
    response = client.post(
        reverse("cases:create"),
        registration_page_data(
            world, **{"parties-0-id_number": pasted, "parties-0-mobile": "139-5751-2345"}
        ),
    )

    [id_input] = re.findall(r'<input[^>]*name="parties-0-id_number"[^>]*>', page)
    assert "maxlength" not in id_input
    assert response.status_code == 302
    party = Party.objects.get(name="王大山")
    assert (party.id_number, party.mobile) == (number, "13957512345")
    assert list(Party.objects.filter(id_number=number)) == [party]


def test_the_api_takes_an_id_number_pasted_with_spaces_and_dashes(world):
    first17 = "33068119650312123"
    number = first17 + id_number_check_char(first17)
    body = {
        "area": world.village_a.code,
        "title": "粘贴号码测试",
        "summary": "号码中带空格和横线。",
        "source": "walk_in",
        "dispute_type": "contract",
        "grade": "yellow",
        "received_on": today().isoformat(),
        "parties": [
            {
                "role": "applicant",
                "name": "王某",
                "id_number": f"{number[:6]}-{number[6:14]}-{number[14:]}",
                "mobile": "139 5751 2345",
            },
            {"role": "respondent", "name": "李某"},
        ],
    }

    response = token_client(world.clerk_a).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 201, response.json()
    party = Party.objects.get(name="王某")
    assert (party.id_number, party.mobile) == (number, "13957512345")
