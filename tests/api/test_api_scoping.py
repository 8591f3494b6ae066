"""The API keeps to the caller's area exactly as the pages do (DOMAIN §1): every case
endpoint answers 404 across the boundary and changes nothing, lists never show another
area's rows, and nobody gets anything without credentials."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from cases.api import CaseViewSet
from cases.models import Case, CaseEvent, IdempotencyKey, Party
from mediators.models import Organisation
from tests.api.conftest import NOT_FOUND, errors, token_client
from tests.builders import (
    VillageB,
    accept,
    cases_in_two_villages,
    mediating,
    now_minute,
    today,
    village_b_in_every_state,
)
from tests.factories import UserFactory, party_rows, register_case
from tests.web.helpers import snapshot

CASES = "/api/v1/cases/"


@pytest.fixture
def village_b(world) -> VillageB:
    return village_b_in_every_state(world)


def _body(endpoint: str, world, case: Case) -> dict:
    """A request body the endpoint accepts from someone allowed to act on the case."""
    reason = {"reason": "越界操作测试"}
    return {
        "retrieve": {},
        "partial_update": {"title": "被越界修改的标题"},
        "accept": {"owner": world.secretary_b.username, "mediators": [world.mediator_b.pk]},
        "not-accept": reason,
        "withdraw": reason,
        "sessions": {
            "held_at": now_minute().isoformat(),
            "place": "mediation_room",
            "method": "face_to_face",
            "mediators": [world.mediator_b.pk],
            "content": "越界记录",
            "result": "not_resolved",
        },
        "investigations": {
            "held_at": now_minute().isoformat(),
            "place": "越界地点",
            "interviewee_name": "越界",
            "interviewee_relation": "证人",
            "investigators": [world.mediator_b.pk],
            "content": "越界调查",
        },
        "grade": {"grade": "blue", **reason},
        "escalate": reason,
        "escalation/decide": {"accept": True, "note": "接收"},
        "agreement": {
            "form": "oral",
            "reached_on": today().isoformat(),
            "facts": "事实",
            "terms": "条款",
        },
        "agreement/sign": {
            "mediator": world.mediator_b.pk,
            "mediator_signed_on": today().isoformat(),
        },
        "agreement/update": {"judicial_confirmation": "not_applied", "performance": "partly"},
        "follow-ups": {
            "kind": "home_visit",
            "done_at": now_minute().isoformat(),
            "satisfaction": "not_satisfied",
            "flared_again": True,
        },
        "fail": {"failure_reason": "sessions_failed", "routes_explained": True},
        "resolve-otherwise": {
            "means": "administrative",
            "action_taken": "越界登记",
            "resolved_on": today().isoformat(),
        },
        "refusal": {
            "party": case.parties.first().pk,
            "refused_on": case.received_on.isoformat(),
            "routes_explained": True,
        },
        "follow-ups/waive": {
            "follow_up": getattr(case.follow_ups.filter(done_at__isnull=True).first(), "pk", None),
            "reason": "当事人已迁居外地",
        },
        "close": {"note": "越界销号"},
        "void": reason,
        "extend-term": {"days": 10, "parties_consented": True, **reason},
        "petition/extend": {"days": 30, **reason},
    }[endpoint]


# endpoint -> (HTTP method, which village-B case, who may use it, their success status)
CASE_ENDPOINTS = {
    "retrieve": ("get", "registered", "secretary_b", 200),
    "partial_update": ("patch", "registered", "secretary_b", 200),
    "accept": ("post", "registered", "secretary_b", 200),
    "not-accept": ("post", "registered", "secretary_b", 200),
    "withdraw": ("post", "registered", "secretary_b", 200),
    "sessions": ("post", "mediating", "secretary_b", 201),
    "investigations": ("post", "mediating", "secretary_b", 201),
    "grade": ("post", "registered", "secretary_b", 200),
    "escalate": ("post", "mediating", "secretary_b", 201),
    "escalation/decide": ("post", "escalated", "supervisor_district", 200),
    "agreement": ("post", "mediating", "secretary_b", 201),
    "agreement/sign": ("post", "signing", "secretary_b", 200),
    "agreement/update": ("post", "ready_to_close", "secretary_b", 200),
    "follow-ups": ("post", "ready_to_close", "secretary_b", 201),
    "fail": ("post", "mediating", "secretary_b", 200),
    "resolve-otherwise": ("post", "mediating", "secretary_b", 200),
    "refusal": ("post", "registered", "secretary_b", 200),
    "follow-ups/waive": ("post", "resolved", "secretary_b", 200),
    "close": ("post", "ready_to_close", "secretary_b", 200),
    "void": ("post", "registered", "secretary_b", 200),
    "extend-term": ("post", "mediating", "secretary_b", 200),
    "petition/extend": ("post", "petition_mediating", "secretary_b", 200),
}


def _url(endpoint: str, case: Case) -> str:
    if endpoint in ("retrieve", "partial_update"):
        return f"{CASES}{case.pk}/"
    return f"{CASES}{case.pk}/{endpoint}/"


def test_every_case_endpoint_of_the_viewset_is_checked_for_scoping():
    # A case's endpoints; the collection's (随手调 registers a new case) have no case
    # to scope, and refuse an area outside the caller's (tests/api/test_api_on_the_spot.py).
    actions = {action.url_path for action in CaseViewSet.get_extra_actions() if action.detail}
    assert actions | {"retrieve", "partial_update"} == set(CASE_ENDPOINTS) | UPLOAD_ENDPOINTS


# Adding an agent (with the power of attorney) and parties from a spreadsheet take an
# upload: their allowed journeys are in tests/api/test_api_party_records.py.
UPLOAD_ENDPOINTS = {"agents", "parties/import"}


@pytest.mark.parametrize("endpoint", sorted(UPLOAD_ENDPOINTS))
def test_a_village_a_secretary_gets_404_for_a_village_b_case_s_upload_endpoints(
    world, village_b, endpoint
):
    case = village_b.registered
    before = snapshot()

    response = token_client(world.secretary_a).post(
        f"{CASES}{case.pk}/{endpoint}/", {"party": case.parties.first().pk, "name": "越界"}
    )

    assert response.status_code == 404
    assert errors(response) == NOT_FOUND
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", list(CASE_ENDPOINTS))
def test_a_village_a_secretary_gets_404_for_a_village_b_case_and_changes_nothing(
    world, village_b, endpoint
):
    method, state, allowed_user, success = CASE_ENDPOINTS[endpoint]
    case = getattr(village_b, state)
    url, body = _url(endpoint, case), _body(endpoint, world, case)
    before = snapshot()

    response = getattr(token_client(world.secretary_a), method)(url, body, format="json")

    assert response.status_code == 404
    assert errors(response) == NOT_FOUND
    assert case.number not in response.content.decode()
    assert snapshot() == before

    # The same request works for someone of village B: the 404 above is the boundary,
    # not a broken endpoint or a case in the wrong state.
    response = getattr(token_client(getattr(world, allowed_user)), method)(url, body, format="json")
    assert response.status_code == success
    assert response.json()["number"] == case.number
    if method != "get":
        assert snapshot() != before


def test_a_case_outside_the_area_and_a_case_that_does_not_exist_get_the_same_answer(
    world, village_b
):
    client = token_client(world.secretary_a)
    missing = Case.objects.order_by("-pk").first().pk + 1000

    outside = client.get(f"{CASES}{village_b.registered.pk}/")
    nowhere = client.get(f"{CASES}{missing}/")

    assert (outside.status_code, outside.json()) == (nowhere.status_code, nowhere.json())


# ---------------------------------------------------------------------------
# The case list
# ---------------------------------------------------------------------------


@pytest.fixture
def two_villages(world, village_b):
    return cases_in_two_villages(world)


def _numbers(response) -> list[str]:
    assert response.status_code == 200
    return [row["number"] for row in response.json()["results"]]


def test_the_list_of_a_village_a_secretary_holds_their_cases_and_none_of_village_b(
    world, two_villages
):
    response = token_client(world.secretary_a).get(CASES)

    own = two_villages["own"]
    assert _numbers(response) == [own[1].number, own[0].number]
    for number in [*two_villages["b_numbers"], two_villages["a2"].number]:
        assert number not in response.content.decode()


def test_searching_the_list_for_a_village_b_party_finds_nothing(world, two_villages):
    response = token_client(world.secretary_a).get(CASES, {"q": "赵大宝"})

    assert _numbers(response) == []
    assert "赵大宝" not in response.content.decode()


def test_the_same_search_finds_the_party_for_village_b(world, two_villages):
    response = token_client(world.secretary_b).get(CASES, {"q": "赵大宝"})

    assert _numbers(response) == [Case.objects.get(title="赵家村山林纠纷").number]


def test_filtering_the_list_by_village_b_is_refused_with_the_area_field(world, two_villages):
    response = token_client(world.secretary_a).get(CASES, {"area": world.village_b.pk})

    assert response.status_code == 400
    assert errors(response) == [
        {
            "field": "area",
            "code": "invalid_choice",
            "message": "选择一个有效的选项： 该选择不在可用的选项中。",
        }
    ]
    for number in two_villages["b_numbers"]:
        assert number not in response.content.decode()


def test_filtering_the_list_by_an_own_grid_gives_only_that_grids_cases(world, two_villages):
    response = token_client(world.secretary_a).get(CASES, {"area": world.grid_a.pk})

    assert _numbers(response) == [two_villages["own"][1].number]


# ---------------------------------------------------------------------------
# Areas, organisations, mediators
# ---------------------------------------------------------------------------


def test_the_areas_list_holds_the_users_area_and_what_is_under_it(world):
    response = token_client(world.secretary_a).get("/api/v1/areas/")

    assert response.status_code == 200
    assert sorted(row["code"] for row in response.json()["results"]) == sorted(
        [world.village_a.code, world.grid_a.code]
    )


@pytest.mark.parametrize("area", ["village_b", "grid_b", "town_a", "district", "village_a2"])
def test_an_area_outside_the_users_reach_is_404_by_its_code(world, area):
    response = token_client(world.secretary_a).get(f"/api/v1/areas/{getattr(world, area).code}/")

    assert response.status_code == 404
    assert errors(response) == NOT_FOUND


def test_an_area_within_reach_is_shown_by_its_code(world):
    response = token_client(world.secretary_a).get(f"/api/v1/areas/{world.grid_a.code}/")

    assert response.status_code == 200
    assert response.json() == {
        "code": world.grid_a.code,
        "name": "枫源村第一网格",
        "level": "grid",
        "parent": world.village_a.code,
        "path": world.grid_a.path,
        "is_active": True,
    }


def test_organisations_are_listed_and_shown_only_within_reach(world):
    own = Organisation.objects.get(area=world.village_a)
    other = Organisation.objects.get(area=world.village_b)
    client = token_client(world.secretary_a)

    listed = client.get("/api/v1/organisations/")
    shown = client.get(f"/api/v1/organisations/{own.pk}/")
    hidden = client.get(f"/api/v1/organisations/{other.pk}/")

    assert [row["name"] for row in listed.json()["results"]] == ["枫源村人民调解委员会"]
    assert (shown.status_code, shown.json()["area"]) == (200, world.village_a.code)
    assert hidden.status_code == 404
    assert errors(hidden) == NOT_FOUND
    assert "赵家村" not in listed.content.decode() + hidden.content.decode()


def test_mediators_are_listed_and_shown_only_within_reach(world):
    client = token_client(world.secretary_a)

    listed = client.get("/api/v1/mediators/")
    shown = client.get(f"/api/v1/mediators/{world.mediator_a.pk}/")
    hidden = client.get(f"/api/v1/mediators/{world.mediator_b.pk}/")

    assert [row["name"] for row in listed.json()["results"]] == ["宝大叔"]
    assert (shown.status_code, shown.json()["name"]) == (200, "宝大叔")
    assert hidden.status_code == 404
    assert errors(hidden) == NOT_FOUND
    assert "宋哥" not in listed.content.decode()


# ---------------------------------------------------------------------------
# A machine account of town A (a court's)
# ---------------------------------------------------------------------------


@pytest.fixture
def court(world):
    """The people's court's account: a clerk of town A that pushes cases by token."""
    return UserFactory(username="court_fengqiao", role=Role.CLERK, area=world.town_a)


def _push(where, **overrides) -> dict:
    data = {
        "area": where.code,
        "title": "法院委派:王某与李某买卖合同纠纷",
        "summary": "诉前委派调解。",
        "source": "court",
        "dispute_type": "contract",
        "grade": "yellow",
        "external_reference": "(2025)浙0681民诉前调1001号",
        "parties": party_rows("王某", "李某"),
    }
    data.update(overrides)
    return data


def _written() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Party.objects.count(),
        CaseEvent.objects.count(),
        IdempotencyKey.objects.count(),
    )


def test_a_town_a_machine_account_sees_every_village_of_town_a_and_nothing_of_town_b(world, court):
    cases = [
        register_case(world.secretary_a, world.village_a),
        register_case(world.secretary_a, world.grid_a),
        register_case(world.secretary_a2, world.village_a2),
    ]
    b_cases = [
        register_case(world.secretary_b, world.village_b),
        register_case(world.secretary_b, world.grid_b),
    ]
    client = token_client(court)

    assert _numbers(client.get(CASES)) == [c.number for c in reversed(cases)]
    for case in b_cases:
        assert client.get(f"{CASES}{case.pk}/").status_code == 404


@pytest.mark.parametrize("where", ["village_a", "village_a2", "grid_a", "town_a"])
def test_a_town_a_machine_account_registers_anywhere_in_town_a(world, court, where):
    response = token_client(court).post(CASES, _push(getattr(world, where)), format="json")

    assert response.status_code == 201
    case = Case.objects.get()
    assert (response.json()["id"], case.area, case.created_by) == (
        case.pk,
        getattr(world, where),
        court,
    )


@pytest.mark.parametrize("where", ["village_b", "grid_b", "town_b", "district"])
def test_a_town_a_machine_account_cannot_register_outside_town_a(world, court, where):
    response = token_client(court).post(
        CASES, _push(getattr(world, where)), format="json", HTTP_IDEMPOTENCY_KEY="push-1"
    )

    assert response.status_code == 400
    assert errors(response) == [
        {"field": "area", "code": "invalid", "message": "所选区域不在您的管辖范围内。"}
    ]
    assert _written() == (0, 0, 0, 0)


def test_a_machine_account_cannot_move_its_case_to_town_b(world, court):
    case = register_case(court, world.village_a)
    before = snapshot()

    response = token_client(court).patch(
        f"{CASES}{case.pk}/", {"area": world.village_b.code}, format="json"
    )

    assert response.status_code == 400
    assert errors(response) == [
        {"field": "area", "code": "invalid", "message": "所选区域不在您的管辖范围内。"}
    ]
    assert snapshot() == before


# ---------------------------------------------------------------------------
# Mediators and the anonymous
# ---------------------------------------------------------------------------


def test_a_mediator_sees_only_the_cases_assigned_to_them(world):
    assigned = register_case(world.secretary_a, world.grid_a)
    accept(assigned, world.secretary_a, [world.mediator_a])
    unassigned = register_case(world.secretary_a)
    accept(unassigned, world.secretary_a)
    registered = register_case(world.secretary_a)
    in_b = register_case(world.secretary_b)
    client = token_client(world.mediator_user_a)

    assert _numbers(client.get(CASES)) == [assigned.number]
    assert client.get(f"{CASES}{assigned.pk}/").status_code == 200
    for case in (unassigned, registered, in_b):
        response = client.get(f"{CASES}{case.pk}/")
        assert response.status_code == 404
        assert errors(response) == NOT_FOUND


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/cases/"),
        ("post", "/api/v1/cases/"),
        ("get", "/api/v1/cases/{pk}/"),
        ("patch", "/api/v1/cases/{pk}/"),
        ("post", "/api/v1/cases/{pk}/void/"),
        ("get", "/api/v1/areas/"),
        ("get", "/api/v1/organisations/"),
        ("get", "/api/v1/mediators/"),
        ("get", "/api/v1/sources/"),
        ("get", "/api/v1/dispute-types/"),
    ],
)
def test_an_anonymous_caller_gets_401_with_a_token_challenge_and_changes_nothing(
    world, method, path
):
    case = register_case(world.secretary_a)
    before = snapshot()

    response = getattr(APIClient(), method)(
        path.format(pk=case.pk), {"reason": "匿名", "title": "匿名"}, format="json"
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert errors(response) == [
        {"field": None, "code": "not_authenticated", "message": "身份认证信息未提供。"}
    ]
    assert snapshot() == before


def test_a_wrong_token_gets_401_with_a_token_challenge(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    response = client.get(CASES)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert errors(response) == [
        {"field": None, "code": "authentication_failed", "message": "认证令牌无效。"}
    ]


def test_the_token_of_a_deactivated_account_no_longer_opens_anything(world):
    client = token_client(world.secretary_a)
    world.secretary_a.is_active = False
    world.secretary_a.save()

    response = client.get(CASES)

    assert response.status_code == 401
    assert errors(response)[0]["code"] == "authentication_failed"


# ---------------------------------------------------------------------------
# References to rows of another area inside a request body
# ---------------------------------------------------------------------------


def test_accepting_with_an_organisation_of_village_b_is_refused(world):
    case = register_case(world.secretary_a)
    committee_b = Organisation.objects.get(area=world.village_b)
    before = snapshot()

    response = token_client(world.secretary_a).post(
        f"{CASES}{case.pk}/accept/",
        {
            "owner": "secretary_a",
            "mediators": [world.mediator_a.pk],
            "organisation": committee_b.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert [e["field"] for e in errors(response)] == ["organisation"]
    assert snapshot() == before


def test_recording_a_session_with_a_mediator_of_village_b_is_refused(world):
    case = mediating(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    before = snapshot()

    response = token_client(world.secretary_a).post(
        f"{CASES}{case.pk}/sessions/",
        {
            "held_at": now_minute().isoformat(),
            "place": "mediation_room",
            "method": "face_to_face",
            "mediators": [world.mediator_b.pk],
            "content": "请赵家村的调解员来调解",
            "result": "continue",
        },
        format="json",
    )

    assert response.status_code == 400
    assert [e["field"] for e in errors(response)] == ["mediators"]
    assert snapshot() == before
