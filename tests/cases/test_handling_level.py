"""Who handles what grade (三三调处, seed 001): blue the grid member, yellow the village
committee team, red the town's professional team of 司法所, 人民法庭 and 派出所. The
grade's policy names the level and the kind of team; acceptance hands the case to such a
team; below the handling level every role reads the case and records nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases import services
from cases.models import (
    Escalation,
    EscalationStatus,
    Grade,
    GradePolicy,
    HandlingLevel,
    SessionResult,
)
from cases.selectors import visible_cases
from mediators.models import Organisation, OrganisationKind
from tests.api.conftest import token_client
from tests.builders import (
    accept,
    accepted_at_town,
    accepted_case,
    record_session,
    refresh,
)
from tests.cases.helpers import row_counts
from tests.factories import OrganisationFactory, register_case
from tests.web.helpers import html

TOWN_ONLY = "该案件由乡镇(街道)处置,本级可查看,不能记录调解。"


def test_the_grade_policies_name_the_seeds_level_and_team_for_each_grade(db):
    assert {p.grade: (p.default_level, p.team_kind) for p in GradePolicy.objects.all()} == {
        Grade.BLUE: (HandlingLevel.GRID, ""),
        Grade.YELLOW: (HandlingLevel.VILLAGE, OrganisationKind.VILLAGE_COMMITTEE),
        Grade.RED: (HandlingLevel.TOWN, OrganisationKind.PROFESSIONAL_TEAM),
    }


# ---------------------------------------------------------------------------
# Acceptance hands the case to its grade's team
# ---------------------------------------------------------------------------


def test_a_red_case_a_village_secretary_registers_goes_to_the_towns_professional_team(world):
    case = register_case(world.secretary_a, grade=Grade.RED)
    assert case.level == HandlingLevel.TOWN

    with pytest.raises(PermissionDenied) as refused:
        accept(case, world.secretary_a, [world.mediator_a])
    assert str(refused.value) == "该案件由乡镇(街道)处置,本级可查看,不能受理并指派。"

    case = accept(case, world.clerk_a, [world.town_mediator_a])
    assert (case.organisation, case.owner) == (world.team_a, world.clerk_a)


def test_a_yellow_case_is_handed_to_its_villages_committee(world):
    case = accepted_case(world, world.grid_a)

    assert case.level == HandlingLevel.VILLAGE
    assert case.organisation == Organisation.objects.get(area=world.village_a)


def test_with_two_professional_teams_the_town_must_choose_one(world):
    OrganisationFactory(
        name="枫桥镇第二专业调处团队", kind=OrganisationKind.PROFESSIONAL_TEAM, area=world.town_a
    )
    case = register_case(world.secretary_a, grade=Grade.RED)
    counts = row_counts()

    with pytest.raises(ValidationError) as refused:
        accept(case, world.clerk_a, [world.town_mediator_a])

    assert refused.value.message_dict == {
        "organisation": ["红色(重大)纠纷须由专业调处团队(派出所/司法所/人民法庭)处置,请选择。"]
    }
    assert row_counts() == counts


def test_without_an_active_professional_team_a_red_case_cannot_be_accepted(world):
    Organisation.objects.filter(pk=world.team_a.pk).update(is_active=False)
    case = register_case(world.secretary_a, grade=Grade.RED)

    with pytest.raises(ValidationError) as refused:
        accept(case, world.clerk_a, [world.town_mediator_a])

    assert refused.value.message_dict == {
        "organisation": [
            "红色(重大)纠纷须由专业调处团队(派出所/司法所/人民法庭)处置,"
            "本辖区还没有启用的此类调解组织,请先在后台登记。"
        ]
    }
    assert refresh(case).organisation is None


def test_a_yellow_case_registered_at_the_town_is_past_any_village_committee(world):
    case = register_case(world.clerk_a, world.town_a)

    case = accept(case, world.clerk_a, [world.town_mediator_a])

    assert (case.level, case.organisation) == (HandlingLevel.TOWN, None)


def test_the_team_a_grade_needs_is_the_policy_an_office_edits(world):
    GradePolicy.objects.filter(grade=Grade.RED).update(team_kind=OrganisationKind.TOWN_COMMITTEE)
    committee = OrganisationFactory(
        name="枫桥镇人民调解委员会", kind=OrganisationKind.TOWN_COMMITTEE, area=world.town_a
    )

    case = accepted_at_town(world)

    assert case.organisation == committee


# ---------------------------------------------------------------------------
# Below the handling level: read, never record
# ---------------------------------------------------------------------------


def test_the_towns_team_records_a_red_case_the_village_only_follows_it(world):
    case = accepted_at_town(world)
    counts = row_counts()

    with pytest.raises(PermissionDenied) as refused:
        record_session(case, world.secretary_a, [world.town_mediator_a])
    assert str(refused.value) == TOWN_ONLY
    assert row_counts() == counts
    assert visible_cases(world.secretary_a).filter(pk=case.pk).exists()

    outcome = record_session(case, world.town_mediator_user_a, [world.town_mediator_a])
    assert outcome.session.level == HandlingLevel.TOWN


def test_after_a_hand_up_the_village_secretary_and_mediator_only_follow_the_case(world):
    case = accepted_case(world)
    record_session(case, world.mediator_user_a, [world.mediator_a], SessionResult.NOT_RESOLVED)
    services.escalation_propose(case=case, by=world.secretary_a, reason="村级调解未成")
    services.escalation_decide(case=case, by=world.supervisor_a, accept=True)

    for villager in (world.secretary_a, world.mediator_user_a):
        with pytest.raises(PermissionDenied) as refused:
            record_session(case, villager, [world.mediator_a])
        assert str(refused.value) == TOWN_ONLY
        assert visible_cases(villager).filter(pk=case.pk).exists()
    # The town, which took it, records.
    assert record_session(case, world.clerk_a, [world.mediator_a]).session.recorded_by == (
        world.clerk_a
    )


def test_once_the_county_centre_takes_a_case_the_towns_team_only_follows_it(world):
    case = accepted_at_town(world)
    for _ in range(3):
        record_session(
            case, world.town_mediator_user_a, [world.town_mediator_a], SessionResult.NOT_RESOLVED
        )
    proposal = Escalation.objects.get(case=case, status=EscalationStatus.PROPOSED)
    assert proposal.to_level == HandlingLevel.DISTRICT

    services.escalation_decide(case=case, by=world.supervisor_district, accept=True)

    with pytest.raises(PermissionDenied) as refused:
        record_session(case, world.town_mediator_user_a, [world.town_mediator_a])
    assert str(refused.value) == "该案件由县级矛调中心处置,本级可查看,不能记录调解。"


def test_the_case_page_shows_a_lower_level_the_case_but_no_step_it_cannot_take(client, world):
    case = accepted_at_town(world)
    client.force_login(world.secretary_a)

    page = client.get(reverse("cases:detail", args=[case.pk]))
    session_page = client.get(reverse("cases:session_create", args=[case.pk]))
    api = token_client(world.secretary_a).get(f"/api/v1/cases/{case.pk}/")

    assert page.status_code == 200
    offered = [str(action.label) for action, _url, _secondary in page.context["action_links"]]
    # Recording the applicant's withdrawal and keeping the ledger stay with the village.
    assert offered == ["撤回", "修改案件信息", "作废"]
    assert "该案件由乡镇(街道)(枫桥镇专业调处团队)处置,本级可查看进展,调解、协议等由其记录。" in (
        html(page)
    )
    assert session_page.status_code == 403
    assert TOWN_ONLY in html(session_page)
    assert api.status_code == 200


def test_the_handling_level_sees_no_note_and_every_step_it_may_take(client, world):
    case = accepted_at_town(world)
    client.force_login(world.clerk_a)

    page = client.get(reverse("cases:detail", args=[case.pk]))

    assert "本级可查看进展" not in html(page)
    assert "记录调解" in [str(a.label) for a, _url, _secondary in page.context["action_links"]]
