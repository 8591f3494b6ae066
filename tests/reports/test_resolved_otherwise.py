"""A case settled by other means (其他方式化解) is its own line in every figure: the
statistics, the breakdowns, the dashboard, the workbook's statistics sheet and the
ledger's 调解结果 column and filter. It is accepted and concluded, never 调解成功 and
never 调解不成."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import FailureReason
from reports import statistics
from reports.columns import HEADERS
from reports.ledger import ledger_rows
from reports.periods import Period
from reports.statistics.sheet import statistics_sheet_rows
from tests.builders import close, mediating_case, resolved_case, today
from tests.reports.test_statistics import ledger_count

pytestmark = pytest.mark.django_db

OUTCOME_COLUMN = HEADERS.index("调解结果")
TITLE_COLUMN = HEADERS.index("案件名称")


def this_month() -> Period:
    return Period.month(today().year, today().month)


def settle_veterans_case(world, *, closed: bool):
    """Seed 001's veterans: their benefits were secured by the departments concerned."""
    case = mediating_case(world, title="退役军人待遇落实")
    services.case_resolve_otherwise(
        case=case,
        by=world.secretary_a,
        means="administrative",
        action_taken="协调有关部门,两人应享待遇均已落实。",
        department="县退役军人事务局",
        resolved_on=today(),
    )
    if closed:
        close(case, world.secretary_a)
    return case


@pytest.fixture
def month(world):
    """One case settled otherwise and crossed off, one settled by agreement, one failed."""
    settle_veterans_case(world, closed=True)
    resolved_case(world, title="院墙纠纷")
    failed = mediating_case(world, title="宅基地纠纷")
    services.case_fail(
        case=failed,
        by=world.secretary_a,
        failure_reason=FailureReason.SESSIONS_FAILED,
        routes_explained=True,
    )
    return this_month()


def test_a_case_settled_otherwise_is_its_own_line_and_neither_success_nor_failure(world, month):
    figures = statistics.figures_for(world.village_a, month)

    assert figures["resolved_otherwise"].value == 1
    assert figures["resolved_otherwise"].label == "其他方式化解"
    assert figures["successful"].value == 1
    assert figures["failed"].value == 1
    assert figures["accepted"].value == 3
    assert figures["concluded"].value == 3
    rate = figures["success_rate"]
    assert (rate.numerator, rate.denominator, rate.value) == (1, 3, Decimal("0.3333"))
    outcome_keys = ["successful", "fast_tracked", "resolved_otherwise", "failed", "in_progress"]
    assert sum(figures[key].value for key in outcome_keys) == figures["received"].value


def test_it_counts_the_same_before_and_after_it_is_crossed_off(world):
    case = settle_veterans_case(world, closed=False)
    before = statistics.figures_for(world.village_a, this_month())
    close(case, world.secretary_a)
    after = statistics.figures_for(world.village_a, this_month())

    for figures in (before, after):
        assert (figures["resolved_otherwise"].value, figures["successful"].value) == (1, 0)


def test_the_ledger_behind_the_figure_and_its_filter_list_exactly_that_case(world, month):
    figure = statistics.figures_for(world.village_a, month)["resolved_otherwise"]

    assert figure.ledger["outcome"] == "resolved_otherwise"
    assert ledger_count(world.supervisor_a, figure.ledger) == 1


def test_the_ledger_column_says_how_each_case_ended(world, month):
    outcomes = {
        row[TITLE_COLUMN]: row[OUTCOME_COLUMN] for row in ledger_rows(world.village_a, month)
    }

    assert outcomes == {
        "退役军人待遇落实": "其他方式化解",
        "院墙纠纷": "调解成功",
        "宅基地纠纷": "调解不成",
    }


def test_the_breakdowns_show_it_apart_from_the_successes(world, month):
    result = statistics.statistics_for(world.town_a, month)
    breakdowns = {b.key: b for b in result.breakdowns}

    by_outcome = {row.label: row for row in result.outcomes}
    assert (by_outcome["其他方式化解"].total, by_outcome["其他方式化解"].successful) == (1, 0)
    village = next(row for row in breakdowns["area"].rows if row.label == "枫源村")
    assert (village.accepted, village.successful, village.resolved_otherwise) == (3, 1, 1)
    (grade,) = breakdowns["grade"].rows
    assert (grade.successful, grade.resolved_otherwise) == (1, 1)


def test_the_statistics_sheet_has_its_own_rows(world, month):
    rows = {
        (section, label): value
        for section, label, value, _k, _d in statistics_sheet_rows(world.village_a, month)
    }

    assert rows[("受理与结果", "其他方式化解")] == 1
    assert rows[("受理与结果", "调解成功")] == 1
    assert rows[("按风险等级", "黄色(较大)·其他方式化解")] == 1


def test_the_dashboard_shows_and_links_it(client, world, month):
    client.force_login(world.supervisor_a)

    response = client.get(
        "/reports/dashboard/", {"area": world.village_a.code, "month": month.label}
    )

    page = response.content.decode()
    assert 'data-figure="resolved_otherwise">1</a>' in page
    ledger = reverse("cases:list") + "?"
    assert ledger in page


def test_the_statistics_take_the_same_number_of_queries_with_such_a_case(world):
    with CaptureQueriesContext(connection) as without:
        statistics.statistics_for(world.town_a, this_month())
    settle_veterans_case(world, closed=True)
    with CaptureQueriesContext(connection) as with_one:
        statistics.statistics_for(world.town_a, this_month())

    assert len(with_one) == len(without)
