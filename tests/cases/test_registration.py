"""Registering a case (登记): numbers, handling level, deadline, search text, refusals."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from cases import services
from cases.filters import CaseFilter
from cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseSource,
    EventKind,
    Grade,
    GradePolicy,
    HandlingLevel,
    PartyRole,
    Status,
)
from tests.cases.helpers import row_counts
from tests.factories import UserFactory, case_data, make_id_number, party_rows, register_case

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def this_year() -> int:
    return timezone.localdate().year


def number(town_code: str, sequence: int, year: int | None = None) -> str:
    return f"{town_code}-{year or this_year()}-{sequence:05d}"


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def test_the_first_case_of_a_town_is_numbered_00001_under_the_town_code(world):
    case = register_case(world.secretary_a)

    assert case.number == f"330681101-{this_year()}-00001"
    assert case.numbering_area == world.town_a
    assert case.number_year == this_year()
    assert case.number_sequence == 1
    assert Case.objects.get(pk=case.pk).number == case.number


def test_the_second_case_of_the_town_is_numbered_00002(world):
    register_case(world.secretary_a)
    second = register_case(world.secretary_a)

    assert second.number == number(world.town_a.code, 2)
    assert second.number_sequence == 2


def test_villages_and_grids_of_one_town_share_its_sequence_while_another_town_has_its_own(world):
    first_a = register_case(world.secretary_a, world.village_a)
    first_b = register_case(world.secretary_b, world.village_b)
    second_a = register_case(world.secretary_a2, world.village_a2)
    third_a = register_case(world.grid_member_a, world.grid_a, grade=Grade.BLUE)
    second_b = register_case(world.secretary_b, world.grid_b)

    assert [first_a.number, second_a.number, third_a.number] == [
        number("330681101", 1),
        number("330681101", 2),
        number("330681101", 3),
    ]
    assert [first_b.number, second_b.number] == [number("330681102", 1), number("330681102", 2)]
    assert {c.numbering_area for c in (first_a, second_a, third_a)} == {world.town_a}
    assert {c.numbering_area for c in (first_b, second_b)} == {world.town_b}


def test_a_case_received_last_year_takes_a_number_in_last_years_sequence(world):
    last_year = this_year() - 1
    old = register_case(world.secretary_a, received_on=datetime.date(last_year, 12, 31))
    new = register_case(world.secretary_a)
    older = register_case(world.secretary_a, received_on=datetime.date(last_year, 3, 1))

    assert old.number == number("330681101", 1, last_year)
    assert old.number_year == last_year
    assert new.number == number("330681101", 1)
    assert older.number == number("330681101", 2, last_year)
    assert set(
        CaseNumberCounter.objects.filter(numbering_area=world.town_a).values_list(
            "year", "last_sequence"
        )
    ) == {(last_year, 2), (this_year(), 1)}


def test_a_case_taken_directly_by_the_district_is_numbered_under_the_district(world):
    district_clerk = UserFactory(role=Role.CLERK, area=world.district, is_staff=True)

    case = register_case(district_clerk, world.district)
    town_case = register_case(world.secretary_a)

    assert case.number == number("330681", 1)
    assert case.numbering_area == world.district
    assert case.level == HandlingLevel.DISTRICT
    assert town_case.number == number("330681101", 1)


# ---------------------------------------------------------------------------
# Handling level and deadline
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "area_name", "level"),
    [
        (Grade.YELLOW, "grid_a", HandlingLevel.VILLAGE),
        (Grade.BLUE, "grid_a", HandlingLevel.GRID),
        (Grade.BLUE, "village_a", HandlingLevel.VILLAGE),
        (Grade.YELLOW, "village_a", HandlingLevel.VILLAGE),
        (Grade.RED, "grid_a", HandlingLevel.TOWN),
        (Grade.RED, "village_a", HandlingLevel.TOWN),
        (Grade.BLUE, "town_a", HandlingLevel.TOWN),
        (Grade.RED, "district", HandlingLevel.DISTRICT),
    ],
)
def test_the_handling_level_follows_the_grade_but_never_sits_below_the_area(
    world, grade, area_name, level
):
    district_clerk = UserFactory(role=Role.CLERK, area=world.district)

    case = register_case(district_clerk, getattr(world, area_name), grade=grade)

    assert case.level == level
    assert Case.objects.get(pk=case.pk).level == level


@pytest.mark.parametrize(("grade", "days"), [(Grade.BLUE, 7), (Grade.YELLOW, 15), (Grade.RED, 30)])
def test_the_deadline_is_the_received_date_plus_the_grades_time_limit(world, grade, days):
    received = TODAY() - datetime.timedelta(days=3)

    case = register_case(world.secretary_a, world.village_a, grade=grade, received_on=received)

    assert case.deadline == received + datetime.timedelta(days=days)


def test_editing_the_grade_policy_changes_the_deadline_and_level_of_later_cases_only(world):
    before = register_case(world.secretary_a, world.grid_a, grade=Grade.YELLOW)
    GradePolicy.objects.filter(grade=Grade.YELLOW).update(
        time_limit_days=10, default_level=HandlingLevel.TOWN
    )

    after = register_case(world.secretary_a, world.grid_a, grade=Grade.YELLOW)

    assert after.deadline == TODAY() + datetime.timedelta(days=10)
    assert after.level == HandlingLevel.TOWN
    before = Case.objects.get(pk=before.pk)
    assert before.deadline == TODAY() + datetime.timedelta(days=15)
    assert before.level == HandlingLevel.VILLAGE


def test_a_grade_without_a_policy_is_refused_and_writes_nothing(world):
    GradePolicy.objects.filter(grade=Grade.BLUE).delete()
    counts = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        register_case(world.secretary_a, grade=Grade.BLUE)

    assert excinfo.value.message_dict == {"grade": ["该风险等级没有配置处置规则,请联系管理员。"]}
    assert row_counts() == counts


# ---------------------------------------------------------------------------
# What is stored
# ---------------------------------------------------------------------------


def test_registering_stores_the_case_and_both_parties_as_registered_by_the_user(world):
    case = register_case(world.secretary_a)

    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.REGISTERED
    assert case.created_by == world.secretary_a
    assert case.owner is None
    assert case.failed_attempts == 0
    assert case.title == "宅基地边界纠纷"
    assert list(case.parties.values_list("role", "name")) == [
        (PartyRole.APPLICANT, "张三"),
        (PartyRole.RESPONDENT, "李四"),
    ]


def test_the_search_text_holds_the_number_title_summary_and_party_names_in_lower_case(world):
    case = register_case(
        world.secretary_a,
        title="KTV Noise 噪音纠纷",
        summary="Late-night KTV.",
        parties=party_rows(applicant="Zhang SAN", respondent="Li SI"),
    )

    stored = Case.objects.get(pk=case.pk).search_text
    assert stored == f"{case.number} ktv noise 噪音纠纷 zhang san li si late-night ktv."
    assert stored == stored.lower()


def test_the_ledger_search_finds_a_case_by_a_party_name_in_any_case(world):
    case = register_case(world.secretary_a, parties=party_rows(applicant="Zhang SAN"))
    register_case(world.secretary_a, parties=party_rows(applicant="王五"))

    found = CaseFilter({"q": "  zHANG san "}, queryset=Case.objects.all()).qs

    assert list(found) == [case]


def test_a_lowercase_x_and_a_plus_86_mobile_are_stored_normalised(world):
    rows = party_rows()
    rows[0]["id_number"] = "11010519491231002x"
    rows[0]["gender"] = "female"  # as the number says (its 17th digit is even)
    rows[0]["mobile"] = "+86 139-1234-5678"

    case = register_case(world.secretary_a, parties=rows)

    applicant = case.parties.get(role=PartyRole.APPLICANT)
    assert applicant.id_number == "11010519491231002X"
    assert applicant.mobile == "13912345678"


def test_registering_records_a_registered_event_with_the_actor_and_the_time(world):
    started = timezone.now()

    case = register_case(world.secretary_a)

    event = CaseEvent.objects.get(case=case)
    assert event.kind == EventKind.REGISTERED
    assert event.actor == world.secretary_a
    assert event.to_status == Status.REGISTERED
    assert event.note == "宅基地边界纠纷"
    assert started <= event.at <= timezone.now()


# ---------------------------------------------------------------------------
# Refusals: nothing is written and no number is spent
# ---------------------------------------------------------------------------


def _two_applicants(world):
    rows = party_rows()
    rows[1]["role"] = PartyRole.APPLICANT
    # A walk-in: someone applied, so the sides are asked for as 申请人 and 被申请人.
    walk_in = CaseSource.objects.get(code="walk_in")
    return {"by": world.secretary_a, "area": world.village_a, "parties": rows, "source": walk_in}


def _one_party(world):
    return {"by": world.secretary_a, "area": world.village_a, "parties": party_rows()[:1]}


def _bad_check_char(world):
    rows = party_rows()
    rows[0]["id_number"] = "360426199101010072"
    return {"by": world.secretary_a, "area": world.village_a, "parties": rows}


def _bad_id_on_respondent(world):
    rows = party_rows()
    good = make_id_number(datetime.date(1975, 1, 2), 456)
    rows[1]["id_number"] = good[:17] + ("0" if good[-1] != "0" else "1")
    return {"by": world.secretary_a, "area": world.village_a, "parties": rows}


def _bad_mobile(world):
    rows = party_rows()
    rows[0]["mobile"] = "139123456789"
    return {"by": world.secretary_a, "area": world.village_a, "parties": rows}


def _future_received_on(world):
    return {
        "by": world.secretary_a,
        "area": world.village_a,
        "received_on": TODAY() + datetime.timedelta(days=1),
    }


def _future_occurred_on(world):
    return {
        "by": world.secretary_a,
        "area": world.village_a,
        "occurred_on": TODAY() + datetime.timedelta(days=1),
    }


def _area_of_another_town(world):
    return {"by": world.secretary_a, "area": world.village_b}


def _area_of_a_neighbouring_village(world):
    return {"by": world.secretary_a, "area": world.village_a2}


def _grid_member_above_own_grid(world):
    return {"by": world.grid_member_a, "area": world.village_a}


def _blank_title(world):
    return {"by": world.secretary_a, "area": world.village_a, "title": ""}


REFUSALS = {
    "two applicants and no respondent": (
        _two_applicants,
        None,
        "纠纷至少需要两方当事人:请至少填写一名申请人和一名被申请人。",
    ),
    "a single party": (
        _one_party,
        None,
        # Found on patrol (case_data's source): nobody applied, so no 申请人 is asked for.
        "纠纷至少需要两方当事人:请分别填写一方和另一方当事人。",
    ),
    "an ID number with a wrong check character": (
        _bad_check_char,
        "parties.0.id_number",
        "身份证号码校验位不正确,请核对后重新输入。",
    ),
    "a respondent's ID number with a wrong check character": (
        _bad_id_on_respondent,
        "parties.1.id_number",
        "身份证号码校验位不正确,请核对后重新输入。",
    ),
    "a 12-digit mobile": (_bad_mobile, "parties.0.mobile", "请输入正确的11位手机号码。"),
    "a received date tomorrow": (_future_received_on, "received_on", "日期不能晚于今天。"),
    "an occurrence date tomorrow": (_future_occurred_on, "occurred_on", "日期不能晚于今天。"),
    "an area in another town": (_area_of_another_town, "area", "所选区域不在您的管辖范围内。"),
    "a neighbouring village": (
        _area_of_a_neighbouring_village,
        "area",
        "所选区域不在您的管辖范围内。",
    ),
    "a grid member registering in the village above": (
        _grid_member_above_own_grid,
        "area",
        "所选区域不在您的管辖范围内。",
    ),
    "a blank title": (_blank_title, "title", None),
}


def _register(spec: dict):
    spec = dict(spec)
    by = spec.pop("by")
    parties = spec.pop("parties", None) or party_rows()
    return services.case_register(by=by, data=case_data(spec.pop("area"), **spec), parties=parties)


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_registration_says_why_writes_nothing_and_spends_no_number(world, refusal):
    build, field, message = refusal
    counts = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        _register(build(world))

    error = excinfo.value
    if field is None:
        assert error.messages == [message]
    else:
        assert field in error.message_dict
        if message is not None:
            assert error.message_dict[field] == [message]
    assert row_counts() == counts
    assert row_counts()["CaseNumberCounter"] == 0
    assert register_case(world.secretary_a).number == number("330681101", 1)


def test_a_refused_registration_after_a_good_one_leaves_no_gap(world):
    register_case(world.secretary_a)
    with pytest.raises(ValidationError):
        _register(_bad_check_char(world))

    assert register_case(world.secretary_a).number == number("330681101", 2)


@pytest.mark.parametrize("username", ["supervisor_a", "supervisor_d", "mediator_a"])
def test_a_role_that_may_not_register_is_denied_and_nothing_is_written(world, username):
    user = {
        "supervisor_a": world.supervisor_a,
        "supervisor_d": world.supervisor_district,
        "mediator_a": world.mediator_user_a,
    }[username]
    counts = row_counts()

    with pytest.raises(PermissionDenied) as excinfo:
        register_case(user, world.village_a)

    assert str(excinfo.value) == "您没有权限登记案件。"
    assert row_counts() == counts


def test_an_inactive_user_may_not_register(world):
    world.secretary_a.is_active = False
    world.secretary_a.save()

    with pytest.raises(PermissionDenied):
        register_case(world.secretary_a)

    assert Case.objects.count() == 0


def test_a_clerk_may_register_in_any_village_of_the_town(world):
    case = register_case(world.clerk_a, world.village_a2)

    assert case.created_by == world.clerk_a
    assert case.area == world.village_a2
