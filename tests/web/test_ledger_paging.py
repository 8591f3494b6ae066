"""The ledger's pager at scale: a count that stops at the limit ("10,000+", the exact
figure one click away) and keyset pages beyond it that walk the whole list, within the
user's area, whatever cursor is sent."""

import base64
import datetime
import html as html_lib
import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from cases.models import Case
from tests.factories import register_case
from tests.web.helpers import html, ledger_numbers

LEDGER = reverse("cases:list")


def _link(response, rel: str) -> dict | None:
    """The query of the pager's "next" or "previous" link, or None when there is none."""
    match = re.search(rf'href="\?([^"]*)" rel="{rel}"', html(response))
    if match is None:
        return None
    return QueryDict(html_lib.unescape(match.group(1))).dict()


def _cases_on_few_days(world, count: int, *, area=None, by=None) -> list[Case]:
    """Cases on three days only, so many share a received_on (the keyset's tie-break)."""
    days = [datetime.date(2026, 1, 5), datetime.date(2026, 1, 6), datetime.date(2026, 1, 9)]
    return [
        register_case(by or world.secretary_a, area, received_on=days[i % 3]) for i in range(count)
    ]


def _ledger_order(cases) -> list[str]:
    return [c.number for c in sorted(cases, key=lambda c: (c.received_on, c.pk), reverse=True)]


@pytest.fixture
def small_pages(settings):
    settings.CASES_PER_PAGE = 2
    settings.FENGQIAO_EXACT_COUNT_LIMIT = 4


def test_over_the_limit_the_ledger_says_plus_and_offers_the_exact_count(client, world, small_pages):
    _cases_on_few_days(world, 7)
    client.force_login(world.secretary_a)

    response = client.get(LEDGER)

    text = html(response)
    assert "共 4+ 件" in text
    assert "exact_count=1" in text
    # The last page is not offered: nobody counted how many pages there are.
    assert "末页" not in text

    exact = client.get(LEDGER, {"exact_count": "1"})

    assert "共 7 件" in html(exact)
    assert "4+" not in html(exact)


def test_under_the_limit_the_ledger_counts_exactly_and_offers_the_last_page(
    client, world, small_pages
):
    _cases_on_few_days(world, 3)
    client.force_login(world.secretary_a)

    response = client.get(LEDGER)

    text = html(response)
    assert "共 3 件" in text
    assert "exact_count" not in text
    assert "第 1 / 2 页" in text
    assert "末页" in text


def test_the_count_reads_at_most_the_limit_plus_one_row(client, world, small_pages):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _cases_on_few_days(world, 7)
    client.force_login(world.secretary_a)

    with CaptureQueriesContext(connection) as queries:
        client.get(LEDGER)

    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and "cases_case" in q["sql"]
    ]
    assert len(counts) == 1
    assert re.search(r"LIMIT 5\b", counts[0])


def _walk(client, start: dict, rel: str) -> list[list[str]]:
    pages, params = [], start
    while params is not None:
        response = client.get(LEDGER, params)
        assert response.status_code == 200
        pages.append(ledger_numbers(response))
        params = _link(response, rel)
        assert len(pages) < 50, "the pager goes round in circles"
    return pages


def test_keyset_pages_walk_the_whole_ledger_forward_and_back_without_repeating_a_row(
    client, world, small_pages
):
    cases = _cases_on_few_days(world, 11)
    client.force_login(world.secretary_a)

    forward = _walk(client, {}, "next")

    assert [n for page in forward for n in page] == _ledger_order(cases)
    assert all(len(page) == 2 for page in forward[:-1])
    # Two numbered pages (the limit is 4 rows), then cursors.
    last_numbered = client.get(LEDGER, {"page": 2})
    assert "after" in _link(last_numbered, "next")

    last = forward[-1]
    last_params = None
    params = {}
    while params is not None:  # find the last page's own link
        response = client.get(LEDGER, params)
        if ledger_numbers(response) == last:
            last_params = params
            break
        params = _link(response, "next")
    backward = _walk(client, last_params, "prev")

    assert [n for page in reversed(backward) for n in page] == _ledger_order(cases)


def test_keyset_pages_keep_the_filter(client, world, small_pages):
    cases = _cases_on_few_days(world, 9)
    wanted = [c for c in cases if c.received_on == datetime.date(2026, 1, 6)]
    client.force_login(world.secretary_a)

    forward = _walk(
        client, {"received_after": "2026-01-06", "received_before": "2026-01-06"}, "next"
    )

    assert [n for page in forward for n in page] == _ledger_order(wanted)


def test_every_keyset_page_stays_within_the_users_area(client, world, small_pages):
    mine = _cases_on_few_days(world, 7)
    theirs = _cases_on_few_days(world, 7, by=world.secretary_b)
    client.force_login(world.secretary_a)

    forward = _walk(client, {}, "next")

    shown = [n for page in forward for n in page]
    assert shown == _ledger_order(mine)
    assert not set(shown) & {c.number for c in theirs}


def _cursor(case) -> str:
    text = f"{case.received_on.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_forged_cursor_naming_another_areas_case_shows_only_the_users_own_cases(
    client, world, small_pages
):
    mine = _cases_on_few_days(world, 5)
    theirs = _cases_on_few_days(world, 5, by=world.secretary_b)
    client.force_login(world.secretary_a)

    newest_of_theirs = max(theirs, key=lambda c: (c.received_on, c.pk))
    for param in ("after", "before"):
        response = client.get(LEDGER, {param: _cursor(newest_of_theirs)})

        assert response.status_code == 200
        shown = set(ledger_numbers(response))
        assert shown <= {c.number for c in mine}
        assert not shown & {c.number for c in theirs}


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense!",
        "%%%",
        base64.urlsafe_b64encode(b"2026-13-45|3").decode(),
        base64.urlsafe_b64encode(b"2026-01-05|abc").decode(),
        base64.urlsafe_b64encode(b"2026-01-05").decode(),
        base64.urlsafe_b64encode(b"2026-01-05|-1").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_the_ledger_did_not_give_out_shows_page_one_with_a_message(
    client, world, small_pages, cursor
):
    cases = _cases_on_few_days(world, 5)
    client.force_login(world.secretary_a)

    response = client.get(LEDGER, {"after": cursor})

    assert response.status_code == 200
    assert "翻页链接无效,已回到第一页。" in html(response)
    assert ledger_numbers(response) == _ledger_order(cases)[:2]


def test_a_page_number_past_the_numbered_pages_shows_the_last_numbered_page(
    client, world, small_pages
):
    cases = _cases_on_few_days(world, 9)
    client.force_login(world.secretary_a)

    response = client.get(LEDGER, {"page": 99})

    assert response.status_code == 200
    assert ledger_numbers(response) == _ledger_order(cases)[2:4]
    assert "after" in _link(response, "next")
