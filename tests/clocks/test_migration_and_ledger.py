"""Cases from before acceptance dates were recorded take them from their timeline; the
ledger shows 受理日期 and 登记日期 side by side, and a ledger exported before still imports."""

import csv
import datetime
import importlib
import io

import pytest
import time_machine
from django.apps import apps

from cases.models import Case
from reports import exporters
from reports.columns import column_for_header
from reports.importing.reading import header_key
from reports.periods import Period
from tests.builders import accept, mediating, refresh
from tests.factories import register_case
from tests.followups.helpers import local

pytestmark = pytest.mark.django_db

clocks_data = importlib.import_module("cases.migrations.0028_case_clocks_data")
MARCH_2 = datetime.date(2026, 3, 2)
DAY = datetime.timedelta(days=1)


def on(day: datetime.date, hour: int = 9):
    return time_machine.travel(local(day.year, day.month, day.day, hour, 0), tick=False)


def as_before_this_change(*cases) -> None:
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        accepted_on=None, term_ends_on=None, due_on=None
    )


def test_an_accepted_case_takes_the_date_of_its_acceptance_event(world):
    with on(MARCH_2):
        case = register_case(world.secretary_a)
    with on(MARCH_2 + 4 * DAY):
        case = mediating(case, world.secretary_a, [world.mediator_a])
    never = register_case(world.secretary_a)
    as_before_this_change(case, never)

    clocks_data.forwards(apps, None)

    case, never = refresh(case), refresh(never)
    assert case.accepted_on == MARCH_2 + 4 * DAY
    assert case.term_ends_on == MARCH_2 + 34 * DAY
    assert case.due_on == case.deadline  # yellow: 15 days from registration, the earliest
    assert never.accepted_on is None
    assert never.due_on == never.deadline


def test_a_case_past_acceptance_without_the_event_takes_its_registration_date(world):
    with on(MARCH_2):
        case = accept(register_case(world.secretary_a), world.secretary_a)
    case.events.filter(kind="accepted").delete()
    as_before_this_change(case)

    clocks_data.forwards(apps, None)

    assert refresh(case).accepted_on == MARCH_2


def test_the_ledger_has_both_dates_and_an_old_ledgers_acceptance_column_is_the_registration(
    world,
):
    with on(MARCH_2):
        case = register_case(world.secretary_a, received_on=MARCH_2 - DAY)
        accept(case, world.secretary_a)
    target = io.BytesIO()
    with on(MARCH_2):
        exporters.write_csv(target, world.village_a, Period.month(2026, 3))
    header, row = list(csv.reader(io.StringIO(target.getvalue().decode("utf-8-sig"))))[:2]
    cells = dict(zip(header, row, strict=True))
    assert (cells["受理日期"], cells["登记日期"]) == ("2026-03-02", "2026-03-01")

    new_file = {header_key(h) for h in ("受理日期", "登记日期", "案件名称")}
    old_file = {header_key(h) for h in ("受理日期", "案件名称")}
    assert column_for_header(header_key("受理日期"), new_file, header_key).key == "accepted_on"
    assert column_for_header(header_key("受理日期"), old_file, header_key).key == "received_on"
    assert column_for_header(header_key("登记日期"), new_file, header_key).key == "received_on"
