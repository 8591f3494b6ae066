"""The agenda of a village's monthly review, on a known month (tests/reports/helpers.py)."""

import datetime
import json

import pytest

from reports.selectors import review_agenda
from tests.factories import register_case
from tests.reports.helpers import MARCH, at, build_march, travel


@pytest.fixture
def march(world):
    return build_march(world)


def test_the_march_agenda_of_the_village_counts_exactly_its_cases(world, march):
    agenda = review_agenda(world.village_a, MARCH)

    assert agenda == {
        "month": "2025-03",
        "new": 6,
        "closed": 2,
        "open": 5,
        "overdue": 2,
        "follow_ups": {
            "done": 8,
            "satisfaction": {"satisfied": 6, "basic": 1, "not_satisfied": 1},
            "rebound_signs": 1,
            "flared_again": 1,
        },
        "at_risk": [
            {
                "id": case.pk,
                "number": case.number,
                "title": case.title,
                "grade": case.grade,
            }
            for case in (
                march.p2_rebound_in_march,
                march.m1_red,
                march.m3_petition_risk_overdue,
            )
        ],
    }


def test_the_agenda_survives_a_round_trip_through_json(world, march):
    agenda = review_agenda(world.village_a, MARCH)

    assert json.loads(json.dumps(agenda)) == agenda


def test_a_case_closed_at_2330_on_the_31st_shanghai_time_counts_in_march_and_one_closed_at_0010_on_the_1st_does_not(
    world, march
):
    assert march.m6_closed_at_2330_on_the_31st.closed_at == datetime.datetime(
        2025, 3, 31, 15, 30, tzinfo=datetime.UTC
    )
    assert march.m7_closed_at_0010_on_1_april.closed_at == datetime.datetime(
        2025, 3, 31, 16, 10, tzinfo=datetime.UTC
    )

    assert review_agenda(world.village_a, MARCH)["closed"] == 2
    assert review_agenda(world.village_a, datetime.date(2025, 4, 1))["closed"] == 1


def test_february_of_the_same_village_has_its_own_numbers(world, march):
    agenda = review_agenda(world.village_a, datetime.date(2025, 2, 1))

    assert (agenda["new"], agenda["closed"], agenda["follow_ups"]["done"]) == (3, 0, 1)
    assert agenda["follow_ups"]["satisfaction"] == {
        "satisfied": 1,
        "basic": 0,
        "not_satisfied": 0,
    }
    # Only February's cases were registered by the end of February.
    assert agenda["open"] == 3
    assert agenda["overdue"] == 1
    assert agenda["at_risk"] == []


def test_another_village_sees_only_its_own_case(world, march):
    agenda = review_agenda(world.village_b, MARCH)

    assert (agenda["new"], agenda["closed"], agenda["open"], agenda["overdue"]) == (1, 0, 1, 0)
    assert [row["id"] for row in agenda["at_risk"]] == [march.b1_other_village.pk]


def test_a_village_without_cases_gets_an_agenda_of_zeros(world):
    assert review_agenda(world.village_a2, MARCH) == {
        "month": "2025-03",
        "new": 0,
        "closed": 0,
        "open": 0,
        "overdue": 0,
        "follow_ups": {
            "done": 0,
            "satisfaction": {"satisfied": 0, "basic": 0, "not_satisfied": 0},
            "rebound_signs": 0,
            "flared_again": 0,
        },
        "at_risk": [],
    }


def test_the_agenda_takes_three_queries_however_many_cases_the_village_has(
    world, march, django_assert_num_queries
):
    with django_assert_num_queries(3):
        review_agenda(world.village_a, MARCH)

    with travel(at(2025, 3, 28)):
        for n in range(10):
            register_case(world.secretary_a, title=f"追加案件{n}", petition_risk=True)

    with django_assert_num_queries(3):
        agenda = review_agenda(world.village_a, MARCH)
    assert agenda["new"] == 16
    assert len(agenda["at_risk"]) == 13
