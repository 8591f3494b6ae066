"""Cases through the API as a pushing system and an office use it: register with parties,
be refused with the form's own words, retry safely, take every workflow step, page and
filter the ledger."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from cases import services
from cases.models import Case, CaseEvent, CaseSource, IdempotencyKey, Party, WorkflowPolicy
from cases.policy import Action
from tests.api.conftest import NOT_FOUND, errors, token_client
from tests.builders import accept, mediating, now_minute, today
from tests.concurrency import run_concurrently
from tests.factories import (
    UserFactory,
    case_data,
    make_id_number,
    party_rows,
    register_case,
)
from tests.web.helpers import days_ago, html, ledger_numbers, messages_of
from tests.web.test_case_pages import BAD_ID_NUMBER, registration

CASES = "/api/v1/cases/"
ID_NUMBER = make_id_number()  # 110105198005171239
MOBILE = "13912345678"
PARTY_KEYS = {
    "id",
    "role",
    "name",
    "gender",
    "kind",
    "is_representative",
    "id_number_masked",
    "ethnicity",
    "birth_date",
    "age",
    "mobile_masked",
    "address",
    "occupation",
    "employer",
    "relation_to_other_party",
    "credit_code",
    "legal_representative",
    "is_low_income",
    "is_extreme_poverty",
    "is_elderly_sick_disabled",
    "is_veteran",
    "is_poverty_alleviated",
    "is_minor",
    "refused_mediation",
    "agents",
}


def push(where, **overrides) -> dict:
    """What a court's system posts: the case and both sides."""
    data = {
        "area": where.code,
        "title": "法院委派:王某与李某买卖合同纠纷",
        "summary": "诉前委派调解,标的三万元。",
        "source": "court",
        "dispute_type": "contract",
        "grade": "yellow",
        "received_on": today().isoformat(),
        "external_reference": "(2025)浙0681民诉前调1001号",
        "parties": [
            {
                "role": "applicant",
                "name": "王某",
                "gender": "male",
                "id_number": ID_NUMBER,
                "mobile": MOBILE,
                "address": "枫源村三组8号",
            },
            {"role": "respondent", "name": "李某", "gender": "female"},
        ],
    }
    data.update(overrides)
    return data


def written() -> dict[str, int]:
    """Every row registering a case writes."""
    return {
        "cases": Case.objects.count(),
        "parties": Party.objects.count(),
        "events": CaseEvent.objects.count(),
        "idempotency_keys": IdempotencyKey.objects.count(),
    }


NOTHING = {"cases": 0, "parties": 0, "events": 0, "idempotency_keys": 0}


@pytest.fixture
def court(world):
    """The people's court's machine account: a clerk of town A holding a token."""
    return UserFactory(username="court_fengqiao", role=Role.CLERK, area=world.town_a)


# ---------------------------------------------------------------------------
# Registering
# ---------------------------------------------------------------------------


def test_registering_with_parties_answers_201_with_the_new_number(world, court):
    response = token_client(court).post(CASES, push(world.village_a), format="json")

    assert response.status_code == 201
    case = Case.objects.get()
    body = response.json()
    assert body["id"] == case.pk
    assert body["number"] == f"330681101-{today().year}-00001"
    assert re.fullmatch(r"\d{9}-\d{4}-\d{5}", body["number"])
    assert (body["status"], body["level"], body["area"], body["source"]) == (
        "registered",
        "village",
        world.village_a.code,
        "court",
    )
    assert body["external_reference"] == "(2025)浙0681民诉前调1001号"
    assert [e["kind"] for e in body["events"]] == ["registered"]
    assert list(case.parties.order_by("id").values_list("role", "name", "id_number")) == [
        ("applicant", "王某", ID_NUMBER),
        ("respondent", "李某", ""),
    ]


def test_the_parties_come_back_masked_and_the_full_numbers_appear_nowhere(world, court):
    client = token_client(court)

    created = client.post(CASES, push(world.village_a), format="json")
    case_id = created.json()["id"]

    for response in (created, client.get(f"{CASES}{case_id}/"), client.get(CASES)):
        text = response.content.decode()
        assert ID_NUMBER not in text
        assert MOBILE not in text
    applicant, respondent = created.json()["parties"]
    assert set(applicant) == PARTY_KEYS
    assert (applicant["id_number_masked"], applicant["mobile_masked"]) == (
        "110105********1239",
        "139****5678",
    )
    assert (respondent["id_number_masked"], respondent["mobile_masked"]) == ("", "")


def _without_parties(data: dict) -> dict:
    data.pop("parties")
    return data


def _only_applicants(data: dict) -> dict:
    data["parties"][1]["role"] = "applicant"
    return data


def _bad_id_number(data: dict) -> dict:
    data["parties"][0]["id_number"] = BAD_ID_NUMBER
    return data


REFUSALS = {
    "bad_id_number": (
        _bad_id_number,
        {
            "field": "parties.0.id_number",
            "code": "id_check_char",
            "message": "身份证号码校验位不正确,请核对后重新输入。",
        },
    ),
    "unknown_area": (
        lambda data: {**data, "area": "999999"},
        {"field": "area", "code": "does_not_exist", "message": "编码“999999”不存在。"},
    ),
    "no_parties_key": (
        _without_parties,
        {"field": "parties", "code": "required", "message": "该字段是必填项。"},
    ),
    "only_applicants": (
        _only_applicants,
        {
            "field": "parties",
            "code": "parties",
            "message": "纠纷至少需要两方当事人:请至少填写一名申请人和一名被申请人。",
        },
    ),
    "future_received_on": (
        lambda data: {**data, "received_on": days_ago(-1).isoformat()},
        {"field": "received_on", "code": "future_date", "message": "日期不能晚于今天。"},
    ),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_a_refused_registration_names_the_field_and_writes_nothing(world, court, refusal):
    change, expected = REFUSALS[refusal]

    response = token_client(court).post(
        CASES, change(push(world.village_a)), format="json", HTTP_IDEMPOTENCY_KEY="push-1"
    )

    assert response.status_code == 400
    assert errors(response) == [expected]
    assert written() == NOTHING


def test_the_bad_id_number_message_names_the_check_character():
    assert "校验位" in REFUSALS["bad_id_number"][1]["message"]


def test_the_unknown_area_message_names_the_code():
    assert "999999" in REFUSALS["unknown_area"][1]["message"]


def test_accept_language_en_gives_the_id_number_check_in_english(world, court):
    response = token_client(court).post(
        CASES, _bad_id_number(push(world.village_a)), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert errors(response) == [
        {
            "field": "parties.0.id_number",
            "code": "id_check_char",
            "message": "The check digit of the ID card number is wrong; please check the "
            "number and enter it again.",
        }
    ]
    assert written() == NOTHING


def test_accept_language_en_gives_the_out_of_reach_refusal_in_english(world, court):
    response = token_client(court).post(
        CASES, push(world.village_b), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    [error] = errors(response)
    assert (error["field"], error["code"]) == ("area", "invalid")
    assert error["message"] != "所选区域不在您的管辖范围内。"
    assert re.fullmatch(r"[ -~]+", error["message"])
    assert written() == NOTHING


def test_a_source_that_was_switched_off_is_refused_as_on_the_form(world, court):
    CaseSource.objects.filter(code="court").update(is_active=False)

    response = token_client(court).post(CASES, push(world.village_a), format="json")

    assert response.status_code == 400
    assert [e["field"] for e in errors(response)] == ["source"]
    assert written() == NOTHING


# ---------------------------------------------------------------------------
# Retries
# ---------------------------------------------------------------------------


def test_the_same_idempotency_key_twice_registers_once_and_replays_the_first_case(world, court):
    client = token_client(court)

    first = client.post(CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first
    assert second["Idempotent-Replayed"] == "true"
    assert (second.json()["id"], second.json()["number"]) == (
        first.json()["id"],
        first.json()["number"],
    )
    assert written() == {"cases": 1, "parties": 2, "events": 1, "idempotency_keys": 1}


def test_the_same_idempotency_key_with_a_different_body_is_refused_with_422(world, court):
    client = token_client(court)
    first = client.post(CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = {**push(world.village_a), "title": "另一件纠纷", "external_reference": "OTHER-1"}

    reused = client.post(CASES, other, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201
    assert reused.status_code == 422
    [error] = errors(reused)
    assert error["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in error["message"]
    assert written() == {"cases": 1, "parties": 2, "events": 1, "idempotency_keys": 1}


def test_a_new_key_with_the_same_reference_and_source_replays_the_first_case(world, court):
    client = token_client(court)

    first = client.post(CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    third = client.post(CASES, push(world.village_a), format="json")

    assert [r.status_code for r in (first, second, third)] == [201, 201, 201]
    assert [r.get("Idempotent-Replayed") for r in (first, second, third)] == [None, "true", "true"]
    assert {r.json()["number"] for r in (first, second, third)} == {first.json()["number"]}
    assert Case.objects.count() == 1
    assert set(IdempotencyKey.objects.values_list("key", "case_id")) == {
        ("k-1", first.json()["id"]),
        ("k-2", first.json()["id"]),
    }


def test_the_same_reference_from_another_account_registers_a_new_case(world, court):
    police = UserFactory(username="police_fengqiao", role=Role.CLERK, area=world.town_a)

    first = token_client(court).post(CASES, push(world.village_a), format="json")
    second = token_client(police).post(CASES, push(world.village_a), format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert second.json()["number"] == f"330681101-{today().year}-00002"
    assert list(Case.objects.order_by("id").values_list("created_by__username", flat=True)) == [
        "court_fengqiao",
        "police_fengqiao",
    ]


def test_the_same_reference_under_another_source_registers_a_new_case(world, court):
    client = token_client(court)

    first = client.post(CASES, push(world.village_a), format="json")
    second = client.post(CASES, push(world.village_a, source="petition"), format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert Case.objects.count() == 2


def test_the_same_idempotency_key_from_another_account_registers_a_new_case(world, court):
    police = UserFactory(username="police_fengqiao", role=Role.CLERK, area=world.town_a)

    first = token_client(court).post(
        CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    second = token_client(police).post(
        CASES,
        push(world.village_a, external_reference="浙公诸110-0001"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.count() == 2


def test_a_refused_push_does_not_use_up_its_idempotency_key(world, court):
    client = token_client(court)

    refused = client.post(
        CASES, _bad_id_number(push(world.village_a)), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    corrected = client.post(CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (refused.status_code, corrected.status_code) == (400, 201)
    assert "Idempotent-Replayed" not in corrected
    assert written() == {"cases": 1, "parties": 2, "events": 1, "idempotency_keys": 1}


def test_a_form_user_registering_a_reference_twice_is_told_which_case_has_it(world):
    reference = {"external_reference": "诸信转〔2025〕17号"}
    first = register_case(world.secretary_a, **reference)

    with pytest.raises(ValidationError) as refused:
        services.case_register(
            by=world.secretary_a, data=case_data(world.village_a, **reference), parties=party_rows()
        )

    assert refused.value.message_dict == {
        "external_reference": [f"转办编号“诸信转〔2025〕17号”已登记为案件 {first.number}。"]
    }
    assert refused.value.error_dict["external_reference"][0].code == "duplicate_reference"
    assert Case.objects.count() == 1


def test_a_retry_of_a_case_since_moved_out_of_reach_answers_404_not_a_server_error(world, court):
    client = token_client(court)
    client.post(CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    district_clerk = UserFactory(role=Role.CLERK, area=world.district)
    services.case_update(case=Case.objects.get(), by=district_clerk, data={"area": world.village_b})
    client.raise_request_exception = False

    retry = client.post(CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert retry.status_code == 404
    assert errors(retry) == NOT_FOUND
    assert Case.objects.count() == 1


def test_an_idempotency_key_longer_than_255_characters_is_refused_with_400(world, court):
    client = token_client(court)
    client.raise_request_exception = False

    response = client.post(
        CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )

    assert response.status_code == 400
    assert len(errors(response)) == 1
    assert written() == NOTHING


THREADS = 6


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers on the whole file",
)
# serialized_rollback restores the data migration's lookups (sources, types, grade policy)
# that the flush at the end of a transactional test would otherwise leave empty.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_six_concurrent_pushes_with_one_idempotency_key_register_exactly_one_case(world, court):
    # Each thread's client (and the token behind it) is ready before the race starts.
    clients = [token_client(court) for _ in range(THREADS)]

    def work(index: int) -> tuple[int, str, str | None]:
        response = clients[index].post(
            CASES, push(world.village_a), format="json", HTTP_IDEMPOTENCY_KEY="burst-1"
        )
        return (
            response.status_code,
            response.json().get("number"),
            response.get("Idempotent-Replayed"),
        )

    race = run_concurrently(THREADS, work)

    assert race.unfinished == 0
    assert race.errors == []
    results = race.results
    number = Case.objects.get().number
    assert number == f"330681101-{today().year}-00001"
    assert sorted(results, key=lambda r: r[2] or "") == [(201, number, None)] + [
        (201, number, "true")
    ] * (THREADS - 1)
    assert written() == {"cases": 1, "parties": 2, "events": 1, "idempotency_keys": 1}


# ---------------------------------------------------------------------------
# The workflow, step by step
# ---------------------------------------------------------------------------


def _session(world, result: str) -> dict:
    return {
        "held_at": now_minute().isoformat(),
        "place": "mediation_room",
        "method": "face_to_face",
        "mediators": [world.mediator_a.pk],
        "content": "双方陈述了各自意见。",
        "result": result,
    }


@pytest.fixture
def manual_escalation(db):
    """The office proposes escalation itself after three failed attempts."""
    WorkflowPolicy.objects.update_or_create(pk=1, defaults={"auto_propose_escalation": False})


@pytest.mark.parametrize(
    ("counts_continuing", "counted", "escalations"),
    [
        (True, [1, 2, 3], [("village", "town", "proposed")]),
        (False, [0, 0, 0], []),
    ],
    ids=["continuing-counts", "continuing-not-counted"],
)
def test_continuing_sessions_through_the_api_count_and_propose_escalation_as_the_policy_says(
    world, counts_continuing, counted, escalations
):
    WorkflowPolicy.objects.filter(pk=WorkflowPolicy.current().pk).update(
        continuing_session_counts_as_failed=counts_continuing
    )
    village = token_client(world.secretary_a)
    case = accept(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    url = f"{CASES}{case.pk}/sessions/"

    bodies = []
    for _ in range(3):
        response = village.post(url, _session(world, "continue"), format="json")
        assert response.status_code == 201
        bodies.append(response.json())

    assert [body["failed_attempts"] for body in bodies] == counted
    assert [
        (e["from_level"], e["to_level"], e["status"]) for e in bodies[-1]["escalations"]
    ] == escalations
    assert bodies[1]["escalations"] == []


def test_a_case_goes_from_registration_to_closing_through_the_api(world, manual_escalation):
    village, town = token_client(world.secretary_a), token_client(world.supervisor_a)
    clerk = token_client(world.clerk_a)

    created = village.post(CASES, push(world.village_a, source="walk_in"), format="json")
    assert created.status_code == 201
    url = f"{CASES}{created.json()['id']}/"

    accepted = village.post(
        f"{url}accept/",
        {"owner": "secretary_a", "mediators": [world.mediator_a.pk], "note": "村调委会受理"},
        format="json",
    )
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["owner"]) == ("accepted", "secretary_a")
    assert accepted.json()["mediators"] == [world.mediator_a.pk]

    for attempt in (1, 2, 3):
        session = village.post(f"{url}sessions/", _session(world, "not_resolved"), format="json")
        assert session.status_code == 201
        assert (session.json()["status"], session.json()["failed_attempts"]) == (
            "mediating",
            attempt,
        )

    escalated = village.post(f"{url}escalate/", {"reason": "村级三次调解未成"}, format="json")
    assert escalated.status_code == 201
    [escalation] = escalated.json()["escalations"]
    assert (escalation["from_level"], escalation["to_level"], escalation["status"]) == (
        "village",
        "town",
        "proposed",
    )

    decided = town.post(
        f"{url}escalation/decide/", {"accept": True, "note": "镇矛调中心接手"}, format="json"
    )
    assert decided.status_code == 200
    body = decided.json()
    assert (body["status"], body["level"], body["failed_attempts"], body["owner"]) == (
        "accepted",
        "town",
        0,
        "supervisor_a",
    )
    assert body["escalations"][0]["status"] == "accepted"

    session = clerk.post(f"{url}sessions/", _session(world, "resolved"), format="json")
    assert session.status_code == 201
    assert [s["level"] for s in session.json()["sessions"]] == ["village"] * 3 + ["town"]

    agreement = clerk.post(
        f"{url}agreement/",
        {
            "form": "oral",
            "reached_on": today().isoformat(),
            "facts": "双方对货款数额有争议。",
            "terms": "李某于一个月内付清货款。",
        },
        format="json",
    )
    assert agreement.status_code == 201
    assert agreement.json()["status"] == "resolved"
    assert agreement.json()["agreement"]["effective_on"] == today().isoformat()

    updated = clerk.post(
        f"{url}agreement/update/",
        {"performance": "fulfilled", "performance_note": "已当场付清"},
        format="json",
    )
    assert updated.status_code == 200
    assert updated.json()["agreement"]["performance"] == "fulfilled"

    followed = clerk.post(
        f"{url}follow-ups/",
        {"kind": "phone", "done_at": now_minute().isoformat(), "satisfaction": "satisfied"},
        format="json",
    )
    assert followed.status_code == 201
    done = [f for f in followed.json()["follow_ups"] if f["done_at"]]
    assert [(f["kind"], f["satisfaction"], f["done_by"]) for f in done] == [
        ("phone", "satisfied", "clerk_a")
    ]

    # The home visit is waived by the town, with its reason: the case may then be closed.
    home_visit = next(f for f in followed.json()["follow_ups"] if f["kind"] == "home_visit")
    waived = clerk.post(
        f"{url}follow-ups/waive/",
        {"follow_up": home_visit["id"], "reason": "当事人当面确认履行完毕,无需上门"},
        format="json",
    )
    assert waived.status_code == 200
    assert [
        (f["kind"], f["waived_by"], f["waive_reason"])
        for f in waived.json()["follow_ups"]
        if f["waived_by"]
    ] == [("home_visit", "clerk_a", "当事人当面确认履行完毕,无需上门")]

    closed = town.post(f"{url}close/", {"note": "协议履行完毕,回访满意"}, format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None

    detail = village.get(url)
    assert detail.status_code == 200
    assert [e["kind"] for e in detail.json()["events"]] == [
        "registered",
        "accepted",
        "session",
        "session",
        "session",
        "escalation_proposed",
        "escalation_accepted",
        "session",
        "agreement",
        "performance",
        "follow_up",
        "follow_up_waived",
        "closed",
    ]
    assert [e["actor"] for e in detail.json()["events"]][-1] == "supervisor_a"


def test_the_third_failed_session_proposes_escalation_by_itself_when_the_policy_says_so(world):
    case = accept(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    client = token_client(world.secretary_a)

    sessions = [
        client.post(f"{CASES}{case.pk}/sessions/", _session(world, "not_resolved"), format="json")
        for _ in range(3)
    ]
    manual = client.post(f"{CASES}{case.pk}/escalate/", {"reason": "再报一次"}, format="json")

    assert [r.status_code for r in sessions] == [201, 201, 201]
    body = sessions[-1].json()
    assert [e["kind"] for e in body["events"]] == [
        "registered",
        "accepted",
        "session",
        "session",
        "session",
        "escalation_proposed",
    ]
    assert [(e["to_level"], e["status"]) for e in body["escalations"]] == [("town", "proposed")]
    assert manual.status_code == 400
    assert errors(manual) == [
        {"field": None, "code": "workflow", "message": "案件已提级调处,正在等待上级接收。"}
    ]


@pytest.mark.parametrize(
    ("endpoint", "start", "body", "expected"),
    [
        ("not-accept", "registered", {"reason": "不属于人民调解范围"}, {"status": "not_accepted"}),
        ("withdraw", "registered", {"reason": "当事人自行和解"}, {"status": "withdrawn"}),
        ("void", "registered", {"reason": "重复登记"}, {"status": "voided"}),
        (
            "grade",
            "registered",
            {"grade": "red", "reason": "有民转刑苗头"},
            {"grade": "red", "level": "town"},
        ),
        (
            "fail",
            "mediating",
            {"failure_reason": "sessions_failed", "routes_explained": True},
            {"status": "failed", "failure_reason": "sessions_failed"},
        ),
    ],
)
def test_the_other_steps_answer_200_with_the_case_as_it_now_stands(
    world, endpoint, start, body, expected
):
    case = register_case(world.secretary_a)
    if start == "mediating":
        mediating(case, world.secretary_a, [world.mediator_a])

    response = token_client(world.secretary_a).post(
        f"{CASES}{case.pk}/{endpoint}/", body, format="json"
    )

    assert response.status_code == 200
    assert {key: response.json()[key] for key in expected} == expected


def test_a_role_that_may_not_take_a_step_gets_403_in_the_error_format(world):
    case = accept(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])

    response = token_client(world.mediator_user_a).post(
        f"{CASES}{case.pk}/void/", {"reason": "调解员想作废"}, format="json"
    )

    assert response.status_code == 403
    assert errors(response) == [
        {"field": None, "code": "permission_denied", "message": "您没有权限作废。"}
    ]
    assert Case.objects.get().status == "accepted"


# ---------------------------------------------------------------------------
# Pages and API refuse with the same words
# ---------------------------------------------------------------------------


def test_closing_a_registered_case_is_refused_by_page_and_api_with_the_same_message(client, world):
    case = register_case(world.secretary_a)
    expected = services.workflow_refusal(case, Action.CLOSE)
    assert expected == "案件当前状态为“已登记”,不能销号。"
    client.force_login(world.secretary_a)

    page = client.post(reverse("cases:close", args=[case.pk]), {"note": ""}, follow=True)
    api = token_client(world.secretary_a).post(f"{CASES}{case.pk}/close/", {}, format="json")

    assert page.redirect_chain == [(reverse("cases:detail", args=[case.pk]), 302)]
    assert messages_of(page) == [expected]
    assert api.status_code == 400
    assert errors(api) == [{"field": None, "code": "workflow", "message": expected}]
    assert Case.objects.get().status == "registered"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "身份证号码校验位不正确,请核对后重新输入。"),
        (
            "en",
            "The check digit of the ID card number is wrong; please check the number and "
            "enter it again.",
        ),
    ],
)
def test_a_bad_id_number_is_refused_by_page_and_api_with_the_same_message(
    client, world, language, message
):
    client.force_login(world.secretary_a)

    page = client.post(
        reverse("cases:create"),
        registration(world, **{"parties-0-id_number": BAD_ID_NUMBER}),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    api = token_client(world.secretary_a).post(
        CASES, _bad_id_number(push(world.village_a)), format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert page.status_code == 200
    assert message in html(page)
    assert api.status_code == 400
    assert errors(api) == [
        {"field": "parties.0.id_number", "code": "id_check_char", "message": message}
    ]
    assert written() == NOTHING


# ---------------------------------------------------------------------------
# Paging and filtering the ledger
# ---------------------------------------------------------------------------


def test_cursor_pages_of_two_walk_the_whole_list_without_repeats(world):
    cases = [register_case(world.secretary_a, title=f"纠纷{n}") for n in range(5)]
    client = token_client(world.secretary_a)

    pages = [client.get(CASES, {"page_size": 2})]
    while pages[-1].json()["next"]:
        pages.append(client.get(pages[-1].json()["next"]))

    sizes = [len(page.json()["results"]) for page in pages]
    numbers = [row["number"] for page in pages for row in page.json()["results"]]
    assert all(page.status_code == 200 for page in pages)
    assert sizes == [2, 2, 1]
    assert "page_size=2" in pages[0].json()["next"]
    assert pages[0].json()["previous"] is None
    assert numbers == [c.number for c in reversed(cases)]
    assert len(set(numbers)) == 5


def test_a_case_registered_between_pages_neither_repeats_nor_shifts_the_next_page(world):
    cases = [register_case(world.secretary_a) for _ in range(4)]
    client = token_client(world.secretary_a)

    first = client.get(CASES, {"page_size": 2})
    register_case(world.secretary_a)
    second = client.get(first.json()["next"])

    assert [row["number"] for row in second.json()["results"]] == [
        cases[1].number,
        cases[0].number,
    ]


@pytest.fixture
def ledger(world):
    """Cases of village A in different states, grades and deadlines."""
    by, mediators = world.secretary_a, [world.mediator_a]
    fresh = register_case(by, title="新登记")
    taken = accept(register_case(by, grade="blue", title="已受理"), by, mediators)
    late = register_case(by, received_on=days_ago(40), title="超期未办")
    # A red case is the town's: its clerk accepts it and the professional team mediates.
    red = mediating(
        register_case(by, grade="red", title="红色在调"), world.clerk_a, [world.town_mediator_a]
    )
    late_but_done = register_case(by, received_on=days_ago(40), title="超期已撤回")
    services.case_withdraw(case=late_but_done, by=by, reason="自行和解")
    voided = register_case(by, title="重复登记")
    services.case_void(case=voided, by=by, reason="重复登记")
    return {
        "fresh": fresh,
        "taken": taken,
        "late": late,
        "red": red,
        "late_but_done": late_but_done,
        "voided": voided,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["late_but_done", "red", "late", "taken", "fresh"]),
        ({"status": "registered"}, ["late", "fresh"]),
        ({"status": "accepted"}, ["taken"]),
        ({"status": "withdrawn"}, ["late_but_done"]),
        ({"status": "voided"}, ["voided"]),
        ({"grade": "red"}, ["red"]),
        ({"grade": "blue"}, ["taken"]),
        ({"overdue": "true"}, ["late"]),
        ({"overdue": "false"}, ["late_but_done", "red", "late", "taken", "fresh"]),
        ({"status": "registered", "grade": "yellow", "overdue": "true"}, ["late"]),
    ],
    ids=str,
)
def test_the_list_filters_like_the_html_ledger(client, world, ledger, params, expected):
    client.force_login(world.secretary_a)

    api = token_client(world.secretary_a).get(CASES, params)
    page = client.get(reverse("cases:list"), params)

    assert api.status_code == 200
    numbers = [row["number"] for row in api.json()["results"]]
    assert numbers == [ledger[key].number for key in expected]
    assert set(numbers) == set(ledger_numbers(page))
    assert [row["is_overdue"] for row in api.json()["results"]] == [
        key == "late" for key in expected
    ]


def test_an_unknown_status_filter_is_400_on_the_status_field(world):
    response = token_client(world.secretary_a).get(CASES, {"status": "lost"})

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in errors(response)] == [("status", "invalid_choice")]


def test_a_garbled_cursor_is_400_on_the_cursor_field(world):
    response = token_client(world.secretary_a).get(CASES, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in errors(response)] == [("cursor", "无效游标")]


def test_an_anonymous_client_registers_nothing(world):
    response = APIClient().post(CASES, push(world.village_a), format="json")

    assert response.status_code == 401
    assert written() == NOTHING


def test_changing_a_reference_number_to_one_the_sender_already_used_is_refused_with_400(
    world, court
):
    client = token_client(court)
    first = client.post("/api/v1/cases/", push(world.village_a), format="json")
    second = client.post(
        "/api/v1/cases/",
        push(world.village_a, external_reference="(2025)浙0681民诉前调1002号"),
        format="json",
    )
    assert (first.status_code, second.status_code) == (201, 201)

    response = client.patch(
        f"/api/v1/cases/{second.data['id']}/",
        {"external_reference": "(2025)浙0681民诉前调1001号"},
        format="json",
    )

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in errors(response)] == [
        ("external_reference", "duplicate_reference")
    ]
    assert Case.objects.get(pk=second.data["id"]).external_reference.endswith("1002号")
