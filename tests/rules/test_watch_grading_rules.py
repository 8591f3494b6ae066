"""重点人员 at every door that registers a case (issue 14): a flagged person's new case is
graded at least yellow at the page, the API and the ledger import alike; someone at the
handling level keeps it blue by saying why; a reason from below that level is refused
with the same words at each door, and nothing is written."""

import pytest
from django.urls import reverse

from cases.models import Case, EventKind, Grade, WatchGradeDecision
from reports import importing
from tests.api.conftest import token_client
from tests.factories import registration_page_data, watch_flag
from tests.rules.doors import (
    CASES_API,
    api_refusal,
    ledger_file,
    ledger_row,
    page_refusal,
    registration_api_data,
    state,
)
from tests.web.helpers import html

pytestmark = pytest.mark.django_db

BELOW_LEVEL = (
    "只有村(社区)或以上的人员可以说明不按重点人员规定提级的理由;"
    "请清空此项后登记,需要时由村(社区)调整等级。"
)
RAISED = "按重点人员规定提级"
REASON = "纠纷轻微,当事人情绪稳定"


@pytest.fixture
def flag(world):
    """The registration doors' default applicant (王大山) on village A's list."""
    return watch_flag(world.secretary_a, mobile="13912345678")


def page_post(client, world, user, **fields):
    client.force_login(user)
    return client.post(reverse("cases:create"), registration_page_data(world, **fields))


def grid_fields(world) -> dict:
    return {"area": world.grid_a.pk}


def only_case() -> Case:
    return Case.objects.get()


# -- the page ----------------------------------------------------------------------


def test_the_page_registers_a_flagged_person_s_blue_case_as_yellow(client, world, flag):
    response = page_post(client, world, world.grid_member_a, grade="blue", **grid_fields(world))

    assert response.status_code == 302
    case = only_case()
    assert case.grade == Grade.YELLOW
    assert case.events.filter(kind=EventKind.WATCH_GRADING, note=RAISED).exists()


def test_the_page_keeps_blue_when_the_village_secretary_says_why(client, world, flag):
    response = page_post(
        client, world, world.secretary_a, grade="blue", watch_grade_override_reason=REASON
    )

    assert response.status_code == 302
    assert only_case().grade == Grade.BLUE
    assert WatchGradeDecision.objects.get().override_reason == REASON


def test_the_page_refuses_a_grid_member_s_reason_keeps_what_was_typed_and_saves_nothing(
    client, world, flag
):
    before = state()

    response = page_post(
        client,
        world,
        world.grid_member_a,
        grade="blue",
        watch_grade_override_reason=REASON,
        **grid_fields(world),
    )

    assert page_refusal(client, response) == [BELOW_LEVEL]
    page = html(response)
    assert REASON in page and "王大山" in page
    assert state() == before


# -- the API -----------------------------------------------------------------------


def api_post(world, user, **fields):
    return token_client(user).post(CASES_API, registration_api_data(world, **fields), format="json")


def test_the_api_registers_a_flagged_person_s_blue_case_as_yellow(world, flag):
    response = api_post(world, world.grid_member_a, grade="blue", area=world.grid_a.code)

    assert response.status_code == 201, response.content
    assert response.json()["grade"] == "yellow"
    assert only_case().grade == Grade.YELLOW
    notes = [e["note"] for e in response.json()["events"] if e["kind"] == "watch_grading"]
    assert notes == [RAISED]
    assert "精神" not in response.content.decode()


def test_the_api_keeps_blue_when_the_village_secretary_says_why(world, flag):
    response = api_post(world, world.secretary_a, grade="blue", watch_grade_override_reason=REASON)

    assert response.status_code == 201, response.content
    assert response.json()["grade"] == "blue"
    assert "watch_grade_override_reason" not in response.json()
    assert WatchGradeDecision.objects.get().raised is False


def test_the_api_refuses_a_grid_member_s_reason_with_the_page_s_words_and_saves_nothing(
    world, flag
):
    before = state()

    response = api_post(
        world,
        world.grid_member_a,
        grade="blue",
        area=world.grid_a.code,
        watch_grade_override_reason=REASON,
    )

    assert api_refusal(response) == [("watch_grade_override_reason", BELOW_LEVEL)]
    assert state() == before


# -- the ledger import ---------------------------------------------------------------


def test_the_ledger_import_registers_a_flagged_person_s_blue_case_as_yellow(world, flag):
    result = importing.import_ledger(
        by=world.secretary_a,
        content=ledger_file([ledger_row(world, 风险等级="蓝")]),
        file_name="台账.csv",
    )

    assert result.ok, [str(p) for p in result.problems]
    assert only_case().grade == Grade.YELLOW
    assert only_case().events.filter(kind=EventKind.WATCH_GRADING, note=RAISED).exists()


def test_a_person_not_on_the_list_keeps_the_grade_asked_at_every_door(client, world):
    page_post(client, world, world.grid_member_a, grade="blue", **grid_fields(world))
    api_post(world, world.grid_member_a, grade="blue", area=world.grid_a.code, title="另一起")

    assert set(Case.objects.values_list("grade", flat=True)) == {Grade.BLUE}
    assert not WatchGradeDecision.objects.exists()
