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
    FollowUp,
    FollowUpKind,
    FollowUpRollup,
    Grade,
    LookBackRule,
    Satisfaction,
    SessionResult,
    Status,
)
from cases.outcomes import ACCEPTED_Q, OUTCOME_Q, SUCCESSFUL_Q, Outcome
from cases.rollup import rollup_differences, rollup_rebuild
from reports import statistics
from reports.periods import Period
from reports.statistics.cohort import cohort
from reports.statistics.figures import (
    raw_case_counts,
    raw_overdue_count,
    raw_visit_counts,
)
from reports.statistics.specs import CASE_COUNTS
from tests.builders import (
    accept,
    follow_up,
    mediating_case,
    oral_agreement,
    ready_to_close,
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


def rollup_counts(area, period, today=LATER) -> dict:
    """Every count the figures show (a rate by its numerator and denominator)."""
    figures = statistics.figures_for(area, period, today=today)
    counts = {key: figures[key].value for key in CASE_COUNTS if key in figures}
    for key in ("first_time", "on_the_spot"):
        counts[key] = figures[f"{key}_rate"].numerator
    counts["agreement_amount"] = figures["agreement_amount"].value
    counts["overdue"] = figures["overdue"].value
    counts["follow_ups_due"] = figures["follow_ups_due"].value
    counts["follow_ups_done"] = figures["follow_ups_done"].value
    counts["follow_ups_on_time"] = figures["follow_up_on_time_rate"].numerator
    counts["answered"] = figures["follow_ups_answered"].value
    counts["satisfied"] = figures["satisfaction_rate"].numerator
    return counts


def raw_counts(area, period, today=LATER) -> dict:
    counts = {
        **raw_case_counts(area, period),
        **raw_visit_counts(area, period),
        "overdue": raw_overdue_count(area, period, today),
    }
    return {key: counts[key] for key in rollup_counts(area, period, today)}


def test_every_figure_shown_is_among_the_counts_compared(world):
    figures = statistics.figures_for(world.village_a, JUNE, today=LATER)
    compared = set(rollup_counts(world.village_a, JUNE))
    for key, figure in figures.items():
        assert set(figure.spec.counts) <= compared, key


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


JUDGING_DAYS = [
    datetime.date(2025, 6, 5),
    datetime.date(2025, 6, 11),
    datetime.date(2025, 6, 21),
    datetime.date(2025, 7, 1),
    datetime.date(2025, 7, 11),
    LATER,
]


def test_the_overdue_figure_equals_a_direct_count_whatever_the_day_it_is_judged_on(world):
    build_june(world)
    seen = set()
    for today in JUDGING_DAYS:
        for period in PERIODS.values():
            for area in (world.village_a, world.town_a, world.district):
                shown = statistics.figures_for(area, period, today=today)["overdue"].value
                assert shown == raw_overdue_count(area, period, today), (today, period, area)
                seen.add(shown)
    assert len(seen) > 2  # the fixture's limits fall on different days


def test_the_trend_overdue_equals_a_direct_count_month_by_month(world):
    build_june(world)
    for today in (datetime.date(2025, 6, 15), LATER):
        trend = statistics.trend_for(world.town_a, JUNE, today=today)
        for point in trend:
            assert point.overdue == raw_overdue_count(world.town_a, point.period, today)
        assert sum(point.overdue for point in trend) > 0


def test_the_visit_figures_equal_a_direct_count_around_midnight_and_month_ends(world):
    build_june(world)
    for period in (
        *PERIODS.values(),
        Period(datetime.date(2025, 6, 30), datetime.date(2025, 6, 30)),
        Period(datetime.date(2025, 7, 1), datetime.date(2025, 7, 1)),
        Period.month(2025, 7),
    ):
        for area in (world.grid_a, world.village_a, world.town_a, world.district):
            counts = rollup_counts(area, period)
            raw = raw_visit_counts(area, period)
            assert {key: counts[key] for key in raw} == raw, (period, area.name)


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

    def visit_done_with_an_answer():
        found["visited"] = resolved_case(world)
        services.follow_up_record(
            case=found["visited"], by=a, data=follow_up(satisfaction=Satisfaction.BASIC)
        )

    def visit_with_rebound_signs_schedules_a_revisit():
        services.follow_up_record(
            case=found["visited"],
            by=a,
            data=follow_up(
                kind=FollowUpKind.HOME_VISIT,
                satisfaction=Satisfaction.NOT_SATISFIED,
                rebound_signs=True,
            ),
        )

    def waive_the_revisit():
        revisit = FollowUp.objects.get(
            case=found["visited"], kind=FollowUpKind.REVISIT, done_at__isnull=True
        )
        services.follow_up_waive(
            case=found["visited"], by=sup, follow_up=revisit, reason="当事人已搬离"
        )

    def visits_scheduled_then_cancelled_by_a_flare_up():
        case = resolved_case(world)
        services.follow_up_record(
            case=case,
            by=a,
            data=follow_up(kind=FollowUpKind.HOME_VISIT, flared_again=True, satisfaction=""),
        )

    def close_schedules_look_backs():
        case = ready_to_close(register_case(a), a, m)
        LookBackRule.objects.update_or_create(
            grade=case.grade, months_after_closing=1, defaults={"is_active": True}
        )
        services.case_close(case=case, by=sup)
        assert FollowUp.objects.filter(case=case, kind=FollowUpKind.LOOK_BACK).exists()

    def move_a_case_with_visits_to_another_area():
        services.case_update(case=found["visited"], by=a, data={"area": world.grid_a})

    def void_a_case_with_visits():
        services.case_void(case=found["visited"], by=a, reason="重复登记")

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
        visit_done_with_an_answer,
        visit_with_rebound_signs_schedules_a_revisit,
        waive_the_revisit,
        visits_scheduled_then_cancelled_by_a_flare_up,
        close_schedules_look_backs,
        move_a_case_with_visits_to_another_area,
        void_a_case_with_visits,
    ]


def _around_today() -> dict:
    """Periods and judging days that see the cases and visits of today's steps."""
    today = timezone.localdate()
    days = datetime.timedelta
    return {
        "this month": Period.month(today.year, today.month),
        "40 days either side": Period(today - days(40), today + days(40)),
        "today": Period(today, today),
    }


def test_the_rollup_stays_exact_after_every_kind_of_change(world):
    today = timezone.localdate()
    for step in _steps(world):
        step()
        assert rollup_differences() == [], step.__name__
        assert CaseRollup.objects.exists()
        for period in _around_today().values():
            for judged in (today, today + datetime.timedelta(days=90)):
                assert rollup_counts(world.town_a, period, judged) == raw_counts(
                    world.town_a, period, judged
                ), (step.__name__, period, judged)
    assert FollowUpRollup.objects.filter(visited__gt=0).exists()
    assert FollowUpRollup.objects.filter(due__gt=0).exists()

    today = timezone.localdate()
    month = Period.month(today.year, today.month)
    for area in (world.grid_a, world.village_a, world.town_a, world.district):
        assert rollup_counts(area, month, today) == raw_counts(area, month, today)
    counts = rollup_counts(world.district, month, today)
    # The first case and the visited one were voided; the flared-up one is mediating.
    assert counts["received"] == 9
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


def test_a_visit_written_around_the_services_shows_as_a_difference_until_rebuilt(world):
    case = resolved_case(world)
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())
    assert rollup_differences() == []

    FollowUp.objects.filter(case=case, done_at__isnull=False).update(satisfaction="")
    differences = rollup_differences()
    assert {kind for kind, *_rest in differences} == {"visits missing", "visits extra"}
    with pytest.raises(Exception, match="不一致"):
        call_command("rebuild_case_rollup", check=True)

    call_command("rebuild_case_rollup", verbosity=0)
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


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers on the whole file",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_visits_on_the_same_follow_up_rollup_rows_lose_no_count(world):
    cases = [resolved_case(world) for _ in range(WRITERS)]
    rollup_rebuild()

    def work(index: int):
        # Every writer records a visit, waives another and voids a third case's: all of
        # the same area, due and made on the same days.
        case = cases[index]
        services.follow_up_record(case=case, by=world.secretary_a, data=follow_up())
        home_visit = FollowUp.objects.get(case=case, kind=FollowUpKind.HOME_VISIT)
        services.follow_up_waive(
            case=case, by=world.supervisor_a, follow_up=home_visit, reason="当事人已搬离"
        )
        if index % 2:
            services.case_void(case=case, by=world.secretary_a, reason="重复登记")
        return index

    race = run_concurrently(WRITERS, work)

    assert race.unfinished == 0
    assert race.errors == []
    assert rollup_differences() == []
    today = timezone.localdate()
    counts = rollup_counts(world.village_a, Period(today, today), today)
    assert counts["answered"] == WRITERS // 2
