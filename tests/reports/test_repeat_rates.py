"""The statistics' repeat-dispute rate by area and dispute type, on a known fixture."""

import datetime
import html
import re
from decimal import Decimal

from django.urls import reverse

from cases.models import DisputeType
from reports.periods import Period
from reports.statistics import repeat_rates_for
from tests.factories import make_id_number, register_case

ID_ZHANG = make_id_number(datetime.date(1970, 1, 1), 111)
TODAY = datetime.date.today()


def sides(applicant, respondent, **applicant_numbers):
    return [
        {"role": "applicant", "name": applicant, **applicant_numbers},
        {"role": "respondent", "name": respondent},
    ]


def fixture(world):
    long_ago = TODAY - datetime.timedelta(days=100)
    # Earlier, outside the period: 张三 in village A, and 钱七 in the other town.
    register_case(
        world.secretary_a, parties=sides("张三", "李四", id_number=ID_ZHANG), received_on=long_ago
    )
    register_case(world.secretary_b, parties=sides("钱七", "孙八"), received_on=long_ago)
    # In the period, in 枫桥镇.
    register_case(world.secretary_a, parties=sides("张三", "王五", id_number=ID_ZHANG))  # repeat
    register_case(world.secretary_a, parties=sides("甲某", "乙某"))
    register_case(
        world.secretary_a2,
        parties=sides("钱七", "丙某"),  # 钱七 of 赵家镇 is another town's: not counted
        dispute_type=DisputeType.objects.get(code="neighbours"),
    )


def test_the_repeat_rate_counts_a_known_fixture_by_area_and_type(world):
    fixture(world)

    rates = repeat_rates_for(world.town_a, Period(TODAY - datetime.timedelta(days=10), TODAY))

    assert (rates.overall.total, rates.overall.repeats) == (3, 1)
    assert [(r.label, r.total, r.repeats) for r in rates.by_area] == [
        ("枫源村", 2, 1),
        ("陈家村", 1, 0),
    ]
    by_type = {r.label: (r.total, r.repeats, r.repeat_rate) for r in rates.by_type}
    assert by_type["房屋宅基地"] == (2, 1, Decimal("0.5000"))
    assert by_type["邻里"] == (1, 0, Decimal("0"))


def test_the_dashboard_links_to_the_repeat_rates_of_the_same_area_and_period(client, world):
    fixture(world)
    client.force_login(world.supervisor_a)
    scope = {
        "area": world.town_a.code,
        "start": (TODAY - datetime.timedelta(days=10)).isoformat(),
        "end": TODAY.isoformat(),
    }

    dashboard = client.get(reverse("reports:dashboard"), scope)

    assert dashboard.status_code == 200
    assert "repeats" not in dashboard.context
    link = re.search(r'href="([^"]+)" class="repeat-rates-link"', dashboard.content.decode())
    assert link, "the dashboard offers the repeat rates"
    repeats = client.get(html.unescape(link[1]))
    assert repeats.status_code == 200
    page = repeats.content.decode()
    assert "重复纠纷率" in page and "repeat-by-area" in page
    assert repeats.context["repeats"].overall.repeats == 1
    assert [(r.label, r.total, r.repeats) for r in repeats.context["repeats"].by_area] == [
        ("枫源村", 2, 1),
        ("陈家村", 1, 0),
    ]


def test_the_repeat_rates_of_an_area_outside_reach_are_refused_and_nothing_is_counted(
    client, world
):
    fixture(world)
    client.force_login(world.secretary_a)

    response = client.get(
        reverse("reports:repeat_rates"), {"area": world.village_b.code, "month": "2026-01"}
    )

    assert response.status_code == 200
    assert response.context["repeats"] is None
    assert response.context["form"].errors["area"]


def test_grid_members_may_not_see_the_repeat_rates(client, world):
    client.force_login(world.grid_member_a)

    assert client.get(reverse("reports:repeat_rates")).status_code == 403
