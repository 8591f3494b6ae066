"""The ledger and the case page cost a fixed number of queries, however many rows,
parties or sessions they show. The numbers are the same on SQLite and PostgreSQL."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case
from tests.builders import accept, record_session
from tests.factories import MediatorFactory, make_id_number, party_rows, register_case
from tests.web.helpers import ledger_numbers

# Every request ends by saving the session (SESSION_SAVE_EVERY_REQUEST: activity moves the
# idle expiry on); in a test's transaction the UPDATE sits in a savepoint.
SESSION_SAVE = ["SAVEPOINT", "django_session", "RELEASE"]
# The queries of each page, by main table, measured on SQLite and PostgreSQL alike.
LEDGER_QUERIES = [
    "django_session",
    "accounts_user",
    "grids_area",  # the user's area, for visible_cases
    "cases_case",  # the paginator's count
    # The page is read in the view (the repeat badge asks about its cases), before the
    # template asks for the navigation bar and the filter options.
    "cases_case",  # the page of cases, with area, source, type and owner joined
    "cases_party",  # the page's parties, prefetched
    "cases_casetally",  # the repeat badge: the page's stored repeat depths, one query
    "notifications_notification",  # the unread count in the navigation bar
    "cases_disputetype",  # filter options
    "cases_casesource",  # filter options
    "grids_area",  # filter options: the areas within reach
    *SESSION_SAVE,
]
CASE_PAGE_QUERIES = [
    "django_session",
    "accounts_user",
    "grids_area",  # the user's area, for visible_cases
    "cases_case",  # the case, with everything it points to joined
    "cases_party",
    "cases_partyagent",  # the parties' agents (委托代理人), prefetched
    "cases_mediationsession",
    "mediators_mediator",  # the sessions' mediators, prefetched
    "cases_party",  # the sessions' parties present, prefetched
    "cases_investigation",  # the investigations, recorders joined
    "mediators_mediator",  # the investigations' investigators, prefetched
    "cases_caseevent",
    "cases_escalation",
    "cases_gradechange",
    "cases_followup",
    "mediators_mediator",  # the case's mediators
    "cases_watchedperson",  # the 重点人员 badge: any party on an active flag?
    "cases_escalation",  # may this user receive an escalation?
    "cases_escalation",  # is an escalation already pending?
    "cases_agreement",  # the agreement in force (Case.agreement, read once and cached)
    "cases_clockpolicy",  # may the mediation term be extended (the policy's limits)?
    "cases_casetermextension",  # ... and how often it was
    "cases_workflowpolicy",  # which sessions count as failed attempts, for the rule's words
    "cases_attachment",  # the attachments shown, uploaders joined
    "cases_mediationsession",  # the 卷宗 panel: which required documents are missing
    "notifications_notification",  # the unread count in the navigation bar
    "grids_area",  # the area's ancestors, for its full name
    "cases_casetermextension",  # the extensions shown beside the clocks
    *SESSION_SAVE,
]


def _tables(queries) -> list[str]:
    """The main table of each query, in order: a readable diff when a count changes."""
    return [
        # A statement on no table (the savepoints around the session save) by its verb.
        (
            match.group(1)
            if (match := re.search(r'(?:FROM|UPDATE|INTO) "(\w+)"', q["sql"]))
            else q["sql"].split()[0]
        )
        for q in queries
    ]


def _ledger_cases(world, count: int) -> list[Case]:
    """Cases spread over the village and its grid, half of them accepted with an owner."""
    cases = []
    for i in range(count):
        case = register_case(
            world.secretary_a,
            world.grid_a if i % 2 else world.village_a,
            parties=party_rows(f"申请人{i}", f"被申请人{i}"),
            # The grid's cases are blue, so its grid member may own them (三三调处).
            grade="blue" if i % 2 else "yellow",
        )
        if i % 2:
            accept(case, world.secretary_a, [world.mediator_a], owner=world.grid_member_a)
        cases.append(case)
    return cases


@pytest.mark.parametrize("rows", [3, 30])
def test_the_ledger_query_count_does_not_grow_with_rows(client, world, settings, rows):
    settings.CASES_PER_PAGE = 50
    _ledger_cases(world, rows)
    client.force_login(world.secretary_a)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:list"))

    assert len(ledger_numbers(response)) == rows
    assert len(queries) == 14
    assert _tables(queries) == LEDGER_QUERIES


def _mediated_case(world, size: int, sessions: int) -> Case:
    """A case being mediated with ``size`` parties and ``sessions`` sessions, each session
    with two mediators and every party present."""
    parties = [
        {
            "role": "applicant" if i == 0 else "respondent" if i == 1 else "other",
            "name": f"当事人{i}",
            "id_number": make_id_number(sequence=100 + i),
            "mobile": "13912345678",
        }
        for i in range(size)
    ]
    case = register_case(world.secretary_a, parties=parties)
    mediators = [world.mediator_a, MediatorFactory(area=world.village_a)]
    accept(case, world.secretary_a, mediators)
    for _ in range(sessions):
        record_session(case, world.secretary_a, mediators, parties_present=case.parties.all())
    return case


@pytest.mark.parametrize(("size", "sessions"), [(2, 1), (6, 6)])
def test_the_case_page_query_count_does_not_grow_with_parties_and_sessions(
    client, world, size, sessions
):
    case = _mediated_case(world, size, sessions)
    for _ in range(sessions):
        services.investigation_record(
            case=case,
            by=world.secretary_a,
            held_at=timezone.now(),
            place="村委会",
            interviewee_name="知情人",
            interviewee_relation="邻居",
            content="了解到的情况。",
            investigators=list(case.mediators.all()),
        )
    client.force_login(world.secretary_a)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"当事人{i}" in page for i in range(size))
    assert len(response.context["sessions"]) == sessions
    assert _tables(queries) == CASE_PAGE_QUERIES
    assert len(queries) == 31
