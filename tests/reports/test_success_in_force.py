"""调解成功 counts agreements in force (人民调解法 arts. 28-30): a case whose written
agreement still awaits signatures is in progress in every figure, and successful from
the moment the last signature or the seal is on it."""

import pytest

from cases.filters import CaseFilter
from cases.models import Case
from reports import statistics
from reports.periods import Period
from tests.builders import in_signing, sign, today
from tests.factories import register_case

pytestmark = pytest.mark.django_db


def _month():
    return Period.month(today().year, today().month)


def test_a_case_awaiting_signatures_is_in_progress_and_counts_as_successful_once_signed(world):
    case = in_signing(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])

    before = statistics.figures_for(world.village_a, _month())
    sign(case, world.secretary_a, world.mediator_a)
    after = statistics.figures_for(world.village_a, _month())

    assert (before["successful"].value, before["in_progress"].value) == (0, 1)
    assert (after["successful"].value, after["in_progress"].value) == (1, 0)


def test_the_ledger_behind_in_progress_lists_the_case_awaiting_signatures(world):
    case = in_signing(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])

    rows = CaseFilter({"outcome": "in_progress"}, queryset=Case.objects.all()).qs

    assert list(rows) == [case]
