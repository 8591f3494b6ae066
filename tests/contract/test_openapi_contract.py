"""Contract test: schemathesis runs every operation of the live OpenAPI schema
(``/api/schema/``) against the app in-process and fails on any server error, and on any
response the schema does not describe (status code, content type, body, headers).

The schema is fetched from the Django app itself through WSGI, so what is checked is
exactly what ``/api/schema/`` serves. Each operation is its own test; its examples share
one database transaction and a small world: a town clerk holding a token, and cases of
that town in several states (plus one of the other town, which the clerk must not see).

Schemathesis makes up ids, codes and dates that mostly name nothing, which only ever
reaches the 400 and 404 branches. So about half of the examples have their path
parameters, query parameters and body fields swapped for values that exist (a case id of
the operation's resource, an area code, a user name, today's date, valid parties), which
lets the success branches answer too. The other half go out as schemathesis made them.

Examples are derandomized: CI runs the same ones every time, and a failure replays.
"""

from dataclasses import dataclass

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cases.models import CaseSource, DisputeType, PartyRole
from common.api_policies import TokenClientRateThrottle, TokenLoginRateThrottle
from mediators.models import OrganisationKind
from tests.builders import accepted_case, mediating_case, resolved_case, written_agreement
from tests.factories import OrganisationFactory, party_rows, register_case

pytestmark = pytest.mark.contract

# pytest-django has configured the test settings by now: this is the handler runserver
# would build, not config.wsgi (production settings). Loading the schema needs no database.
app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/", app)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# Fixed, so the world needs no lookup and the examples stay the same from run to run.
TOKEN_KEY = "c0ffee" * 6 + "c0de"
AUTHORIZATION = {"Authorization": f"Token {TOKEN_KEY}"}


@dataclass
class ContractWorld:
    """Values that exist, by name: path parameters by resource (``cases``, ``areas`` ...),
    query parameters and body fields for every operation."""

    path: dict[str, dict[str, list]]
    query: dict[str, list]
    body: dict[str, list]


@pytest.fixture
def same_connection_across_requests():
    """The WSGI handler closes the database connection at the end of each request,
    which would end the test's transaction (and on PostgreSQL, the test). Django's test
    client disconnects the same signal for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def contract_world(world, monkeypatch, same_connection_across_requests) -> ContractWorld:
    # Every example is a request of the same token: none may be answered 429.
    rates = {"token_client": "100000/min", "token_login": "100000/min"}
    monkeypatch.setattr(TokenClientRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(TokenLoginRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()

    clerk = world.clerk_a  # town A's back office: may do every step in town A
    Token.objects.create(user=clerk, key=TOKEN_KEY)
    organisation = OrganisationFactory(
        area=world.town_a, kind=OrganisationKind.TOWN_COMMITTEE, name="枫桥镇人民调解委员会"
    )
    unknown_gender = [
        {"role": PartyRole.APPLICANT, "name": "王五", "gender": ""},
        {"role": PartyRole.RESPONDENT, "name": "赵六"},
    ]
    registered = register_case(clerk, world.village_a, parties=unknown_gender)
    mediating = mediating_case(world)
    cases = [
        registered,
        register_case(clerk, world.village_a2, title="土地承包纠纷"),
        accepted_case(world),
        mediating,
        resolved_case(world),  # oral agreement: in effect
        resolved_case(world, agreement=written_agreement()),  # unsigned: not yet
        register_case(world.secretary_b),  # town B: 404 for the clerk
    ]
    today = timezone.localdate().isoformat()
    now = timezone.localtime().isoformat()
    area_codes = [world.town_a.code, world.village_a.code, world.grid_a.code, world.village_b.code]
    yield ContractWorld(
        path={
            "cases": {"id": [case.pk for case in cases]},
            "organisations": {"id": [organisation.pk]},
            "mediators": {"id": [world.mediator_a.pk, world.mediator_b.pk]},
            "areas": {"code": area_codes},
            "sources": {"code": ["grid_patrol", "court"]},
            "dispute-types": {"code": ["housing_homestead", "labour"]},
        },
        query={
            "area": [world.village_a.pk, world.town_a.pk, world.village_b.pk],
            "source": list(CaseSource.objects.values_list("pk", flat=True)[:2]),
            "dispute_type": list(DisputeType.objects.values_list("pk", flat=True)[:2]),
            "q": [registered.number, "王五"],
        },
        body={
            "area": area_codes,
            "source": ["grid_patrol", "court"],
            "dispute_type": ["housing_homestead"],
            "owner": [clerk.username, world.secretary_a.username, world.secretary_b.username],
            "mediators": [[world.mediator_a.pk], [world.mediator_b.pk]],
            "organisation": [organisation.pk],
            "parties": [party_rows(), unknown_gender],
            "title": ["邻里排水纠纷"],
            "summary": ["雨水排入邻家院内,双方争执。"],
            "amount_at_stake": ["1200.50", None],
            "amount": ["800.00", None],
            "people_involved": [2, None],
            "external_reference": ["", "(2026)浙0681民调1号"],
            "parties_present": [[party.pk for party in mediating.parties.all()]],
            "occurred_on": [today],
            "received_on": [today],
            "reached_on": [today],
            "signed_on": [today],
            "held_at": [now],
            "done_at": [now],
            "username": [clerk.username],
            "password": ["correct-horse-battery"],
        },
    )
    cache.clear()


def _swap(data, values, real: dict[str, list], where: str, *, json: bool = False) -> None:
    """Replace the generated values that have a real counterpart, in place."""
    if not isinstance(values, dict):
        return
    for name in sorted(values, key=str):
        choices = real.get(name, [])
        if not json:
            # Forms and parameters carry scalars and lists of scalars, not nested objects.
            choices = [
                c for c in choices if not (isinstance(c, list) and c and isinstance(c[0], dict))
            ]
        if choices:
            values[name] = data.draw(st.sampled_from(choices), label=f"{where}.{name}")


@pytest.mark.django_db
@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        # The world is built once per operation and shared by its examples, on purpose.
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_api_operation_answers_as_its_schema_documents(case, data, contract_world):
    # False first, so a failure shrinks to the request as schemathesis made it.
    if data.draw(st.booleans(), label="with real values"):
        resource = case.operation.path.removeprefix("/api/v1/").split("/")[0]
        _swap(data, case.path_parameters, contract_world.path.get(resource, {}), "path")
        _swap(data, case.query, contract_world.query, "query")
        json = case.media_type == "application/json"
        _swap(data, case.body, contract_world.body, "body", json=json)
    case.call_and_validate(headers=AUTHORIZATION, checks=CHECKS)
