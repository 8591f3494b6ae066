"""Every admin changelist counts with the capped paginator: over the limit it says "N+",
the exact count is one click away, and every page can still be reached by number."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.admin.case import CaseAdmin
from cases.models import Case
from common.pagination import CappedPaginator
from tests.admin.conftest import admin_url
from tests.factories import register_case

CHANGELIST = admin_url(Case, "changelist")


@pytest.fixture
def small_pages(settings, monkeypatch):
    settings.FENGQIAO_EXACT_COUNT_LIMIT = 3
    monkeypatch.setattr(CaseAdmin, "list_per_page", 2)


@pytest.fixture
def seven_cases(world):
    days = [datetime.date(2026, 1, 5), datetime.date(2026, 1, 6)]
    cases = [register_case(world.secretary_a, received_on=days[i % 2]) for i in range(6)]
    # Another village of the same town, and a case of another town the clerk never sees.
    cases.append(register_case(world.secretary_a2, received_on=days[0]))
    register_case(world.secretary_b, received_on=days[1])
    return cases


def test_every_admin_changelist_uses_the_capped_paginator(admin_site_models):
    for model_admin in admin_site_models:
        assert model_admin.paginator is CappedPaginator, type(model_admin).__name__
        assert model_admin.show_full_result_count is False, type(model_admin).__name__


@pytest.fixture
def admin_site_models():
    from django.contrib import admin

    from common.admin_scoping import ScopedAdminMixin

    found = [m for m in admin.site._registry.values() if isinstance(m, ScopedAdminMixin)]
    assert found
    return found


def test_over_the_limit_the_changelist_says_plus_and_links_the_exact_count(
    client, world, small_pages, seven_cases
):
    client.force_login(world.clerk_a)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "共 4+ 件" in html
    assert "exact_count=1" in html
    exact = client.get(CHANGELIST, {"exact_count": "1"})
    assert exact.status_code == 200
    assert exact.context["cl"].result_count == 7
    assert "4+" not in exact.content.decode()


def test_the_admin_count_reads_at_most_one_row_past_what_it_shows(
    client, world, small_pages, seven_cases
):
    client.force_login(world.clerk_a)

    with CaptureQueriesContext(connection) as queries:
        client.get(CHANGELIST)

    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and "cases_case" in q["sql"]
    ]
    assert counts and all(re.search(r"LIMIT 5\b", sql) for sql in counts)


def test_every_page_of_the_changelist_is_reached_by_number_and_no_case_repeats(
    client, world, small_pages, seven_cases
):
    client.force_login(world.clerk_a)

    seen, page = [], 1
    while True:
        response = client.get(CHANGELIST, {"p": page})
        assert response.status_code == 200, page
        cl = response.context["cl"]
        seen += list(cl.result_list)
        if page >= cl.paginator.num_pages:
            break
        page += 1

    assert page == 4
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == set(seven_cases)
    expected = sorted(seven_cases, key=lambda c: (c.received_on, c.pk), reverse=True)
    assert seen == expected


def test_the_exact_count_survives_a_filter_and_a_page_link(client, world, small_pages, seven_cases):
    client.force_login(world.clerk_a)

    response = client.get(CHANGELIST, {"exact_count": "1", "status__exact": "registered"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 7
    assert "exact_count=1" in response.context["cl"].get_query_string({"p": 2})


def test_a_voided_case_is_listed_and_counted_in_the_admin(client, world, small_pages, seven_cases):
    from cases import services

    services.case_void(case=seven_cases[0], by=world.secretary_a, reason="重复登记")
    client.force_login(world.clerk_a)

    response = client.get(CHANGELIST, {"exact_count": "1"})

    assert response.context["cl"].result_count == 7


def test_a_search_over_the_limit_says_plus_beside_the_search_box_too(
    client, world, small_pages, seven_cases
):
    client.force_login(world.clerk_a)
    town_prefix = seven_cases[0].number.split("-")[0] + "-"

    response = client.get(CHANGELIST, {"q": town_prefix})

    assert response.status_code == 200
    toolbar = response.content.decode().split('id="toolbar"', 1)[1].split("</form>", 1)[0]
    assert "共 4+ 件" in toolbar
    assert "4 results" not in toolbar and "4 个结果" not in toolbar
