"""The supervisors' dashboard and the reports landing page: who may see them, the scope
form, the figures as shown, the links behind them, the charts, and the query budget."""

import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from cases.models import Case, Status
from tests.reports.statistics_data import JUNE, at, build_june, build_seed_centre, make_case

pytestmark = pytest.mark.django_db

DASHBOARD = "/reports/dashboard/"
JUNE_QUERY = {"month": "2025-06"}


@pytest.fixture
def june(world):
    return build_june(world)


@pytest.fixture(autouse=True)
def mid_august():
    # "Today" is 15 August 2025: June is over and the last full month is July.
    with time_machine.travel(at(2025, 8, 15, 10), tick=False):
        yield


def page(client, user, **query):
    client.force_login(user)
    return client.get(DASHBOARD, query)


def figure_links(html: str) -> dict[str, tuple[str, str]]:
    """The headline cards: figure key -> (link, shown value)."""
    found = re.findall(r'<a href="([^"]+)" data-figure="([a-z_]+)">([^<]+)</a>', html)
    return {key: (unescape(href), value) for href, key, value in found}


def ledger_count(client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_grid_members_and_mediators_are_refused(client, world):
    assert page(client, world.grid_member_a).status_code == 403
    assert page(client, world.mediator_user_a).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_default_scope_is_own_area_and_last_full_month(client, world, june):
    response = page(client, world.supervisor_a)
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats.area == world.town_a
    assert stats.period.label == "2025-07"
    # 1 July's case J1 is the only July case in 枫桥镇.
    assert stats.figures["received"].value == 1


def test_every_headline_figure_shown_and_linked_to_its_ledger(client, world, june):
    response = page(client, world.supervisor_a, area=world.village_a.code, **JUNE_QUERY)
    html = response.content.decode()
    links = figure_links(html)
    assert links["accepted"][1] == "10"
    assert links["successful"][1] == "4"
    assert links["success_rate"][1] == "40.00%"
    assert links["overdue"][1] == "2"
    assert links["agreement_amount"][1] == "4,000.50"
    assert "75.00%" in html  # follow-ups done / due
    assert "66.67%" in html  # satisfaction
    # Following a link lists exactly the cases the figure counts.
    for key, expected in [
        ("accepted", 10),
        ("successful", 4),
        ("fast_tracked", 2),
        ("in_progress", 2),
        ("overdue", 2),
        ("first_time_rate", 2),
        ("on_the_spot_rate", 3),
        ("crimes_prevented", 1),
        ("agreement_amount", 3),
    ]:
        assert ledger_count(client, links[key][0]) == expected, key


def test_month_on_month_and_year_on_year_are_shown(client, world, june):
    html = page(client, world.supervisor_a, area=world.village_a.code, **JUNE_QUERY)
    html = html.content.decode()
    assert "环比 +8 (+400.00%)" in html
    assert "同比 +7 (+233.33%)" in html
    assert "环比 -10.00个百分点 (-20.00%)" in html  # success rate 50% → 40%
    assert "环比 +2" in html  # overdue 0 → 2: no percentage on a zero base


def test_charts_are_inline_svg_with_links_titles_and_no_style(client, world, june):
    response = page(client, world.supervisor_a, area=world.town_a.code, **JUNE_QUERY)
    html = response.content.decode()
    assert html.count("<svg") == 7  # trend, outcome, type, source, grade, level, area
    assert "viewBox=" in html
    assert "style=" not in html
    assert "<script>" not in html and "http://" not in html.replace("http://testserver", "")
    # A village bar of the area chart leads to that village's successful cases.
    village_link = re.search(
        r'<a href="([^"]+)">\s*<title>枫源村:调解成功 4 件,成功率 40.00%</title>', html
    )
    assert village_link is not None
    assert ledger_count(client, unescape(village_link.group(1))) == 4
    # The trend's June overdue point.
    overdue_point = re.search(r'<a href="([^"]+)">\s*<title>2025-06 超期未化解 2</title>', html)
    assert overdue_point is not None
    assert ledger_count(client, unescape(overdue_point.group(1))) == 2


def test_breakdown_table_links(client, world, june):
    response = page(client, world.supervisor_a, area=world.village_a.code, **JUNE_QUERY)
    sources = {b.key: b for b in response.context["stats"].breakdowns}["source"]
    court = next(row for row in sources.rows if row.label.startswith("法院"))
    href = (
        reverse("cases:list")
        + "?"
        + "&".join(f"{key}={value}" for key, value in court.accepted_ledger.items())
    )
    assert ledger_count(client, href) == 2


def test_an_area_outside_reach_is_refused_and_nothing_shown(client, world, june):
    response = page(client, world.supervisor_a, area=world.town_b.code, **JUNE_QUERY)
    assert response.status_code == 200
    assert response.context["stats"] is None
    assert response.context["form"].errors["area"]
    html = response.content.decode()
    assert "只能查看您管辖范围内的区域" in html
    assert "<svg" not in html


def test_a_village_secretary_sees_only_their_village(client, world, june):
    response = page(client, world.secretary_a, **JUNE_QUERY | {"area": world.village_a.code})
    assert response.context["stats"].figures["received"].value == 13
    refused = page(client, world.secretary_a, area=world.town_a.code, **JUNE_QUERY)
    assert refused.context["stats"] is None
    other = page(client, world.secretary_a, area=world.village_a2.code, **JUNE_QUERY)
    assert other.context["stats"] is None


def test_a_bad_month_keeps_what_was_typed(client, world):
    response = page(client, world.supervisor_a, area=world.town_a.code, month="2025-13")
    assert response.context["stats"] is None
    assert response.context["form"].errors["month"]
    assert 'value="2025-13"' in response.content.decode()


def test_download_button_points_at_the_monthly_ledger(client, world, june):
    response = page(client, world.supervisor_a, area=world.village_a.code, **JUNE_QUERY)
    assert response.context["download_url"].endswith(f"?area={world.village_a.code}&month=2025-06")
    assert "/reports/ledger/?" in response.context["download_url"]
    ranged = page(
        client, world.supervisor_a, area=world.village_a.code, start="2025-06-01", end="2025-06-10"
    )
    assert "start=2025-06-01&end=2025-06-10" in ranged.context["download_url"]


def test_query_count_is_bounded(client, world, june, django_assert_max_num_queries):
    client.force_login(world.supervisor_district)
    # 24, and the repeat-dispute table's 4: the child areas, then per 1,000 cases of the
    # period the cases, their parties and the same people in earlier cases.
    with django_assert_max_num_queries(28):
        response = client.get(DASHBOARD, {"area": world.district.code, **JUNE_QUERY})
    assert response.context["stats"].figures["accepted"].value == 12
    # More cases, the same queries.
    for day in range(1, 29):
        make_case(world, world.village_b, JUNE.start.replace(day=day), Status.MEDIATING)
    with django_assert_max_num_queries(28):
        response = client.get(DASHBOARD, {"area": world.district.code, **JUNE_QUERY})
    assert response.context["stats"].figures["accepted"].value == 40


def test_the_seed_centre_shows_47_76_percent(client, world):
    build_seed_centre(world)
    response = page(client, world.supervisor_district, area=world.district.code, **JUNE_QUERY)
    html = response.content.decode()
    links = figure_links(html)
    assert links["accepted"][1] == "4617"
    assert links["successful"][1] == "2205"
    assert links["fast_tracked"][1] == "2026"
    assert links["in_progress"][1] == "186"
    assert links["success_rate"][1] == "47.76%"
    assert "(2205/4617)" in html
    assert "99.52%" in html  # the court-entrusted share of the accepted
    assert ledger_count(client, links["fast_tracked"][0]) == 2026
    assert Case.objects.count() == 4617


def test_index_shows_only_what_the_role_may_use(client, world):
    client.force_login(world.supervisor_a)
    html = client.get("/reports/").content.decode()
    assert DASHBOARD in html
    assert "/reports/reviews/" in html
    assert "/reports/ledger/" in html
    # Supervisors watch; they do not register cases, so they are not offered the import.
    assert "/reports/import/" not in html

    client.force_login(world.secretary_a)
    html = client.get("/reports/").content.decode()
    assert DASHBOARD in html
    assert "/reports/import/" in html

    client.force_login(world.grid_member_a)
    assert client.get("/reports/").status_code == 403


def test_the_page_in_english(client, world, june):
    client.force_login(world.supervisor_a)
    response = client.get(
        DASHBOARD, {"area": world.village_a.code, **JUNE_QUERY}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.context["stats"].figures["success_rate"].value is not None
