"""Getting a token, the rate limits on token clients and on guessing passwords, and the
published schema and docs: valid OpenAPI 3, and pages that work without a CDN."""

import json
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case
from common.api_policies import TokenClientRateThrottle, TokenLoginRateThrottle
from tests.api.conftest import errors, token_client
from tests.factories import party_rows

TOKEN_URL = "/api/v1/auth/token/"
CASES = "/api/v1/cases/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------


def test_good_credentials_get_the_accounts_token_and_it_opens_the_api(world):
    response = APIClient().post(
        TOKEN_URL, {"username": "clerk_a", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=world.clerk_a).key}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(CASES).status_code == 200


def test_asking_twice_gives_the_same_token(world):
    first = APIClient().post(TOKEN_URL, {"username": "clerk_a", "password": PASSWORD})
    second = APIClient().post(TOKEN_URL, {"username": "clerk_a", "password": PASSWORD})

    assert first.json() == second.json()
    assert Token.objects.count() == 1


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "clerk_a", "password": "wrong-password"},
        {"username": "nobody", "password": PASSWORD},
    ],
    ids=["wrong_password", "unknown_user"],
)
def test_bad_credentials_get_400_in_the_error_format_and_no_token(world, credentials):
    response = APIClient().post(TOKEN_URL, credentials, format="json")

    assert response.status_code == 400
    assert errors(response) == [
        {"field": None, "code": "authorization", "message": "无法使用提供的认证信息登录。"}
    ]
    assert not Token.objects.exists()


def test_a_deactivated_account_gets_no_token(world):
    world.clerk_a.is_active = False
    world.clerk_a.save()

    response = APIClient().post(TOKEN_URL, {"username": "clerk_a", "password": PASSWORD})

    assert response.status_code == 400
    assert [e["code"] for e in errors(response)] == ["authorization"]
    assert not Token.objects.exists()


def test_a_missing_password_is_named_as_the_field(world):
    response = APIClient().post(TOKEN_URL, {"username": "clerk_a"}, format="json")

    assert response.status_code == 400
    assert errors(response) == [
        {"field": "password", "code": "required", "message": "该字段是必填项。"}
    ]


# ---------------------------------------------------------------------------
# Rate limits
# ---------------------------------------------------------------------------


@pytest.fixture
def login_limit_of_three(monkeypatch):
    monkeypatch.setattr(
        TokenLoginRateThrottle, "THROTTLE_RATES", {"token_login": "3/min", "token_client": None}
    )


@pytest.fixture
def client_limit_of_three(monkeypatch):
    monkeypatch.setattr(
        TokenClientRateThrottle, "THROTTLE_RATES", {"token_client": "3/min", "token_login": None}
    )


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    [error] = errors(response)
    assert (error["field"], error["code"]) == (None, "throttled")
    wait = re.fullmatch(r"请求已被限流。 预计 (\d+) 秒后可用。", error["message"])
    assert wait and wait.group(1) == response["Retry-After"]


def test_guessing_passwords_is_stopped_after_the_login_limit_even_for_the_right_one(
    world, login_limit_of_three
):
    client = APIClient()
    guesses = [
        client.post(TOKEN_URL, {"username": "clerk_a", "password": f"guess-{n}"}) for n in range(3)
    ]

    right = client.post(TOKEN_URL, {"username": "clerk_a", "password": PASSWORD})

    assert [r.status_code for r in guesses] == [400, 400, 400]
    _assert_throttled(right)
    assert not Token.objects.exists()


def test_a_token_sent_along_does_not_lift_the_login_limit(world, login_limit_of_three):
    holder = token_client(world.clerk_a)
    guesses = [
        holder.post(TOKEN_URL, {"username": "clerk_a", "password": f"guess-{n}"}) for n in range(3)
    ]

    fourth = holder.post(TOKEN_URL, {"username": "clerk_a", "password": "guess-4"})

    assert [r.status_code for r in guesses] == [400, 400, 400]
    _assert_throttled(fourth)


def test_a_token_client_over_its_rate_gets_429_with_retry_after(world, client_limit_of_three):
    client = token_client(world.clerk_a)

    allowed = [client.get(CASES) for _ in range(3)]
    refused = client.get(CASES)

    assert [r.status_code for r in allowed] == [200, 200, 200]
    _assert_throttled(refused)


def test_a_throttled_token_client_registers_nothing(world, client_limit_of_three):
    client = token_client(world.clerk_a)
    for _ in range(3):
        client.get(CASES)

    response = client.post(
        CASES,
        {
            "area": world.village_a.code,
            "title": "限速后的推送",
            "summary": "不应登记。",
            "source": "court",
            "dispute_type": "contract",
            "grade": "yellow",
            "parties": party_rows(),
        },
        format="json",
    )

    _assert_throttled(response)
    assert not Case.objects.exists()


def test_one_token_clients_limit_does_not_stop_another_account(world, client_limit_of_three):
    court, police = token_client(world.clerk_a), token_client(world.secretary_a)
    for _ in range(3):
        court.get(CASES)

    assert court.get(CASES).status_code == 429
    assert police.get(CASES).status_code == 200


def test_a_browser_session_is_not_held_to_the_token_clients_limit(world, client_limit_of_three):
    browser = APIClient()
    browser.force_login(world.clerk_a)

    responses = [browser.get(CASES) for _ in range(6)]

    assert [r.status_code for r in responses] == [200] * 6


# ---------------------------------------------------------------------------
# Schema and docs
# ---------------------------------------------------------------------------


@pytest.fixture
def schema(db) -> dict:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3")
    validate_schema(schema)  # raises on anything the OpenAPI 3 JSON schema rejects
    assert schema["info"]["title"] == "枫桥式矛盾纠纷台账 API"


def test_the_yaml_schema_says_the_same_as_the_json_one(schema):
    response = APIClient().get("/api/schema/")

    assert response.status_code == 200
    assert yaml.safe_load(response.content) == json.loads(json.dumps(schema))


def test_the_schema_lists_every_endpoint_of_api_v1(schema):
    paths = {p for p in schema["paths"] if p.startswith("/api/v1/")}

    assert paths == {
        "/api/v1/auth/token/",
        "/api/v1/areas/",
        "/api/v1/areas/{code}/",
        "/api/v1/organisations/",
        "/api/v1/organisations/{id}/",
        "/api/v1/mediators/",
        "/api/v1/mediators/{id}/",
        "/api/v1/dispute-types/",
        "/api/v1/dispute-types/{code}/",
        "/api/v1/sources/",
        "/api/v1/sources/{code}/",
        "/api/v1/cases/",
        "/api/v1/cases/on-the-spot/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/agents/",
        "/api/v1/cases/{id}/parties/import/",
        *(
            f"/api/v1/cases/{{id}}/{action}/"
            for action in (
                "accept",
                "not-accept",
                "withdraw",
                "sessions",
                "investigations",
                "grade",
                "escalate",
                "escalation/decide",
                "agreement",
                "agreement/sign",
                "agreement/update",
                "follow-ups",
                "follow-ups/waive",
                "fail",
                "resolve-otherwise",
                "refusal",
                "close",
                "void",
                "extend-term",
                "petition/extend",
            )
        ),
    }


def test_the_schema_describes_the_shared_error_format(schema):
    components = schema["components"]["schemas"]

    assert components["Error"]["properties"]["errors"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ErrorItem"},
    }
    assert set(components["ErrorItem"]["properties"]) == {"field", "code", "message"}
    assert components["ErrorItem"]["properties"]["field"]["nullable"] is True


def _operations(schema):
    for path, item in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_every_operation_documents_401_403_and_429_in_the_error_format(schema):
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, method, operation in _operations(schema):
        for code in ("401", "403", "429"):
            assert operation["responses"][code]["content"] == error, (path, method, code)


def test_every_detail_path_documents_404_and_list_paths_do_not(schema):
    for path, method, operation in _operations(schema):
        if "{" in path:
            assert operation["responses"]["404"]["description"] == "不存在,或不在您的管辖范围内"
            assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
        else:
            assert "404" not in operation["responses"], (path, method)


def test_case_registration_documents_the_idempotency_key_header(schema):
    operation = schema["paths"]["/api/v1/cases/"]["post"]

    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [(p["name"], p.get("required", False), p["schema"]) for p in headers] == [
        ("Idempotency-Key", False, {"type": "string", "maxLength": 255})
    ]
    assert set(operation["responses"]) == {"201", "400", "401", "403", "415", "422", "429"}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        # The case as CaseDetail describes it, plus the earlier disputes of its parties.
        "$ref": "#/components/schemas/CaseCreated"
    }


def test_the_schema_names_token_and_session_authentication(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["tokenAuth"]["in"] == "header"
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def _assets(page: str) -> list[str]:
    return re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']([^\"']+)", page)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged_in"])
def test_the_swagger_docs_load_only_local_static_assets(client, world, logged_in):
    if logged_in:
        client.force_login(world.clerk_a)

    response = client.get("/api/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assets = _assets(page)
    # Swagger UI's start-up script comes from the docs view itself (CSP: no inline script).
    assets.remove("/api/docs/?script=")
    assert 'url: "/api/schema/"' in client.get("/api/docs/?script=").content.decode()
    assert len(assets) == 5
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"\b(?:src|href)=[\"']https?://", page)


def test_redoc_is_not_offered_because_its_page_loads_web_fonts_from_the_internet(client, world):
    # drf-spectacular's ReDoc page links Google Fonts even with the sidecar assets; the
    # portal must work offline, so only the Swagger UI documentation is served.
    assert client.get("/api/redoc/").status_code == 404
