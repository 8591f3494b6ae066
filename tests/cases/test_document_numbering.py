"""The committee's document numbers (〔2026〕枫源调字第N号): per committee and year, gap-free,
never reused, the same on a reprint, and one each under concurrent printing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from cases import services
from cases.documents.context import number_code
from cases.models import DocumentNumberCounter, IssuedDocument
from grids.models import AreaLevel
from mediators.models import Organisation
from tests import builders
from tests.concurrency import run_concurrently
from tests.factories import (
    AreaFactory,
    MediatorFactory,
    OrganisationFactory,
    UserFactory,
    area_child,
    register_case,
)


def issue(case, by):
    agreement = case.agreement
    return services.document_number_issue(
        case=case, kind="oral_agreement", record_id=agreement.pk, by=by
    )


@pytest.mark.django_db
def test_numbers_run_per_committee_from_one_and_a_reissue_is_the_same_number(world):
    year = timezone.localdate().year
    first = builders.resolved_case(world)
    second = builders.resolved_case(world)
    next_door = builders.resolved(
        register_case(world.secretary_a2), world.secretary_a2, [world.mediator_a]
    )

    assert issue(first, world.secretary_a).number == f"〔{year}〕枫源调字第1号"
    assert issue(second, world.secretary_a).number == f"〔{year}〕枫源调字第2号"
    assert issue(first, world.mediator_user_a).number == f"〔{year}〕枫源调字第1号"
    assert issue(next_door, world.secretary_a2).number == f"〔{year}〕陈家调字第1号"
    assert IssuedDocument.objects.count() == 3


@pytest.mark.django_db
def test_a_committee_may_set_its_own_word_for_the_number(world):
    committee = Organisation.objects.get(name="枫源村人民调解委员会")
    assert number_code(committee) == "枫源"
    committee.document_code = "枫桥枫源"
    assert number_code(committee) == "枫桥枫源"


@pytest.mark.django_db
def test_a_case_with_no_committee_over_it_gets_a_message_not_a_number(world):
    case = builders.resolved_case(world)
    # The committees close down: none is left to number the case's papers.
    Organisation.objects.filter(kind__in=["village_committee", "town_committee"]).update(
        is_active=False
    )
    case = builders.refresh(case)

    with pytest.raises(ValidationError) as refused:
        issue(case, world.secretary_a)
    assert "没有人民调解委员会" in refused.value.messages[0]
    assert not IssuedDocument.objects.exists()


THREADS = 6
CASES = 12


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no row locks and serialises writers on the whole file",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twelve_documents_numbered_at_once_from_six_threads_get_1_to_12_and_reprints_race_too():
    district = AreaFactory(code="330681", name="诸暨市", level=AreaLevel.DISTRICT)
    town = area_child(district, AreaLevel.TOWN, "枫桥镇", suffix="101")
    village = area_child(town, AreaLevel.VILLAGE, "枫源村", suffix="001")
    OrganisationFactory(name="枫源村人民调解委员会", area=village)
    secretary = UserFactory(role=Role.VILLAGE_SECRETARY, area=village)
    mediator = MediatorFactory(name="宝大叔", area=village)
    cases = [
        builders.resolved(register_case(secretary), secretary, [mediator]) for _ in range(CASES)
    ]

    def work(index: int) -> list[str]:
        # Each case is asked for by two threads: its number must still be issued once.
        return [issue(case, secretary).number for case in cases[index % 3 :: 3]]

    race = run_concurrently(THREADS, work)

    assert race.unfinished == 0
    assert race.errors == []
    year = timezone.localdate().year
    issued = IssuedDocument.objects.order_by("sequence")
    assert [d.sequence for d in issued] == list(range(1, CASES + 1))
    assert len({d.case_id for d in issued}) == CASES
    per_case = {}
    for batch in race.results:
        for case_number in batch:
            per_case.setdefault(case_number, 0)
            per_case[case_number] += 1
    assert sorted(per_case) == sorted(f"〔{year}〕枫源调字第{n}号" for n in range(1, CASES + 1))
    assert DocumentNumberCounter.objects.get(year=year).last_sequence == CASES
