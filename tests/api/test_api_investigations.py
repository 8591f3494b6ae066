"""``POST /api/v1/cases/{id}/investigations/``: the investigation the case page records,
refused with the page's words. Its 404 outside the area is in test_api_scoping.py."""

import pytest

from cases.models import Investigation
from tests.api.conftest import errors, token_client
from tests.builders import accepted_case, now_minute
from tests.factories import register_case
from tests.web.helpers import snapshot

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"


def _body(world, **overrides) -> dict:
    return {
        "held_at": now_minute().isoformat(),
        "place": "枫源村三组王家院坝",
        "interviewee_name": "王二叔",
        "interviewee_relation": "邻居,知情人",
        "investigators": [world.mediator_a.pk],
        "content": "界桩是十年前两家一起埋的,后来修路时被挪动过。",
        **overrides,
    }


def test_an_investigation_is_recorded_and_shows_in_the_case_and_its_history(world):
    case = accepted_case(world)

    response = token_client(world.secretary_a).post(
        f"{CASES}{case.pk}/investigations/", _body(world), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "accepted"  # an investigation is not a session
    [investigation] = body["investigations"]
    assert investigation["interviewee_name"] == "王二叔"
    assert investigation["investigators"] == [world.mediator_a.pk]
    assert investigation["recorded_by"] == "secretary_a"
    assert body["events"][-1]["kind"] == "investigation"
    assert Investigation.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"investigators": []}, "investigators", "请选择进行调查的调解员。"),
        ({"held_at": "2001-01-01T09:00:00+08:00"}, "held_at", "调查时间不能早于登记日期。"),
    ],
)
def test_bad_input_is_refused_with_the_pages_words_and_nothing_is_written(
    world, change, field, message
):
    case = accepted_case(world)
    before = snapshot()

    response = token_client(world.secretary_a).post(
        f"{CASES}{case.pk}/investigations/", _body(world, **change), format="json"
    )

    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in errors(response)] == [(field, message)]
    assert snapshot() == before


def test_a_registered_case_refuses_an_investigation_in_words(world):
    case = register_case(world.secretary_a)

    response = token_client(world.secretary_a).post(
        f"{CASES}{case.pk}/investigations/", _body(world), format="json"
    )

    assert response.status_code == 400
    assert [e["message"] for e in errors(response)] == ["案件当前状态为“已登记”,不能记录调查。"]
    assert not Investigation.objects.exists()
