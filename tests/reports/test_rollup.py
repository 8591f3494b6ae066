"""The statistics' rollup: every figure it gives equals a direct count on the raw tables,
and it stays exact after every kind of change, made one by one or at once (PostgreSQL)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    CaseRollup,
    FailureReason,
    Grade,
    SessionResult,
    Status,
)
from cases.outcomes import ACCEPTED_Q, OUTCOME_Q, SUCCESSFUL_Q, Outcome
from cases.rollup import rollup_differences, rollup_rebuild
from reports import statistics
from reports.periods import Period
from reports.statistics.cohort import cohort
from reports.statistics.figures import raw_case_counts
from reports.statistics.specs import CASE_COUNTS
from tests.builders import (
    accept,
    follow_up,
    mediating_case,
    oral_agreement,
    record_session,
    resolved_case,
)
from tests.concurrency import run_concurrently
from tests.factories import register_case
from tests.reports.statistics_data import JUNE, LATER, build_june

pytestmark = pytest.mark.django_db

PERIODS = {
    "June": JUNE,
    "May": Period.month(2025, 5),
    # Whole months from the month rows, the days around them from the day rows.
    "20 May to 5 July": Period(datetime.date(2025, 5, 20), datetime.date(2025, 7, 5)),
    "a week inside June": Period(datetime.date(2025, 6, 3), datetime.date(2025, 6, 9)),
    "twelve months": Period(datetime.date(2024, 7, 1), datetime.date(2025, 6, 30)),
}


def rollup_counts(area, period) -> dict:
    figures = statistics.figures_for(area, period, today=LATER)
    counts = {key: figures[key].value for key in CASE_COUNTS if key in figures}
    for key in ("first_time", "on_the_spot"):
        counts[key] = figures[f"{key}_rate"].numerator
    counts["agreement_amount"] = figures["agreement_amount"].value
    return counts


def raw_counts(area, period) -> dict:
    counts = raw_case_counts(area, period)
    return {key: counts[key] for key in rollup_counts(area, period)}


def raw_breakdown(area, period, field: str) -> dict:
    rows = (
        cohort(area, period)
        .values(field)
        .annotate(
            total=Count("pk"),
            accepted=Count("pk", filter=ACCEPTED_Q),
            successful=Count("pk", filter=SUCCESSFUL_Q),
            otherwise=Count("pk", filter=OUTCOME_Q[Outcome.RESOLVED_OTHERWISE]),
        )
    )
    return {
        str(row[field]): (row["total"], row["accepted"], row["successful"], row["otherwise"])
        for row in rows
    }


def shown_breakdown(breakdown, key: str) -> dict:
    return {
        row.ledger[key]: (row.total, row.accepted, row.successful, row.resolved_otherwise)
        for row in breakdown.rows
        if row.total
    }


@pytest.mark.parametrize("period_name", PERIODS)
def test_every_figure_equals_a_direct_count_on_the_raw_tables(world, period_name):
    build_june(world)
    period = PERIODS[period_name]
    for area in (world.grid_a, world.village_a, world.town_a, world.district):
        assert rollup_counts(area, period) == raw_counts(area, period), area.name
    assert rollup_counts(world.village_a, JUNE)["received"] == 13


def test_every_breakdown_equals_a_direct_count_on_the_raw_tables(world):
    build_june(world)
    for period in PERIODS.values():
        for area in (world.village_a, world.town_a, world.district):
            accepted = raw_case_counts(area, period)["accepted"]
            breakdowns = {b.key: b for b in statistics.breakdowns_for(area, period, accepted)}
            for key, field in (
                ("dispute_type", "dispute_type_id"),
                ("source", "source_id"),
                ("grade", "grade"),
                ("level", "level"),
            ):
                assert shown_breakdown(breakdowns[key], key) == raw_breakdown(
                    area, period, field
                ), (area.name, key)
            for row in breakdowns["area"].rows:
                child = row.ledger["area"]
                raw = raw_counts(area.children.get(pk=child), period)
                assert (row.total, row.accepted, row.successful) == (
                    raw["received"],
                    raw["accepted"],
                    raw["successful"],
                )


def test_the_trend_equals_a_direct_count_month_by_month(world):
    build_june(world)
    trend = statistics.trend_for(world.town_a, JUNE, today=LATER)
    for point in trend:
        raw = raw_case_counts(world.town_a, point.period)
        assert (point.accepted, point.successful) == (raw["accepted"], raw["successful"])
    assert sum(point.accepted for point in trend) > 0


def _steps(world):
    """Each kind of change, through the services, on cases received today."""
    a, sup, m = world.secretary_a, world.supervisor_a, [world.mediator_a]
    found = {}

    def register():
        found["case"] = register_case(a, amount_at_stake=Decimal("3000"))

    def move_area_and_day():
        services.case_update(
            case=found["case"],
            by=a,
            data={
                "area": world.grid_a,
                "received_on": timezone.localdate() - datetime.timedelta(days=1),
            },
        )

    def regrade():
        services.case_change_grade(case=found["case"], by=sup, grade=Grade.RED, reason="升级")

    def escalate_and_accept():
        case = mediating_case(world)
        found["escalated"] = case
        services.escalation_propose(case=case, by=a, reason="村级调解未成")
        services.escalation_decide(case=case, by=sup, accept=True)

    def agreement_with_amount():
        found["resolved"] = resolved_case(world, agreement={"amount": Decimal("1200.50")})

    def reopen_supersedes_the_agreement():
        case = found["resolved"]
        services.follow_up_record(case=case, by=a, data=follow_up(flared_again=True))

    def new_agreement_after_reopening():
        case = found["resolved"]
        record_session(case, a, m, SessionResult.RESOLVED)
        services.agreement_record(case=case, by=a, data=oral_agreement(amount=Decimal("80")))

    def fail_and_close():
        case = mediating_case(world)
        services.case_fail(
            case=case, by=a, failure_reason=FailureReason.FAST_TRACKED, routes_explained=True
        )
        services.case_close(case=case, by=sup)

    def resolve_otherwise():
        case = mediating_case(world)
        services.case_resolve_otherwise(
            case=case,
            by=a,
            means="administrative",
            action_taken="协调有关部门落实待遇。",
            resolved_on=timezone.localdate(),
            note="",
        )

    def not_accept():
        services.case_not_accept(case=register_case(a), by=a, reason="不属于受理范围")

    def withdraw_before_and_after_acceptance():
        services.case_withdraw(case=register_case(a), by=a, reason="申请人撤回")
        case = accept(register_case(a), a, m)
        services.case_withdraw(case=case, by=a, reason="申请人撤回")

    def void():
        services.case_void(case=found["case"], by=a, reason="重复登记")

    return [
        register,
        move_area_and_day,
        regrade,
        escalate_and_accept,
        agreement_with_amount,
        reopen_supersedes_the_agreement,
        new_agreement_after_reopening,
        fail_and_close,
        resolve_otherwise,
        not_accept,
        withdraw_before_and_after_acceptance,
        void,
    ]


def test_the_rollup_stays_exact_after_every_kind_of_change(world):
    for step in _steps(world):
        step()
        assert rollup_differences() == [], step.__name__
        assert CaseRollup.objects.exists()

    today = timezone.localdate()
    month = Period.month(today.year, today.month)
    for area in (world.village_a, world.town_a, world.district):
        assert rollup_counts(area, month) == raw_counts(area, month)
    counts = rollup_counts(world.district, month)
    assert counts["received"] == 7  # the first case was voided
    assert counts["agreement_amount"] == Decimal("80.00")


def test_a_write_that_bypasses_the_services_shows_as_a_difference_until_rebuilt(world):
    case = register_case(world.secretary_a)
    assert rollup_differences() == []

    Case.objects.filter(pk=case.pk).update(status=Status.NOT_ACCEPTED)
    differences = rollup_differences()
    assert {kind for kind, *_rest in differences} == {"missing", "extra"}

    call_command("rebuild_case_rollup", verbosity=0)
    assert rollup_differences() == []
    call_command("rebuild_case_rollup", verbosity=0)  # again: the same rollup
    assert rollup_differences() == []


def test_the_check_command_fails_on_a_difference(world):
    case = register_case(world.secretary_a)
    call_command("rebuild_case_rollup", check=True)
    Case.objects.filter(pk=case.pk).update(status=Status.VOIDED)
    with pytest.raises(Exception, match="不一致"):
        call_command("rebuild_case_rollup", check=True)


WRITERS = 6


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers on the whole file",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_on_the_same_rollup_rows_lose_no_count(world):
    cases = [register_case(world.secretary_a) for _ in range(WRITERS * 2)]
    rollup_rebuild()

    def work(index: int):
        # Every writer moves cases of the same area and day between the same keys.
        mine = cases[index * 2 : index * 2 + 2]
        accept(mine[0], world.secretary_a, [world.mediator_a])
        services.case_not_accept(case=mine[1], by=world.secretary_a, reason="不予受理")
        services.case_void(case=mine[0], by=world.secretary_a, reason="重复登记")
        return index

    race = run_concurrently(WRITERS, work)

    assert race.unfinished == 0
    assert race.errors == []
    assert rollup_differences() == []
    today = timezone.localdate()
    counts = rollup_counts(world.village_a, Period(today, today))
    assert counts["received"] == WRITERS
    assert counts["not_accepted"] == WRITERS
