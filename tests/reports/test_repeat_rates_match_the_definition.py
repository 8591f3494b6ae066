"""The repeat-dispute rate from one SQL aggregation (the place stored on each party) gives
the figures of the definition read case by case: the same person by ID number, else
mobile, else the same name in the same village, in an earlier case of the area within 24
months, voided cases left out."""

import datetime
import importlib
import pkgutil
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db.models import Value

from cases import migrations, people, services
from cases.followups import add_months
from cases.models import Case, CaseRollup, CaseTally, Dimension, DisputeType, Party
from cases.rollup import rollup_differences, rollup_rebuild
from cases.selectors import area_cases, visible_cases
from common.personal_data import blind_index
from grids.models import AreaLevel
from grids.services import area_create_or_update
from reports.periods import Period
from reports.statistics import repeat_rates_for
from tests.factories import make_id_number, register_case

TODAY = datetime.date.today()
EARLIER = TODAY - datetime.timedelta(days=100)
PERIOD = Period(TODAY - datetime.timedelta(days=30), TODAY)
ID_ZHANG = make_id_number(datetime.date(1970, 1, 1), 111)
ID_CHU = make_id_number(datetime.date(1975, 3, 3), 333)
ID_JIANG = make_id_number(datetime.date(1980, 4, 4), 441)
ID_JIANG_OTHER = make_id_number(datetime.date(1981, 5, 5), 551)


def sides(applicant, respondent, **applicant_numbers):
    respondent_numbers = {}
    if isinstance(respondent, tuple):
        respondent, respondent_numbers = respondent
    return [
        {"role": "applicant", "name": applicant, "gender": "", **applicant_numbers},
        {"role": "respondent", "name": respondent, "gender": "", **respondent_numbers},
    ]


def of_type(code):
    return DisputeType.objects.get(code=code)


def fixture(world):
    """Earlier cases, then the period's: each period case says whether it is a repeat."""
    a, a2, b, clerk = world.secretary_a, world.secretary_a2, world.secretary_b, world.clerk_a
    # Earlier.
    register_case(a, parties=sides("张三", "李四", id_number=ID_ZHANG), received_on=EARLIER)
    register_case(
        a,
        world.grid_a,
        parties=sides("赵大", ("钱二", {"mobile": "13900000001"})),
        received_on=EARLIER,
    )
    register_case(a2, parties=sides("孙三", "周四"), received_on=EARLIER)
    register_case(b, parties=sides("吴五", "郑六", mobile="13900000002"), received_on=EARLIER)
    register_case(clerk, world.town_a, parties=sides("冯七", "陈八"), received_on=EARLIER)
    register_case(
        a,
        parties=sides("褚九", "某甲", id_number=ID_CHU),
        received_on=TODAY - datetime.timedelta(days=800),
    )
    voided = register_case(
        a, parties=sides("卫十", "某乙", mobile="13900000003"), received_on=EARLIER
    )
    services.case_void(case=voided, by=a, reason="重复登记。")
    register_case(
        a2,
        parties=sides("蒋一", "某丙", id_number=ID_JIANG, mobile="13900000004"),
        received_on=EARLIER,
    )
    # In the period.
    neighbours, contract = of_type("neighbours"), of_type("contract")
    register_case(a, parties=sides("张叁", "某丁", id_number=ID_ZHANG))  # by ID: repeat
    register_case(a, parties=sides("赵大", "某戊"), dispute_type=neighbours)  # grid's village
    register_case(a2, parties=sides("赵大", "某己"), dispute_type=neighbours)  # other village
    register_case(a, parties=sides("孙三", "某庚"), dispute_type=contract)  # other village
    register_case(b, parties=sides("钱贰", "某辛", mobile="13900000001"))  # by mobile, other town
    register_case(clerk, world.town_a, parties=sides("冯七", "某壬"))  # same town-level area
    register_case(a, parties=sides("冯七", "某癸"), dispute_type=contract)  # town's name: not
    register_case(a, parties=sides("褚九", "某子", id_number=ID_CHU))  # 800 days: not
    register_case(a, parties=sides("卫十", "某丑", mobile="13900000003"))  # voided: not
    register_case(a2, parties=sides("蒋壹", "某寅", mobile="13900000004"))  # mobile of an ID
    register_case(
        a2, parties=sides("蒋一", "某卯", id_number=ID_JIANG_OTHER, mobile="13900000004")
    )  # another ID number wins over the same mobile: not
    register_case(a, parties=sides("新人", "某辰"))  # the same day: the first is not,
    register_case(a, parties=sides("新人", "某巳"), dispute_type=neighbours)  # the second is
    register_case(a, parties=sides("某午", "李四"), dispute_type=contract)  # a respondent
    cohort_voided = register_case(a, parties=sides("张三", "某未", id_number=ID_ZHANG))
    services.case_void(case=cohort_voided, by=a, reason="重复登记。")


def is_same_person(party, case, other, other_case) -> bool:
    """The definition as it reads, on the areas' paths of today."""
    if party.id_number_index:
        return other.id_number_index == party.id_number_index
    if party.mobile_index:
        return other.mobile_index == party.mobile_index
    if not party.name.strip():
        return False
    place, subtree = people.village_scope(case.area)
    path = other_case.area.path
    in_place = path.startswith(place) if subtree else path == place
    return other.name == party.name.strip() and in_place


def repeats_by_definition(cases, *, within) -> set[int]:
    earlier = list(within.not_voided().select_related("area").prefetch_related("parties"))
    repeats = set()
    for case in cases:
        since = add_months(case.received_on, -people.REPEAT_MONTHS)
        if any(
            (other_case.received_on, other_case.pk) < (case.received_on, case.pk)
            and other_case.received_on >= since
            and is_same_person(party, case, other, other_case)
            for party in case.parties.all()
            for other_case in earlier
            for other in other_case.parties.all()
        ):
            repeats.add(case.pk)
    return repeats


def rates_by_definition(area, period):
    within = Case.objects.filter(area__path__startswith=area.path)
    cohort = list(
        within.not_voided()
        .filter(received_on__gte=period.start, received_on__lte=period.end)
        .select_related("area", "dispute_type")
        .prefetch_related("parties")
    )
    repeats = repeats_by_definition(cohort, within=within)
    overall = (len(cohort), len(repeats))
    by_area = {}
    for child in area.children.order_by("code"):
        mine = [c.pk for c in cohort if c.area.path.startswith(child.path)]
        by_area[child.name] = (len(mine), len(repeats.intersection(mine)))
    by_type = {}
    for case in cohort:
        total, hits = by_type.get(str(case.dispute_type), (0, 0))
        by_type[str(case.dispute_type)] = (total + 1, hits + (case.pk in repeats))
    return overall, by_area, by_type


def rates_by_query(area, period):
    rates = repeat_rates_for(area, period)
    return (
        (rates.overall.total, rates.overall.repeats),
        {row.label: (row.total, row.repeats) for row in rates.by_area},
        {row.label: (row.total, row.repeats) for row in rates.by_type},
    )


@pytest.mark.parametrize("level", ["district", "town_a", "village_a", "village_a2"])
def test_the_rate_from_one_query_is_the_rate_of_the_definition(world, level):
    fixture(world)
    area = getattr(world, level)

    assert rates_by_query(area, PERIOD) == rates_by_definition(area, PERIOD)


def test_the_fixture_has_the_repeats_it_says_and_no_others(world):
    fixture(world)

    overall, by_area, by_type = rates_by_query(world.district, PERIOD)

    # 张叁 by ID, 赵大 in the grid's village, 钱贰 by mobile, 冯七 at the town, 蒋壹 by the
    # mobile of a party with an ID number, the second 新人, 李四 as respondent.
    assert overall == (14, 7)
    assert by_area == {"枫桥镇": (13, 6), "赵家镇": (1, 1)}


def test_the_ledger_badge_finds_the_cases_of_the_definition(world):
    fixture(world)
    for user in (
        world.secretary_a,
        world.clerk_a,
        world.supervisor_district,
        world.mediator_user_a,
    ):
        within = visible_cases(user)
        page = list(
            within.filter(received_on__gte=PERIOD.start)
            .select_related("area")
            .prefetch_related("parties")
        )

        assert people.repeat_case_ids(page, within=within) == repeats_by_definition(
            page, within=within
        )


@pytest.mark.parametrize(
    ("username", "level"),
    [("secretary_a", "village_a"), ("clerk_a", "town_a"), ("clerk_a", "grid_a")],
)
def test_the_registration_check_finds_the_cases_of_the_definition(world, username, level):
    fixture(world)
    user, area = getattr(world, username), getattr(world, level)
    typed = [
        *sides("张三", "赵大", id_number=ID_ZHANG),
        *sides("钱贰", "冯七", mobile="13900000001"),
        *sides("蒋壹", "孙三", mobile="13900000004"),
    ]

    found = people.repeat_disputes_for(typed, user=user, area=area)

    since = add_months(TODAY, -people.REPEAT_MONTHS)
    earlier = (
        visible_cases(user)
        .not_voided()
        .filter(received_on__gte=since)
        .select_related("area")
        .prefetch_related("parties")
    )
    new_case = SimpleNamespace(area=area)
    expected = {}
    for position, row in enumerate(typed):
        party = SimpleNamespace(
            name=row["name"],
            id_number_index=blind_index("id_number", row.get("id_number", "")),
            mobile_index=blind_index("mobile", row.get("mobile", "")),
        )
        numbers = {
            case.number
            for case in earlier
            for other in case.parties.all()
            if is_same_person(party, new_case, other, case)
        }
        if numbers:
            expected[position] = numbers
    assert {p.position: {c.number for c in p.cases} for p in found.people} == expected
    assert expected  # the fixture has something to find


def test_a_party_stores_its_case_village_or_its_area_above_village_level(world):
    in_grid = register_case(world.secretary_a, world.grid_a, parties=sides("赵大", "钱二"))
    in_town = register_case(world.clerk_a, world.town_a, parties=sides("冯七", "陈八"))

    assert {p.place_path for p in in_grid.parties.all()} == {world.village_a.path}
    assert {p.place_path for p in in_town.parties.all()} == {world.town_a.path}


def test_a_case_moved_to_another_village_takes_its_parties_places_along(world):
    case = register_case(world.clerk_a, world.village_a, parties=sides("赵大", "钱二"))

    services.case_update(case=case, by=world.clerk_a, data={"area": world.village_a2})

    assert {p.place_path for p in case.parties.all()} == {world.village_a2.path}


def test_a_grid_moved_to_another_village_takes_its_parties_places_along(world):
    earlier = register_case(
        world.secretary_a, world.grid_a, parties=sides("赵大", "钱二"), received_on=EARLIER
    )
    later = register_case(world.clerk_a, world.village_a2, parties=sides("赵大", "孙三"))
    assert not people.repeat_case_ids([later], within=visible_cases(world.clerk_a))

    area_create_or_update(
        code=world.grid_a.code,
        name=world.grid_a.name,
        level=AreaLevel.GRID,
        parent=world.village_a2,
    )

    new_place = world.village_a2.path
    assert {p.place_path for p in earlier.parties.all()} == {new_place}
    assert people.repeat_case_ids([later], within=visible_cases(world.clerk_a)) == {later.pk}


def test_the_migration_fills_the_place_of_every_party(world):
    fixture(world)
    expected = {p.pk: p.place_path for p in Party.objects.all()}
    Party.objects.update(place_path="")
    # Found by its name: the number changes when branches are merged.
    (name,) = [
        m.name for m in pkgutil.iter_modules(migrations.__path__) if "person_place" in m.name
    ]
    migration = importlib.import_module(f"cases.migrations.{name}")

    migration.fill_places(apps, None)

    assert {p.pk: p.place_path for p in Party.objects.all()} == expected
    assert all(expected.values())


@pytest.mark.parametrize(
    "day",
    [
        datetime.date(2024, 2, 29),
        datetime.date(2024, 3, 31),
        datetime.date(2025, 8, 31),
        datetime.date(2026, 1, 15),
        datetime.date(2025, 12, 31),
    ],
)
def test_the_window_in_sql_starts_on_the_day_add_months_gives(world, day):
    register_case(world.secretary_a, parties=sides("某甲", "某乙"))

    start = (
        Case.objects.annotate(start=people.MonthsBefore(Value(day), 24))
        .values_list("start", flat=True)
        .first()
    )

    assert start == add_months(day, -24)


# ---------------------------------------------------------------------------
# The rate read from the rollup stays the definition's after every change
# ---------------------------------------------------------------------------

VIEWS = ("district", "town_a", "town_b", "village_a", "village_a2", "grid_a")
ID_WANG = make_id_number(datetime.date(1966, 6, 6), 661)
ID_WANG_CORRECTED = make_id_number(datetime.date(1966, 6, 6), 671)
LONG_AGO = TODAY - datetime.timedelta(days=400)


def assert_the_rollup_gives_the_definition(world, step: str) -> None:
    assert rollup_differences() == [], step
    for level in VIEWS:
        area = getattr(world, level)
        assert rates_by_query(area, PERIOD) == rates_by_definition(area, PERIOD), (step, level)


def repeats_seen_from(area) -> int:
    return repeat_rates_for(area, PERIOD).overall.repeats


def test_the_repeat_rate_from_the_rollup_is_the_definition_after_every_change(world):
    a, a2, clerk = world.secretary_a, world.secretary_a2, world.clerk_a
    fixture(world)
    assert_the_rollup_gives_the_definition(world, "the fixture")
    before = {level: repeats_seen_from(getattr(world, level)) for level in VIEWS}

    # Registration: 王五 again by his ID number, in the same village.
    earlier = register_case(
        a, parties=sides("王五", "路人甲", id_number=ID_WANG), received_on=EARLIER
    )
    later = register_case(a, parties=sides("王伍", "路人乙", id_number=ID_WANG))
    assert_the_rollup_gives_the_definition(world, "registration")
    assert repeats_seen_from(world.village_a) == before["village_a"] + 1

    # A backdated registration in village_a makes a case of village_a2 registered
    # earlier a repeat dispute of the town and the district, not of village_a2.
    cross = register_case(a2, parties=sides("韩七", "路人丙", mobile="13900000077"))
    assert_the_rollup_gives_the_definition(world, "the later case first")
    backdated = register_case(
        a, parties=sides("韩柒", "路人丁", mobile="13900000077"), received_on=EARLIER
    )
    assert_the_rollup_gives_the_definition(world, "a backdated registration")
    assert repeats_seen_from(world.town_a) == before["town_a"] + 2
    assert repeats_seen_from(world.district) == before["district"] + 2
    assert repeats_seen_from(world.village_a2) == before["village_a2"]
    assert repeats_seen_from(world.village_a) == before["village_a"] + 1

    # The earlier case's ID number corrected: the later case no longer counts.
    party = earlier.parties.get(name="王五")
    services.case_update(
        case=earlier, by=a, data={}, parties=[{"id": party.pk, "id_number": ID_WANG_CORRECTED}]
    )
    assert_the_rollup_gives_the_definition(world, "a party edit removes the match")
    assert repeats_seen_from(world.village_a) == before["village_a"]

    # And put back, then the earlier case registered more than 24 months before.
    services.case_update(
        case=earlier, by=a, data={}, parties=[{"id": party.pk, "id_number": ID_WANG}]
    )
    assert_the_rollup_gives_the_definition(world, "the match put back")
    services.case_update(
        case=earlier, by=clerk, data={"received_on": TODAY - datetime.timedelta(days=800)}
    )
    assert_the_rollup_gives_the_definition(world, "the earlier case out of the window")
    services.case_update(case=earlier, by=clerk, data={"received_on": LONG_AGO})
    assert_the_rollup_gives_the_definition(world, "back in the window")

    # The earlier case voided: the case of village_a2 no longer counts anywhere.
    services.case_void(case=backdated, by=a, reason="重复登记。")
    assert_the_rollup_gives_the_definition(world, "voiding the earlier case")
    assert repeats_seen_from(world.district) == before["district"] + 1

    # A name matched in its village: the earlier case moved to the other village finds
    # the later one there, and its own earlier case in village_a no longer.
    register_case(a, parties=sides("曹八", "路人戊"), received_on=LONG_AGO)
    moving = register_case(a, parties=sides("曹八", "路人己"), received_on=EARLIER)
    register_case(a2, parties=sides("曹八", "路人庚"))
    assert_the_rollup_gives_the_definition(world, "names in two villages")
    services.case_update(case=moving, by=clerk, data={"area": world.village_a2})
    assert_the_rollup_gives_the_definition(world, "moving a case to another village")

    # The later case voided and restored, the later case's own party edited.
    services.case_void(case=later, by=a, reason="重复登记。")
    assert_the_rollup_gives_the_definition(world, "voiding the later case")
    services.case_update(
        case=cross,
        by=a2,
        data={},
        parties=[{"id": cross.parties.get(name="韩七").pk, "mobile": "13900000078"}],
    )
    assert_the_rollup_gives_the_definition(world, "the later case's own party edited")


def test_a_grid_moved_to_another_village_moves_the_repeat_rates_along(world):
    register_case(
        world.secretary_a, world.grid_a, parties=sides("赵大", "钱二"), received_on=EARLIER
    )
    register_case(world.clerk_a, world.village_a2, parties=sides("赵大", "孙三"))
    register_case(world.secretary_a, world.grid_a, parties=sides("赵大", "周四"))
    assert_the_rollup_gives_the_definition(world, "before the move")
    assert repeats_seen_from(world.village_a2) == 0

    area_create_or_update(
        code=world.grid_a.code,
        name=world.grid_a.name,
        level=AreaLevel.GRID,
        parent=world.village_a2,
    )

    world.grid_a.refresh_from_db()
    assert_the_rollup_gives_the_definition(world, "after the move")
    assert repeats_seen_from(world.village_a2) == 2
    assert repeats_seen_from(world.village_a) == 0


def test_each_tally_s_repeat_depth_says_which_areas_count_the_case_as_the_badge_does(world):
    fixture(world)
    depths = dict(CaseTally.objects.values_list("case_id", "repeat_depth"))

    for level in VIEWS:
        area = getattr(world, level)
        cases = area_cases(area).not_voided()
        by_depth = {
            pk
            for pk in cases.values_list("pk", flat=True)
            if depths[pk] is not None and depths[pk] >= area.depth
        }
        by_badge = people.repeat_case_ids(list(cases), within=area_cases(area))
        by_query = set(
            cases.annotate(repeat=people.is_repeat(cases, within=area_cases(area)))
            .filter(repeat=True)
            .values_list("pk", flat=True)
        )
        assert by_depth == by_badge == by_query, level


def test_the_rebuild_gives_the_repeat_depths_and_rows_the_services_kept(world):
    fixture(world)
    kept = dict(CaseTally.objects.values_list("case_id", "repeat_depth"))
    rows = set(
        CaseRollup.objects.filter(dimension=Dimension.REPEAT, received__gt=0).values_list(
            "area_id", "grain", "day", "value", "received"
        )
    )
    assert rows

    rollup_rebuild()

    assert dict(CaseTally.objects.values_list("case_id", "repeat_depth")) == kept
    assert rows == set(
        CaseRollup.objects.filter(dimension=Dimension.REPEAT, received__gt=0).values_list(
            "area_id", "grain", "day", "value", "received"
        )
    )
    assert rollup_differences() == []
