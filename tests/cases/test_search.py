import pytest
from django.db import connection

from cases.models import Case
from cases.search import search_cases
from tests.factories import party_rows, register_case


@pytest.fixture
def cases(world):
    return {
        "liu": register_case(
            world.secretary_a, parties=party_rows("刘涛", "王芳"), title="邻里纠纷"
        ),
        "split": register_case(
            world.secretary_a, parties=party_rows("刘伟", "陈涛"), title="合同纠纷"
        ),
        "leak": register_case(
            world.secretary_a, title="楼上漏水", summary="卫生间漏水导致楼下受损。"
        ),
    }


def found(text: str) -> set[str]:
    return set(search_cases(Case.objects.all(), text).values_list("title", flat=True))


def test_a_two_character_name_finds_only_the_case_where_they_stand_together(cases):
    assert found("刘涛") == {"邻里纠纷"}


def test_a_longer_text_and_a_number_prefix_are_found(cases):
    assert found("卫生间漏水") == {"楼上漏水"}
    assert found(cases["leak"].number[:12]) == {"邻里纠纷", "合同纠纷", "楼上漏水"}


def test_search_ignores_case_and_surrounding_spaces(cases):
    assert found(f"  {cases['liu'].number.upper()} ") == {"邻里纠纷"}


def test_an_empty_search_leaves_the_list_alone(cases):
    assert found("   ") == {"邻里纠纷", "合同纠纷", "楼上漏水"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bigram index is PostgreSQL only")
def test_on_postgresql_a_two_character_search_goes_through_the_bigram_index_function(cases):
    sql = str(search_cases(Case.objects.all(), "刘涛").query)
    assert "fq_bigrams" in sql
    assert "fq_bigrams" not in str(search_cases(Case.objects.all(), "刘涛丽").query)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
@pytest.mark.django_db
def test_on_postgresql_the_planner_samples_the_search_text_finely():
    # The default sample makes the planner guess a name matches ~1% of the ledger and
    # walk it in date order instead of using the trigram index (bench/people.py).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute"
            " WHERE attrelid = 'cases_case'::regclass AND attname = 'search_text'"
        )
        assert cursor.fetchone()[0] == 1000
