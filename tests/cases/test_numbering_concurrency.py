"""Case numbers under concurrent registration (PostgreSQL row locks): no duplicates, no gaps."""

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from cases.models import Case, CaseNumberCounter
from grids.models import AreaLevel
from tests.concurrency import run_concurrently
from tests.factories import AreaFactory, UserFactory, area_child, register_case

THREADS = 8
CASES = 20


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no row locks and serialises writers on the whole file",
)
# serialized_rollback restores the data migration's lookups (sources, types, grade policy)
# that the flush at the end of a transactional test would otherwise leave empty.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_cases_registered_at_once_from_eight_threads_get_numbers_00001_to_00020():
    district = AreaFactory(code="330681", name="诸暨市", level=AreaLevel.DISTRICT)
    town = area_child(district, AreaLevel.TOWN, "枫桥镇", suffix="101")
    villages = [area_child(town, AreaLevel.VILLAGE, suffix=f"{n:03d}") for n in range(1, 5)]
    secretaries = [
        UserFactory(role=Role.VILLAGE_SECRETARY, area=villages[n % len(villages)])
        for n in range(THREADS)
    ]

    def work(index: int) -> list[str]:
        secretary = secretaries[index]
        return [
            register_case(secretary, title=f"并发登记{index}").number
            for _ in range(index, CASES, THREADS)
        ]

    race = run_concurrently(THREADS, work)

    assert race.unfinished == 0
    assert race.errors == []
    numbers = [number for batch in race.results for number in batch]
    year = timezone.localdate().year
    expected = [f"330681101-{year}-{n:05d}" for n in range(1, CASES + 1)]
    assert sorted(numbers) == expected
    assert len(set(numbers)) == CASES
    assert sorted(Case.objects.values_list("number", flat=True)) == expected
    assert sorted(Case.objects.values_list("number_sequence", flat=True)) == list(
        range(1, CASES + 1)
    )
    assert CaseNumberCounter.objects.get(numbering_area=town, year=year).last_sequence == CASES
