"""Who is "the same person" across cases (cases.people): one rule for the registration
check, the person page, the ledger badge and the statistics."""

import datetime

import pytest

from cases import people, services
from cases.models import PartyRole
from tests.factories import make_id_number, register_case

ID_ZHANG = make_id_number(datetime.date(1970, 1, 1), 111)
ID_OTHER = make_id_number(datetime.date(1985, 6, 6), 222)


def person(name, role=PartyRole.APPLICANT, **numbers) -> dict:
    return {"role": role, "name": name, "gender": "", **numbers}


def two_sides(applicant: dict, respondent: dict) -> list[dict]:
    return [applicant, {**respondent, "role": PartyRole.RESPONDENT}]


def numbers_of(repeats, position=0) -> set[str]:
    found = [p for p in repeats.people if p.position == position]
    return {case.number for case in found[0].cases} if found else set()


def check(world, parties, user=None, area=None):
    user = user or world.secretary_a
    return people.repeat_disputes_for(parties, user=user, area=area or user.area)


def test_the_same_id_number_is_the_same_person_whatever_the_name_or_spacing(world):
    earlier = register_case(
        world.secretary_a,
        parties=two_sides(person("张三", id_number=ID_ZHANG), person("李四")),
    )
    spaced = f"{ID_ZHANG[:6]} {ID_ZHANG[6:14]} {ID_ZHANG[14:]}"
    repeats = check(world, two_sides(person("张叁", id_number=spaced), person("王五")))

    assert numbers_of(repeats) == {earlier.number}


def test_without_an_id_number_the_mobile_recognises_the_person(world):
    earlier = register_case(
        world.secretary_a,
        parties=two_sides(person("张三", mobile="13912345678"), person("李四")),
    )
    repeats = check(world, two_sides(person("张三丰", mobile="139 1234 5678"), person("王五")))

    assert numbers_of(repeats) == {earlier.number}


def test_a_different_id_number_is_another_person_even_with_the_same_name(world):
    register_case(
        world.secretary_a,
        parties=two_sides(person("张三", id_number=ID_ZHANG), person("李四")),
    )
    repeats = check(world, two_sides(person("张三", id_number=ID_OTHER), person("王五")))

    assert not repeats


def test_without_numbers_the_same_name_counts_only_within_the_same_village(world):
    here = register_case(
        world.secretary_a, world.grid_a, parties=two_sides(person("赵大"), person("钱二"))
    )
    register_case(world.secretary_a2, parties=two_sides(person("赵大"), person("孙三")))
    repeats = check(
        world, two_sides(person("赵大"), person("周四")), user=world.clerk_a, area=world.village_a
    )

    # The clerk sees both villages, but the other 赵大 lives in 陈家村.
    assert numbers_of(repeats) == {here.number}


def test_the_same_pair_is_found_whichever_side_each_stood_on(world):
    earlier = register_case(
        world.secretary_a,
        parties=two_sides(person("张三", id_number=ID_ZHANG), person("李四", mobile="13700000001")),
    )
    register_case(  # 张三 again, but against someone else: not the pair
        world.secretary_a,
        parties=two_sides(person("张三", id_number=ID_ZHANG), person("王五")),
    )
    repeats = check(
        world,
        two_sides(person("李四", mobile="13700000001"), person("张三", id_number=ID_ZHANG)),
    )

    assert [case.number for case in repeats.pair_cases] == [earlier.number]
    assert len(numbers_of(repeats, 1)) == 2


def test_cases_older_than_24_months_and_voided_cases_do_not_count(world):
    old = register_case(
        world.secretary_a,
        parties=two_sides(person("张三", id_number=ID_ZHANG), person("李四")),
        received_on=datetime.date.today() - datetime.timedelta(days=800),
    )
    voided = register_case(
        world.secretary_a, parties=two_sides(person("张三", id_number=ID_ZHANG), person("李四"))
    )
    services.case_void(case=voided, by=world.secretary_a, reason="重复登记。")

    assert old.number  # registered, just too old
    assert not check(world, two_sides(person("张三", id_number=ID_ZHANG), person("李四")))


def test_a_village_a_user_gets_no_hint_of_village_b_cases(world):
    register_case(
        world.secretary_b,
        parties=two_sides(person("张三", id_number=ID_ZHANG), person("李四")),
    )
    repeats = check(world, two_sides(person("张三", id_number=ID_ZHANG), person("李四")))

    assert not repeats
    assert repeats.as_data() == {"months": 24, "parties": [], "same_pair": []}


def test_the_check_is_two_queries_however_many_parties(world, django_assert_max_num_queries):
    register_case(
        world.secretary_a,
        parties=two_sides(person("张三", id_number=ID_ZHANG), person("李四")),
    )
    many = [person(f"工人{i}", mobile=f"1370000{i:04d}") for i in range(40)]
    parties = [*many, person("张三", PartyRole.RESPONDENT, id_number=ID_ZHANG)]
    with django_assert_max_num_queries(4):  # the user's area, the parties, the cases
        repeats = check(world, parties)

    assert numbers_of(repeats, 40)


@pytest.mark.parametrize("level_area", ["grid_a", "village_a"])
def test_a_case_of_a_grid_and_of_its_village_share_the_village_for_names(world, level_area):
    assert people.village_scope(getattr(world, level_area)) == (world.village_a.path, True)
    assert people.village_scope(world.town_a) == (world.town_a.path, False)
