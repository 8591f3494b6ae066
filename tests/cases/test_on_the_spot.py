"""随手调: a grid member records a blue dispute settled on the spot in one call, which
takes the four ordinary steps in one transaction."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services
from cases.models import (
    AgreementForm,
    Case,
    CaseSource,
    DisputeType,
    FollowUpKind,
    Grade,
    HandlingLevel,
    Method,
    Party,
    SessionResult,
    Status,
)
from tests.factories import MediatorFactory


@pytest.fixture
def grid_mediator(world):
    """The grid member is on the mediator register, as grid members who mediate are."""
    return MediatorFactory(name="网格员老周", area=world.grid_a, user=world.grid_member_a)


def on_spot_data(world, **overrides) -> dict:
    return {
        "area": world.grid_a,
        "dispute_type": DisputeType.objects.get(code="neighbours"),
        "summary": "两家因晾衣绳占道发生口角。",
        **overrides,
    }


def settle(world, by=None, *, data=None, parties=None, **kwargs) -> Case:
    return services.case_settle_on_spot(
        by=by or world.grid_member_a,
        data=data or on_spot_data(world),
        parties=parties or [{"name": "张大嫂", "mobile": "13912345678"}, {"name": "李二婶"}],
        terms=kwargs.pop("terms", "晾衣绳移至自家院内,双方互相道歉。"),
        **kwargs,
    )


def test_a_dispute_settled_on_the_spot_ends_resolved_with_one_session_and_an_oral_agreement(
    world, grid_mediator
):
    case = settle(world)

    assert case.status == Status.RESOLVED
    assert case.grade == Grade.BLUE
    assert case.level == HandlingLevel.GRID
    assert case.owner == world.grid_member_a
    assert case.source.code == "grid_patrol"
    assert case.title == "张大嫂、李二婶邻里纠纷"
    [session] = case.sessions.all()
    assert session.result == SessionResult.RESOLVED
    assert session.method == Method.ON_THE_SPOT
    assert list(session.mediators.all()) == [grid_mediator]
    assert session.parties_present.count() == 2
    agreement = case.agreement
    assert agreement.form == AgreementForm.ORAL
    assert agreement.terms == "晾衣绳移至自家院内,双方互相道歉。"
    assert agreement.effective_on == timezone.localdate()


def test_a_dispute_settled_on_the_spot_still_gets_the_24_hour_phone_call(world, grid_mediator):
    case = settle(world)

    call = case.follow_ups.get(kind=FollowUpKind.PHONE)
    assert call.done_at is None
    assert timezone.now() < call.due_at <= timezone.now() + datetime.timedelta(hours=24)


def test_the_parties_are_two_sides_called_by_name_and_their_phone_is_optional(world, grid_mediator):
    case = settle(world, parties=[{"name": "王伯"}, {"name": "赵叔"}, {"name": "赵婶"}])

    parties = list(case.parties.order_by("id"))
    assert [p.name for p in parties] == ["王伯", "赵叔", "赵婶"]
    assert [p.role_label for p in parties] == ["当事人", "当事人", "当事人"]


def test_a_yellow_dispute_is_refused_and_nothing_is_written(world, grid_mediator):
    with pytest.raises(ValidationError) as refusal:
        settle(world, data=on_spot_data(world, grade=Grade.YELLOW))

    assert "随手调只适用于蓝色" in refusal.value.message_dict["grade"][0]
    assert not Case.objects.exists()


def test_a_village_secretary_is_refused_the_light_path(world):
    with pytest.raises(PermissionDenied):
        settle(world, world.secretary_a, data=on_spot_data(world, area=world.village_a))

    assert not Case.objects.exists()


def test_a_dispute_outside_a_grid_is_refused(world, grid_mediator):
    admin = world.grid_member_a
    admin.is_superuser = True
    admin.save()

    with pytest.raises(ValidationError) as refusal:
        settle(world, admin, data=on_spot_data(world, area=world.village_a))

    assert "请选择所在网格" in refusal.value.message_dict["area"][0]


def test_a_bad_party_phone_rolls_everything_back(world, grid_mediator):
    with pytest.raises(ValidationError) as refusal:
        settle(world, parties=[{"name": "张大嫂", "mobile": "23912345678"}, {"name": "李二婶"}])

    assert "parties.0.mobile" in refusal.value.message_dict
    assert not Case.objects.exists()
    assert not Party.objects.exists()


def test_one_party_is_not_a_dispute(world, grid_mediator):
    with pytest.raises(ValidationError) as refusal:
        settle(world, parties=[{"name": "张大嫂"}, {"name": "  "}])

    assert "至少两名当事人" in refusal.value.message_dict["parties"][0]


def test_an_agreement_without_content_rolls_back_the_case_already_registered(world, grid_mediator):
    with pytest.raises(ValidationError) as refusal:
        settle(world, terms="")

    assert "terms" in refusal.value.message_dict
    assert not Case.objects.exists()


def test_without_a_mediator_entry_the_grid_member_is_asked_who_mediated(world):
    with pytest.raises(ValidationError) as refusal:
        settle(world)

    assert refusal.value.message_dict["mediators"] == ["请选择主持调解的调解员。"]
    assert not Case.objects.exists()


def test_a_summary_left_blank_is_refused_on_the_summary(world, grid_mediator):
    with pytest.raises(ValidationError) as refusal:
        settle(world, data=on_spot_data(world, summary=""))

    assert "summary" in refusal.value.message_dict


def test_a_source_chosen_by_the_grid_member_is_kept(world, grid_mediator):
    walk_in = CaseSource.objects.get(code="walk_in")

    case = settle(world, data=on_spot_data(world, source=walk_in))

    assert case.source == walk_in
    assert [p.role_label for p in case.parties.order_by("id")] == ["申请人", "被申请人"]
