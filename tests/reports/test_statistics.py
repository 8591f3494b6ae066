"""Every figure of the statistics pinned on a known month (tests/reports/statistics_data.py),
the comparisons with the month before and the year before, the breakdowns, the trend,
the sheet rows, the ledger filter behind the figures, and the seed's 47.76%."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cases.filters import CaseFilter
from cases.models import Case
from reports import statistics
from reports.periods import Period
from tests.reports.statistics_data import JUNE, LATER, build_june, build_seed_centre

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(world):
    return build_june(world)


def values(figures: dict) -> dict:
    return {key: figure.value for key, figure in figures.items()}


def ledger_count(user, params: dict) -> int:
    """How many cases the ledger lists for these filters, as the user sees it."""
    from cases.selectors import case_list

    class Request:
        pass

    request = Request()
    request.user = user
    case_filter, cases = case_list(user=user, params=params, request=request)
    assert case_filter.is_valid(), case_filter.errors
    return cases.count()


def test_every_figure_of_the_known_month(world, june):
    figures = statistics.figures_for(world.village_a, JUNE, today=LATER)

    assert values(figures) == {
        "received": 13,
        "accepted": 10,
        "successful": 4,
        "fast_tracked": 2,
        "resolved_otherwise": 0,
        "failed": 1,
        "in_progress": 2,
        "awaiting": 1,
        "not_accepted": 1,
        "withdrawn": 2,
        "concluded": 7,
        "success_rate": Decimal("0.4000"),
        "success_rate_concluded": Decimal("0.5714"),
        "first_time_rate": Decimal("0.2857"),
        "on_the_spot_rate": Decimal("0.4286"),
        "overdue": 2,
        "follow_ups_due": 4,
        "follow_ups_done": 3,
        "follow_up_rate": Decimal("0.7500"),
        "follow_up_on_time_rate": Decimal("0.2500"),
        "follow_ups_answered": 3,
        "satisfaction_rate": Decimal("0.6667"),
        "agreement_amount": Decimal("4000.50"),
        "crimes_prevented": 1,
        "group_settled": 1,
        "petition_settled": 1,
    }
    assert (figures["first_time_rate"].numerator, figures["first_time_rate"].denominator) == (2, 7)
    assert figures["on_the_spot_rate"].numerator == 3
    # Every figure states its definition.
    assert all(figure.definition for figure in figures.values())


def test_the_outcomes_partition_the_cohort(world, june):
    figures = statistics.figures_for(world.village_a, JUNE, today=LATER)
    outcome_keys = [
        "successful",
        "fast_tracked",
        "resolved_otherwise",
        "failed",
        "in_progress",
        "awaiting",
        "not_accepted",
        "withdrawn",
    ]
    assert sum(figures[key].value for key in outcome_keys) == figures["received"].value
    assert statistics.cohort(world.village_a, JUNE).count() == figures["received"].value


def test_overdue_is_judged_on_today_while_the_period_runs(world, june):
    # On 15 June, P1 (deadline 20 June) is not yet overdue; A1 (10 June) is.
    figures = statistics.figures_for(world.village_a, JUNE, today=datetime.date(2025, 6, 15))
    assert figures["overdue"].value == 1
    assert statistics.overdue_as_of(JUNE, datetime.date(2025, 6, 15)) == datetime.date(2025, 6, 15)
    assert statistics.overdue_as_of(JUNE, LATER) == datetime.date(2025, 7, 1)


def test_a_town_counts_its_villages_and_nothing_of_the_other_town(world, june):
    town = statistics.figures_for(world.town_a, JUNE, today=LATER)
    assert town["received"].value == 14  # + 陈家村's A2
    assert town["successful"].value == 5
    district = statistics.figures_for(world.district, JUNE, today=LATER)
    assert district["successful"].value == 6  # + 赵家村's B1
    assert district["crimes_prevented"].value == 2
    assert district["agreement_amount"].value == Decimal("4888.50")
    village_b = statistics.figures_for(world.village_b, JUNE, today=LATER)
    assert village_b["received"].value == 1
    assert village_b["follow_ups_due"].value == 1
    assert village_b["satisfaction_rate"].value == Decimal("1.0000")


def test_month_on_month_and_year_on_year(world, june):
    figures, headlines = statistics.headlines_for(world.village_a, JUNE, today=LATER)
    by_key = {headline.figure.key: headline for headline in headlines}

    accepted = by_key["accepted"]
    assert (accepted.figure.value, accepted.previous.value, accepted.year_before.value) == (
        10,
        2,
        3,
    )
    assert accepted.month_on_month == statistics.Change(8, Decimal("4.0000"))
    assert accepted.year_on_year == statistics.Change(7, Decimal("2.3333"))

    rate = by_key["success_rate"]
    assert rate.previous.value == Decimal("0.5000")
    assert rate.year_before.value == Decimal("0.6667")
    assert rate.month_on_month.absolute == Decimal("-0.1000")

    overdue = by_key["overdue"]
    assert (overdue.previous.value, overdue.year_before.value) == (0, 1)
    assert overdue.month_on_month == statistics.Change(2, None)  # no base: no percentage
    assert overdue.year_on_year == statistics.Change(1, Decimal("1.0000"))

    # The May follow-up (due 20 May, done 3 June) counts in May.
    assert by_key["follow_up_rate"].previous.value == Decimal("1.0000")
    assert by_key["satisfaction_rate"].year_before.value is None
    assert by_key["agreement_amount"].previous.value == Decimal("0.00")


def test_breakdowns(world, june):
    breakdowns = {
        b.key: b for b in statistics.breakdowns_for(world.village_a, JUNE, total_accepted=10)
    }
    types = {
        row.label: (row.total, row.accepted, row.successful)
        for row in breakdowns["dispute_type"].rows
    }
    assert types == {"邻里": (2, 2, 2), "房屋宅基地": (11, 8, 2)}
    sources = {row.label: row for row in breakdowns["source"].rows}
    court = sources["法院委托/委派(诉调对接)"]
    assert (court.accepted, court.successful, court.success_rate, court.share) == (
        2,
        1,
        Decimal("0.5000"),
        Decimal("0.2000"),
    )
    grades = [(row.label, row.accepted, row.successful) for row in breakdowns["grade"].rows]
    assert grades == [("蓝色(一般)", 1, 1), ("黄色(较大)", 8, 2), ("红色(重大)", 1, 1)]
    levels = [(row.label, row.accepted) for row in breakdowns["level"].rows]
    assert levels == [("网格", 1), ("村(社区)", 8), ("乡镇(街道)", 1)]
    areas = [(row.label, row.total, row.accepted) for row in breakdowns["area"].rows]
    assert areas == [("枫源村第一网格", 1, 1)]

    town = {b.key: b for b in statistics.breakdowns_for(world.town_a, JUNE, total_accepted=11)}
    assert [(row.label, row.accepted, row.successful) for row in town["area"].rows] == [
        ("枫源村", 10, 4),
        ("陈家村", 1, 1),
    ]


def test_breakdowns_in_english_use_the_english_names(world, june):
    with translation.override("en"):
        breakdowns = statistics.breakdowns_for(world.village_a, JUNE, total_accepted=10)
    labels = {row.label for row in breakdowns[0].rows}
    assert labels == {"Neighbours", "Housing and homestead"}


def test_trend_of_twelve_months_in_two_queries(world, june):
    with CaptureQueriesContext(connection) as queries:
        trend = statistics.trend_for(world.village_a, JUNE, today=LATER)
    # The rollup's month rows, and the overdue cases.
    assert len(queries) == 2
    assert [point.label for point in trend][0] == "2024-07"
    assert [point.label for point in trend][-1] == "2025-06"
    by_month = {point.label: (point.accepted, point.successful, point.overdue) for point in trend}
    assert by_month["2025-06"] == (10, 4, 2)
    assert by_month["2025-05"] == (2, 1, 0)
    assert sum(point.accepted for point in trend) == 12  # June 2024 is outside the window
    july_2024 = statistics.trend_for(world.village_a, Period.month(2024, 7), today=LATER)
    assert {p.label: p.overdue for p in july_2024}["2024-06"] == 1


def test_the_whole_statistics_take_a_handful_of_queries(world, june):
    with CaptureQueriesContext(connection) as queries:
        result = statistics.statistics_for(world.town_a, JUNE, today=LATER)
    # Ten queries; on PostgreSQL three more switch the JIT compiler off (savepoint, SET).
    assert len(queries) <= 13
    assert result.figures["accepted"].value == 11


FIGURES_WITH_LEDGER = [
    ("accepted", 10),
    ("successful", 4),
    ("fast_tracked", 2),
    ("failed", 1),
    ("in_progress", 2),
    ("awaiting", 1),
    ("not_accepted", 1),
    ("withdrawn", 2),
    ("concluded", 7),
    ("received", 13),
    ("first_time_rate", 2),
    ("on_the_spot_rate", 3),
    ("overdue", 2),
    ("crimes_prevented", 1),
    ("group_settled", 1),
    ("petition_settled", 1),
    ("agreement_amount", 3),
]


@pytest.mark.parametrize("key,expected", FIGURES_WITH_LEDGER)
def test_the_ledger_behind_a_figure_lists_exactly_its_cases(world, june, key, expected):
    figure = statistics.figures_for(world.village_a, JUNE, today=LATER)[key]
    assert ledger_count(world.supervisor_a, figure.ledger) == expected
    if figure.kind == "count":
        assert figure.value == expected
    elif figure.kind == "percent":
        assert figure.numerator == expected


def test_the_ledger_behind_breakdowns_and_trend(world, june):
    result = statistics.statistics_for(world.town_a, JUNE, today=LATER)
    for breakdown in result.breakdowns:
        for row in breakdown.rows:
            assert ledger_count(world.supervisor_a, row.ledger) == row.total
            assert ledger_count(world.supervisor_a, row.accepted_ledger) == row.accepted
            assert ledger_count(world.supervisor_a, row.successful_ledger) == row.successful
    for point in result.trend[-2:]:
        assert ledger_count(world.supervisor_a, point.accepted_ledger) == point.accepted
        assert ledger_count(world.supervisor_a, point.overdue_ledger) == point.overdue


def test_the_new_filters_keep_the_old_ones_working(world, june):
    cases = Case.objects.all()
    outcome = CaseFilter({"outcome": "successful", "grade": "blue"}, queryset=cases)
    assert list(outcome.qs) == [june.cases["S4"]]
    refused = CaseFilter({"outcome": "nonsense"}, queryset=cases)
    assert not refused.is_valid()


def test_sheet_rows(world, june):
    rows = statistics.statistics_sheet_rows(world.village_a, JUNE, today=LATER)
    assert all(len(row) == 5 for row in rows)
    assert {row[3] for row in rows} <= {"count", "percent", "money", "text"}
    by_label = {(row[0], row[1]): row for row in rows}
    assert by_label[("化解率", "调解成功率")][2:4] == (Decimal("0.4000"), "percent")
    assert "调解成功 ÷ 受理" in by_label[("化解率", "调解成功率")][4]
    assert by_label[("成效", "协议涉及金额(元)")][2:4] == (Decimal("4000.50"), "money")
    assert by_label[("受理与结果", "受理")][2:4] == (10, "count")
    assert by_label[("统计范围", "统计期")][2] == "2025年6月"
    assert by_label[("环比与同比", "受理(2025年5月)")][2] == 2
    assert by_label[("环比与同比", "受理较2024年6月增减幅度")][2] == Decimal("2.3333")
    assert by_label[("环比与同比", "超期未化解较2025年5月增减幅度")][2] is None
    assert by_label[("按来源", "法院委托/委派(诉调对接)·受理占比")][2] == Decimal("0.2000")
    for row in rows:
        if row[3] == "percent":
            assert row[2] is None or row[2] == row[2].quantize(Decimal("0.0001"))


def test_the_seed_centre_shows_47_76_percent(world):
    build_seed_centre(world)
    result = statistics.statistics_for(world.district, JUNE, today=LATER)
    figures = result.figures
    assert figures["accepted"].value == 4617
    assert figures["successful"].value == 2205
    assert figures["fast_tracked"].value == 2026
    assert figures["in_progress"].value == 186
    assert figures["failed"].value == 200
    assert figures["success_rate"].value == Decimal("0.4776")
    source_rows = {b.key: b for b in result.breakdowns}["source"].rows
    court = next(row for row in source_rows if row.label == "法院委托/委派(诉调对接)")
    assert (court.accepted, court.share) == (4595, Decimal("0.9952"))
    sheet = statistics.statistics_sheet_rows(world.district, JUNE, today=LATER)
    assert ("化解率", "调解成功率", Decimal("0.4776"), "percent") in [row[:4] for row in sheet]


def test_a_grid_has_no_child_breakdown(world, june):
    keys = [b.key for b in statistics.breakdowns_for(world.grid_a, JUNE, total_accepted=1)]
    assert "area" not in keys
