"""Full ID numbers and mobiles (PIPL, DOMAIN §6): shown only to roles that need them,
every look logged, never written into the case history in clear."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, EventKind, Party, PartyRole, PersonalDataAccess
from cases.policy import Action
from tests.builders import accept, accepted_case
from tests.factories import make_id_number, register_case

pytestmark = pytest.mark.django_db

ID_NUMBER = make_id_number()
MOBILE = "13912345678"


@pytest.fixture
def applicant(world) -> Party:
    case = register_case(world.secretary_a)
    return case.parties.get(role=PartyRole.APPLICANT)


def reveal(party, by, action):
    return services.personal_data_reveal(party=party, by=by, action=action)


def test_revealing_an_id_number_returns_it_in_full_and_logs_who_looked(world, applicant):
    started = timezone.now()

    revealed = reveal(applicant, world.secretary_a, Action.REVEAL_ID_NUMBER)

    assert revealed == ID_NUMBER
    access = PersonalDataAccess.objects.get()
    assert access.user == world.secretary_a
    assert access.party == applicant
    assert access.field == "id_number"
    assert started <= access.at <= timezone.now()


def test_revealing_a_mobile_logs_the_mobile_field(world, applicant):
    revealed = reveal(applicant, world.secretary_a, Action.REVEAL_MOBILE)

    assert revealed == MOBILE
    assert list(PersonalDataAccess.objects.values_list("field", flat=True)) == ["mobile"]


def test_every_look_is_logged_separately(world, applicant):
    reveal(applicant, world.secretary_a, Action.REVEAL_ID_NUMBER)
    reveal(applicant, world.secretary_a, Action.REVEAL_ID_NUMBER)
    reveal(applicant, world.clerk_a, Action.REVEAL_MOBILE)

    assert sorted(PersonalDataAccess.objects.values_list("user__username", "field")) == [
        ("clerk_a", "mobile"),
        ("secretary_a", "id_number"),
        ("secretary_a", "id_number"),
    ]


@pytest.mark.parametrize("action", [Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE])
def test_a_supervisor_may_not_reveal_and_nothing_is_logged(world, applicant, action):
    with pytest.raises(PermissionDenied) as excinfo:
        reveal(applicant, world.supervisor_a, action)

    assert str(excinfo.value) == f"您没有权限{action.label}。"
    assert not PersonalDataAccess.objects.exists()


def test_a_grid_member_may_reveal_a_mobile_but_not_an_id_number(world):
    case = register_case(world.grid_member_a, world.grid_a)
    party = case.parties.get(role=PartyRole.APPLICANT)

    assert reveal(party, world.grid_member_a, Action.REVEAL_MOBILE) == MOBILE
    with pytest.raises(PermissionDenied) as excinfo:
        reveal(party, world.grid_member_a, Action.REVEAL_ID_NUMBER)

    assert str(excinfo.value) == "您没有权限查看完整身份证号码。"
    assert list(PersonalDataAccess.objects.values_list("user__username", "field")) == [
        ("grid_a", "mobile")
    ]


def test_a_mediator_may_reveal_both_numbers_of_an_assigned_case(world):
    case = accepted_case(world)
    party = case.parties.get(role=PartyRole.APPLICANT)

    assert reveal(party, world.mediator_user_a, Action.REVEAL_ID_NUMBER) == ID_NUMBER
    assert reveal(party, world.mediator_user_a, Action.REVEAL_MOBILE) == MOBILE
    assert PersonalDataAccess.objects.filter(user=world.mediator_user_a).count() == 2


def test_an_inactive_user_may_not_reveal(world, applicant):
    world.secretary_a.is_active = False
    world.secretary_a.save()

    with pytest.raises(PermissionDenied):
        reveal(applicant, world.secretary_a, Action.REVEAL_ID_NUMBER)

    assert not PersonalDataAccess.objects.exists()


def test_revealing_is_not_a_general_purpose_read(world, applicant):
    with pytest.raises(ValueError):
        reveal(applicant, world.secretary_a, Action.EDIT)

    assert not PersonalDataAccess.objects.exists()


def test_the_user_role_rules_for_revealing_match_the_policy_table(world, applicant):
    case = applicant.case

    offered = {
        user.username: [
            a
            for a in services.available_actions(user, case)
            if a in (Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE)
        ]
        for user in (world.secretary_a, world.grid_member_a, world.supervisor_a, world.clerk_a)
    }

    assert offered == {
        "secretary_a": [Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE],
        "grid_a": [Action.REVEAL_MOBILE],
        "supervisor_a": [],
        "clerk_a": [Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE],
    }


# ---------------------------------------------------------------------------
# The case history never holds the numbers in clear
# ---------------------------------------------------------------------------


def _history_text(case) -> str:
    return json.dumps(
        list(CaseEvent.objects.filter(case=case).values("note", "changes")), ensure_ascii=False
    )


def test_editing_a_partys_numbers_records_the_change_but_not_the_numbers(world, applicant):
    case = applicant.case
    new_id = make_id_number(sequence=457)  # odd: a man, as the party is
    new_mobile = "13698765432"

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={},
        parties=[{"id": applicant.pk, "id_number": new_id, "mobile": new_mobile}],
    )

    applicant.refresh_from_db()
    assert (applicant.id_number, applicant.mobile) == (new_id, new_mobile)
    event = CaseEvent.objects.get(case=case, kind=EventKind.EDITED)
    assert event.changes == {
        "张三·身份证号码": ["***", "***"],
        "张三·手机号码": ["***", "***"],
    }
    history = _history_text(case)
    for secret in (ID_NUMBER, new_id, MOBILE, new_mobile, ID_NUMBER[6:14], MOBILE[3:7]):
        assert secret not in history


def test_adding_a_party_with_numbers_keeps_them_out_of_the_history(world, applicant):
    case = applicant.case
    third_id = make_id_number(sequence=789)

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={},
        parties=[
            {
                "role": PartyRole.OTHER,
                "name": "王五",
                "id_number": third_id.lower(),
                "mobile": "+86 137 0000 1111",
            }
        ],
    )

    third = case.parties.get(name="王五")
    assert (third.id_number, third.mobile) == (third_id, "13700001111")
    changes = CaseEvent.objects.get(case=case, kind=EventKind.EDITED).changes
    assert changes["王五·身份证号码"] == ["***", "***"]
    assert changes["王五·手机号码"] == ["***", "***"]
    assert changes["王五·姓名/名称"] == ["", "王五"]
    history = _history_text(case)
    assert third_id not in history
    assert "13700001111" not in history


def test_re_entering_the_same_numbers_in_another_spelling_is_not_a_change(world, applicant):
    case = applicant.case

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={},
        parties=[
            {"id": applicant.pk, "id_number": ID_NUMBER.lower(), "mobile": "+86 139 1234 5678"}
        ],
    )

    assert not CaseEvent.objects.filter(case=case, kind=EventKind.EDITED).exists()


def test_other_party_fields_are_recorded_in_clear(world, applicant):
    case = applicant.case

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={"title": "宅基地院墙纠纷"},
        parties=[{"id": applicant.pk, "address": "二组8号"}],
    )

    changes = CaseEvent.objects.get(case=case, kind=EventKind.EDITED).changes
    assert changes == {
        "案件名称": ["宅基地边界纠纷", "宅基地院墙纠纷"],
        "张三·住址": ["一组12号", "二组8号"],
    }


def test_an_invalid_id_number_in_an_edit_is_refused_and_nothing_changes(world, applicant):
    case = applicant.case
    events = CaseEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.case_update(
            case=case,
            by=world.secretary_a,
            data={"title": "新标题"},
            parties=[{"id": applicant.pk, "id_number": "360426199101010072"}],
        )

    assert excinfo.value.message_dict == {
        "parties.0.id_number": ["身份证号码校验位不正确,请核对后重新输入。"]
    }
    applicant.refresh_from_db()
    assert applicant.id_number == ID_NUMBER
    assert Case.objects.get(pk=case.pk).title == "宅基地边界纠纷"
    assert CaseEvent.objects.count() == events


def test_no_event_of_a_whole_case_life_holds_a_number_in_clear(world, applicant):
    case = applicant.case
    accept(case, world.secretary_a, [world.mediator_a])
    services.case_update(
        case=case,
        by=world.secretary_a,
        data={"summary": "补充案情。"},
        parties=[{"id": applicant.pk, "mobile": "13512345678"}],
    )
    reveal(applicant, world.secretary_a, Action.REVEAL_ID_NUMBER)

    history = _history_text(case)
    for secret in (ID_NUMBER, MOBILE, "13512345678"):
        assert secret not in history
