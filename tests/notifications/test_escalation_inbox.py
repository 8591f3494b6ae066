"""上报待办: the escalations waiting for an answer that the user may accept or return,
and nothing else, at a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from cases import services
from cases.models import Escalation, EscalationStatus, Grade
from cases.policy import Action, user_may
from cases.selectors import visible_cases
from grids.models import AreaLevel
from tests.builders import accept
from tests.factories import UserFactory, area_child, register_case
from tests.web.helpers import html

URL = "/cases/escalations/"

# The page's queries by main table, whatever the number of rows.
INBOX_QUERIES = [
    "django_session",
    "accounts_user",
    "grids_area",  # the user's area, for visible_cases and the policy
    "cases_escalation",  # the pending escalations, with case, area and proposer joined
    "cases_escalation",  # the cases' pending escalations, prefetched for user_may
    "notifications_notification",  # the unread count in the navigation bar
    # The session saved at the end of every request (SESSION_SAVE_EVERY_REQUEST), in a
    # savepoint inside the test's transaction.
    "SAVEPOINT",
    "UPDATE",
    "RELEASE",
]


def _escalated(by, area, grade: str, reason: str = "三次调解未成") -> Escalation:
    """A case at ``area`` accepted by ``by`` and proposed one level up."""
    case = register_case(by, area=area, grade=grade)
    accept(case, by, [])
    return services.escalation_propose(case=case, by=by, reason=reason)


def _listed(response) -> set[int]:
    """The escalations listed, as the case ids of their decide links."""
    return {int(pk) for pk in re.findall(r'href="/cases/(\d+)/escalation/decide/"', html(response))}


@pytest.fixture
def escalations(world):
    grid_a2 = area_child(world.village_a2, AreaLevel.GRID, "陈家村第一网格", suffix="01")
    return {
        # grid → village, in village_a (town_a)
        "grid_a": _escalated(world.secretary_a, world.grid_a, Grade.BLUE),
        # grid → village, in village_a2 (town_a)
        "grid_a2": _escalated(world.secretary_a2, grid_a2, Grade.BLUE),
        # village → town, in town_a
        "village_a": _escalated(world.secretary_a, world.village_a, Grade.YELLOW),
        # village → town, in town_b
        "village_b": _escalated(world.secretary_b, world.village_b, Grade.YELLOW),
    }


def _cases(escalations, *names) -> set[int]:
    return {escalations[name].case_id for name in names}


def test_the_levels_are_as_the_test_expects(escalations):
    levels = {name: (e.from_level, e.to_level) for name, e in escalations.items()}

    assert levels == {
        "grid_a": ("grid", "village"),
        "grid_a2": ("grid", "village"),
        "village_a": ("village", "town"),
        "village_b": ("village", "town"),
    }


def test_a_village_secretary_sees_grid_to_village_escalations_of_their_village_only(
    client, world, escalations
):
    client.force_login(world.secretary_a)

    response = client.get(URL)

    assert response.status_code == 200
    # Not village_a's village → town request: the town answers that one.
    assert _listed(response) == _cases(escalations, "grid_a")


def test_another_village_secretary_sees_their_own_village_only(client, world, escalations):
    client.force_login(world.secretary_a2)

    assert _listed(client.get(URL)) == _cases(escalations, "grid_a2")


def test_a_town_supervisor_sees_the_village_to_town_escalations_of_their_town_only(
    client, world, escalations
):
    client.force_login(world.supervisor_a)

    listed = _listed(client.get(URL))

    assert escalations["village_a"].case_id in listed
    assert escalations["village_b"].case_id not in listed  # another town's
    # Anyone above the receiving level may answer: the town also sees its villages'.
    assert listed == _cases(escalations, "village_a", "grid_a", "grid_a2")


def test_a_town_clerk_sees_what_the_town_supervisor_sees(client, world, escalations):
    client.force_login(world.clerk_a)

    assert _listed(client.get(URL)) == _cases(escalations, "village_a", "grid_a", "grid_a2")


def test_the_district_sees_every_pending_escalation(client, world, escalations):
    client.force_login(world.supervisor_district)

    assert _listed(client.get(URL)) == _cases(escalations, *escalations)


@pytest.mark.parametrize(
    "user", ["secretary_a", "secretary_a2", "secretary_b", "supervisor_a", "clerk_a"]
)
def test_the_list_is_exactly_what_the_policy_lets_the_user_decide(client, world, escalations, user):
    user = getattr(world, user)
    client.force_login(user)
    # user_may assumes a case the user can see; the page asks visible_cases first.
    visible = set(visible_cases(user).values_list("pk", flat=True))
    expected = {
        e.case_id
        for e in escalations.values()
        if e.case_id in visible and user_may(user, Action.DECIDE_ESCALATION, e.case)
    }

    assert _listed(client.get(URL)) == expected


def test_roles_that_cannot_decide_see_an_empty_list_and_no_navbar_link(client, world, escalations):
    for user in (world.grid_member_a, world.mediator_user_a):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 200
        assert _listed(response) == set()
        assert f'href="{URL}"' not in html(client.get(reverse("cases:list")))


def test_deciders_get_the_navbar_link(client, world):
    for user in (world.secretary_a, world.clerk_a, world.supervisor_a):
        client.force_login(user)
        page = html(client.get(reverse("cases:list")))
        assert f'href="{URL}"' in page
        assert "上报待办" in page


def test_answered_escalations_leave_the_list(client, world, escalations):
    pending = escalations["grid_a"]
    services.escalation_decide(case=pending.case, by=world.secretary_a, accept=True)
    client.force_login(world.secretary_a)

    assert _listed(client.get(URL)) == set()
    assert Escalation.objects.get(pk=pending.pk).status == EscalationStatus.ACCEPTED


def test_each_row_shows_the_case_levels_reason_and_proposer(client, world):
    escalation = _escalated(world.secretary_a, world.grid_a, Grade.BLUE, reason="邻里积怨较深")
    client.force_login(world.secretary_a)

    page = html(client.get(URL))

    case = escalation.case
    assert case.number in page
    assert case.title in page
    assert "网格 → 村(社区)" in page
    assert "邻里积怨较深" in page
    assert world.secretary_a.display_name in page
    assert reverse("cases:decide_escalation", args=[case.pk]) in page


def test_the_decide_link_opens_the_decide_page(client, world, escalations):
    client.force_login(world.secretary_a)
    case_id = escalations["grid_a"].case_id

    response = client.get(reverse("cases:decide_escalation", args=[case_id]))

    assert response.status_code == 200


def _tables(queries) -> list[str]:
    return [
        # A statement on no table (the savepoints around the session save) by its verb.
        (match.group(1) if (match := re.search(r'FROM "(\w+)"', q["sql"])) else q["sql"].split()[0])
        for q in queries
    ]


def _queries_for(client, user) -> tuple[list[str], list[int]]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return _tables(queries), sorted(_listed(response))


def test_the_query_count_does_not_grow_with_the_escalations(client, world):
    first = _escalated(world.secretary_a, world.village_a, Grade.YELLOW)
    one, listed = _queries_for(client, world.supervisor_a)
    assert listed == [first.case_id]

    for _ in range(4):
        _escalated(world.secretary_a, world.village_a, Grade.YELLOW)
    five, listed = _queries_for(client, world.supervisor_a)

    assert len(listed) == 5
    assert five == one == INBOX_QUERIES


def test_a_village_secretary_query_count_is_fixed_too(client, world):
    _escalated(world.secretary_a, world.grid_a, Grade.BLUE)
    one, _listed_one = _queries_for(client, world.secretary_a)
    for _ in range(4):
        _escalated(world.secretary_a, world.grid_a, Grade.BLUE)
    five, listed = _queries_for(client, world.secretary_a)

    assert len(listed) == 5
    assert five == one == INBOX_QUERIES


def test_a_user_without_an_area_sees_nothing(client, world, escalations):
    nowhere = UserFactory(username="nowhere", role=Role.SUPERVISOR, area=None)
    client.force_login(nowhere)

    assert _listed(client.get(URL)) == set()
