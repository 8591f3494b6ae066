import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from tests.admin.conftest import admin_url
from tests.factories import register_case


def test_the_case_changelist_offers_every_year_between_the_oldest_and_newest_case(client, world):
    register_case(world.secretary_a, received_on=datetime.date(2024, 3, 5))
    register_case(world.secretary_a, received_on=datetime.date(2026, 1, 9))
    client.force_login(world.clerk_a)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(Case, "changelist"))

    assert response.status_code == 200
    html = response.content.decode()
    for year in ("2024", "2025", "2026"):
        assert f"received_on__year={year}" in html
    assert "received_on__year=2023" not in html
    # No DISTINCT scan over the cases to find which years hold rows.
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_choosing_a_year_lists_its_months_and_filters_the_cases(client, world):
    march = register_case(world.secretary_a, received_on=datetime.date(2025, 3, 5))
    other = register_case(world.secretary_a, received_on=datetime.date(2026, 1, 9))
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Case, "changelist") + "?received_on__year=2025")

    html = response.content.decode()
    assert "received_on__month=3" in html
    assert "received_on__month=12" in html
    assert march.number in html
    assert other.number not in html
