"""Investigations (人民调解调查记录, art. 22): who was asked, where, when and what they
said; recorded by the people who record sessions, while a session could be recorded."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import EventKind, Investigation, Status
from cases.policy import Action
from tests.builders import accepted_case, in_signing, now_minute, refresh
from tests.cases.helpers import kinds, refused, row_counts
from tests.factories import register_case

pytestmark = pytest.mark.django_db


def investigate(case, by, investigators, **overrides):
    data = {
        "held_at": now_minute(),
        "place": "枫源村三组王家院坝",
        "interviewee_name": "王二叔",
        "interviewee_relation": "邻居,知情人",
        "content": "界桩是十年前两家一起埋的,后来修路时被挪动过。",
        **overrides,
    }
    return services.investigation_record(
        case=case, by=by, investigators=list(investigators), **data
    )


def test_an_investigation_records_who_was_asked_and_goes_on_the_history_without_moving_the_case(
    world,
):
    case = accepted_case(world)

    investigation = investigate(case, world.secretary_a, [world.mediator_a])

    investigation = Investigation.objects.get(pk=investigation.pk)
    assert (investigation.interviewee_name, investigation.interviewee_relation) == (
        "王二叔",
        "邻居,知情人",
    )
    assert list(investigation.investigators.all()) == [world.mediator_a]
    assert investigation.recorded_by == world.secretary_a
    # Investigating prepares a session; it is not one, so the case is not yet 调解中.
    assert refresh(case).status == Status.ACCEPTED
    assert kinds(case)[-1] == EventKind.INVESTIGATION
    event = case.events.order_by("-id").first()
    assert event.note.startswith("王二叔(邻居,知情人):界桩是十年前")


def test_investigating_is_allowed_exactly_when_a_session_is():
    assert (
        services.ALLOWED_FROM[Action.RECORD_INVESTIGATION]
        == services.ALLOWED_FROM[Action.RECORD_SESSION]
    )


@pytest.mark.parametrize("state", ["registered", "signing"])
def test_outside_the_mediation_an_investigation_is_refused_in_words_and_nothing_is_written(
    world, state
):
    case = register_case(world.secretary_a)
    label = "已登记"
    if state == "signing":
        case = in_signing(case, world.secretary_a, [world.mediator_a])
        label = "协议待签"
    before = row_counts()

    refusal = refused(lambda: investigate(case, world.secretary_a, [world.mediator_a]))

    assert refusal.messages == [f"案件当前状态为“{label}”,不能记录调查。"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"investigators": []}, "investigators", "请选择进行调查的调解员。"),
        ({"interviewee_name": "  "}, "interviewee_name", "此字段不能为空。"),
        ({"content": ""}, "content", "此字段不能为空。"),
        ({"held_at": "past"}, "held_at", "调查时间不能早于登记日期。"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(world, change, field, message):
    case = accepted_case(world)
    if change.get("held_at") == "past":
        change = {"held_at": now_minute() - datetime.timedelta(days=400)}
    investigators = change.pop("investigators", [world.mediator_a])
    before = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        investigate(case, world.secretary_a, investigators, **change)

    assert excinfo.value.message_dict[field] == [message]
    assert row_counts() == before
    assert not Investigation.objects.exists()


def test_an_investigator_from_another_village_is_refused(world):
    case = accepted_case(world)

    with pytest.raises(ValidationError) as excinfo:
        investigate(case, world.secretary_a, [world.mediator_b])

    assert excinfo.value.message_dict["investigators"] == ["所选调解员不在本辖区或已停用。"]
    assert not Investigation.objects.exists()


def test_a_supervisor_may_not_record_an_investigation_and_a_secretary_elsewhere_may_not_see_it(
    world,
):
    case = accepted_case(world)

    with pytest.raises(PermissionDenied):
        investigate(case, world.supervisor_a, [world.mediator_a])
    with pytest.raises(PermissionDenied):
        investigate(case, world.secretary_b, [world.mediator_a])
    assert not Investigation.objects.exists()
