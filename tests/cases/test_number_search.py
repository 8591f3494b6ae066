"""One number rule for every door: text that looks like a case number, or the start of
one, matches the numbers that begin with it (an indexed ``number LIKE 'x%'``), in the
ledger, the API and the admin alike, and never outside the user's area."""

import pytest
from django.urls import reverse

from cases.models import Case
from cases.search import looks_like_number, search_cases
from tests.admin.conftest import admin_url
from tests.api.conftest import token_client
from tests.factories import register_case
from tests.web.helpers import ledger_numbers


@pytest.mark.parametrize(
    "text",
    ["330681101-2026-00001", "330681101-2026-", "330681101-2026", "330681-", "330681-2026-0"],
)
def test_a_case_number_or_its_start_looks_like_a_number(text):
    assert looks_like_number(text)


@pytest.mark.parametrize("text", ["330681", "2026-00001", "刘涛", "330681101-2026-00001 刘", ""])
def test_digits_alone_words_and_number_tails_do_not(text):
    assert not looks_like_number(text)


@pytest.fixture
def numbered(world):
    first = register_case(world.secretary_a)
    second = register_case(world.secretary_a)
    # Names another case's number in its summary: a prefix search does not find it.
    mention = register_case(world.secretary_a2, summary=f"与{first.number}号案件系同一纠纷。")
    elsewhere = register_case(world.secretary_b)
    return first, second, mention, elsewhere


def test_a_number_matches_by_prefix_only(numbered):
    first, second, mention, elsewhere = numbered

    found = set(search_cases(Case.objects.all(), first.number))

    assert found == {first}
    prefix = first.number.rsplit("-", 1)[0] + "-"
    assert set(search_cases(Case.objects.all(), prefix)) == {first, second, mention}


def test_a_number_search_is_a_prefix_like_on_the_number_column(numbered):
    sql = str(search_cases(Case.objects.all(), "330681101-2026-").query)
    where = sql.split(" WHERE ", 1)[1]

    assert '"cases_case"."number"' in where
    assert "search_text" not in where
    assert "LIKE 330681101-2026-%" in where


def test_the_ledger_finds_by_number_prefix_within_the_users_area(client, world, numbered):
    first, second, mention, elsewhere = numbered
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:list"), {"q": world.town_a.code + "-"})

    assert set(ledger_numbers(response)) == {first.number, second.number}
    everything = client.get(reverse("cases:list"), {"q": elsewhere.number})
    assert ledger_numbers(everything) == []


def test_the_api_finds_by_number_prefix_within_the_callers_area(world, numbered):
    first, second, mention, elsewhere = numbered
    api = token_client(world.clerk_a)

    response = api.get(reverse("case-list"), {"q": first.number.rsplit("-", 1)[0] + "-"})

    assert response.status_code == 200
    numbers = {row["number"] for row in response.json()["results"]}
    assert numbers == {first.number, second.number, mention.number}
    assert api.get(reverse("case-list"), {"q": elsewhere.number}).json()["results"] == []


def test_the_admin_finds_by_number_prefix_within_the_clerks_area(client, world, numbered):
    first, second, mention, elsewhere = numbered
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Case, "changelist"), {"q": first.number})

    assert set(response.context["cl"].result_list) == {first}
    other = client.get(admin_url(Case, "changelist"), {"q": elsewhere.number})
    assert list(other.context["cl"].result_list) == []
