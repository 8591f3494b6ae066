"""Pinyin search: zhangsan or zs finds 张三 at every door (ledger, admin, API), within
the user's scope; the pinyin is stored in search_text, not computed per query."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case
from cases.search import case_search_text, name_pinyin, search_cases
from tests.admin.conftest import admin_url
from tests.api.conftest import token_client
from tests.factories import party_rows, register_case
from tests.web.helpers import ledger_numbers


@pytest.fixture
def cases(world):
    return {
        "zhang": register_case(
            world.secretary_a, parties=party_rows("张三", "李四"), title="邻里纠纷"
        ),
        "wang": register_case(
            world.secretary_a, parties=party_rows("王五", "赵六"), title="合同纠纷"
        ),
        "shan": register_case(
            world.secretary_a, parties=party_rows("单田芳", "曾小贤"), title="欠款纠纷"
        ),
        "elsewhere": register_case(
            world.secretary_b, parties=party_rows("张三", "孙八"), title="赵家村纠纷"
        ),
    }


def found(text: str, queryset=None) -> set[str]:
    queryset = Case.objects.all() if queryset is None else queryset
    return set(search_cases(queryset, text).values_list("title", flat=True))


def test_a_name_s_full_pinyin_and_initials_are_in_the_search_text(cases):
    text = Case.objects.get(pk=cases["zhang"].pk).search_text
    assert " zhangsan zs " in f"{text} "
    assert " lisi ls" in text


def test_full_pinyin_initials_upper_case_and_mixed_queries_find_the_name(cases):
    assert found("zhangsan") == {"邻里纠纷", "赵家村纠纷"}
    assert found("zs") == {"邻里纠纷", "赵家村纠纷"}
    assert found("ZhangSan") == {"邻里纠纷", "赵家村纠纷"}
    assert found("张san") == {"邻里纠纷", "赵家村纠纷"}
    assert found("wangwu") == {"合同纠纷"}


def test_a_polyphonic_surname_is_found_by_its_surname_reading_and_its_everyday_one(cases):
    assert name_pinyin("单田芳") == ("shantianfang", "stf", "dantianfang", "dtf")
    assert found("shantianfang") == {"欠款纠纷"}
    assert found("zengxiaoxian") == {"欠款纠纷"}
    assert found("dantianfang") == {"欠款纠纷"}


def test_a_single_latin_letter_finds_nothing_rather_than_everything(cases):
    assert found("z") == set()
    assert found("s") == set()


def test_a_name_without_chinese_adds_no_pinyin():
    assert name_pinyin("Alice Wang") == ()
    text = case_search_text(number="1", title="t", names=["Alice Wang"], summary="s")
    assert text == "1 t alice wang s"


def test_the_ledger_finds_张三_by_pinyin_and_initials_only_in_the_user_s_area(client, world, cases):
    client.force_login(world.secretary_a)
    for term in ("zhangsan", "zs"):
        response = client.get(reverse("cases:list"), {"q": term})
        assert ledger_numbers(response) == [cases["zhang"].number]


def test_the_admin_search_finds_张三_by_pinyin_and_initials_within_the_town(client, world, cases):
    client.force_login(world.clerk_a)
    for term in ("zhangsan", "zs"):
        response = client.get(admin_url(Case, "changelist"), {"q": term})
        assert set(response.context["cl"].result_list) == {cases["zhang"]}


def test_the_api_search_finds_张三_by_pinyin_and_initials_within_the_caller_s_area(world, cases):
    client = token_client(world.clerk_a)
    for term in ("zhangsan", "zs"):
        response = client.get("/api/v1/cases/", {"q": term})
        assert response.status_code == 200
        assert [row["number"] for row in response.json()["results"]] == [cases["zhang"].number]


def test_the_refresh_command_writes_the_pinyin_of_cases_written_before_it(world, cases, capsys):
    # As the benchmark filler or an old database left it: names only, no pinyin.
    Case.objects.update(search_text="")
    call_command("refresh_search_text", "--batch-size", "2")

    assert found("zs") == {"邻里纠纷", "赵家村纠纷"}
    assert "done: 4 cases" in capsys.readouterr().out


SPACED = ("zhang san", "Zhang San", "zhang  san", " ZHANG\u3000san ")


def test_a_name_s_pinyin_typed_with_spaces_finds_it_like_the_joined_pinyin(cases):
    for typed in SPACED:
        assert found(typed) == found("zhangsan") == {"邻里纠纷", "赵家村纠纷"}, typed
    assert found("shan tian fang") == {"欠款纠纷"}


def test_spaced_pinyin_does_not_find_syllables_that_belong_to_different_people(world, cases):
    register_case(world.secretary_a, parties=party_rows("张伟", "孙三"), title="张孙纠纷")
    assert found("zhang san") == {"邻里纠纷", "赵家村纠纷"}


def test_a_phrase_with_chinese_is_looked_for_as_typed_and_not_joined(cases):
    # search_text holds the names in order, "张三 李四": the phrase is found as it stands.
    assert found("张三 李四") == {"邻里纠纷"}
    assert found("张三  李四") == {"邻里纠纷"}
    assert found("张三李四") == set()
    assert found("李四 张三") == set()


def test_the_three_doors_find_张三_by_spaced_pinyin_within_their_scope(client, world, cases):
    client.force_login(world.secretary_a)
    api = token_client(world.clerk_a)
    for typed in SPACED:
        response = client.get(reverse("cases:list"), {"q": typed})
        assert ledger_numbers(response) == [cases["zhang"].number], typed
        client.force_login(world.clerk_a)
        response = client.get(admin_url(Case, "changelist"), {"q": typed})
        assert set(response.context["cl"].result_list) == {cases["zhang"]}, typed
        client.force_login(world.secretary_a)
        response = api.get("/api/v1/cases/", {"q": typed})
        assert [row["number"] for row in response.json()["results"]] == [cases["zhang"].number]
