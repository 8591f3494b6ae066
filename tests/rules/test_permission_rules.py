"""Who may take a step: a role the step is not for is turned away alike by the page (403,
or 404 for a case outside the user's area), the API (the same status, with the service's
words) and the admin, and nothing is written."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from cases.models import Agreement, Case
from tests.admin.conftest import admin_url, post_data_from
from tests.api.conftest import token_client
from tests.rules.doors import CASES_API, api_refusal, state
from tests.rules.steps import (
    STEPS,
    accepted,
    escalation_pending,
    handed_up_to_the_town,
    red_agreed_at_the_town,
    red_at_the_town,
    red_registered,
    registered,
)

NOT_FOUND = "未找到。"


@dataclass(frozen=True)
class Refusal:
    case: object
    by: str
    step: str
    status: int
    message: str


REFUSALS = {
    "a supervisor recording a session": Refusal(
        accepted, "supervisor_a", "session", 403, "您没有权限记录调解。"
    ),
    "a mediator voiding a case assigned to them": Refusal(
        accepted, "mediator_user_a", "void", 403, "您没有权限作废。"
    ),
    "a mediator accepting a case": Refusal(
        accepted, "mediator_user_a", "accept", 403, "您没有权限受理并指派。"
    ),
    "a grid member changing a village case's grade": Refusal(
        registered, "grid_member_a", "grade", 404, NOT_FOUND
    ),
    "a village secretary answering an escalation to the town": Refusal(
        escalation_pending, "secretary_a", "decide", 403, "您没有权限接收/退回上报。"
    ),
    "a supervisor answering an escalation that nobody proposed": Refusal(
        accepted, "supervisor_a", "decide", 403, "您没有权限接收/退回上报。"
    ),
    "the secretary of another village accepting a case": Refusal(
        registered, "secretary_b", "accept", 404, NOT_FOUND
    ),
    "the secretary of the neighbouring village closing a case": Refusal(
        registered, "secretary_a2", "close", 404, NOT_FOUND
    ),
    "a district supervisor recording a session on a village case": Refusal(
        registered, "supervisor_district", "session", 403, "您没有权限记录调解。"
    ),
    # 三三调处: below the level handling the case, every role only reads it.
    "a village secretary accepting a red case": Refusal(
        red_registered,
        "secretary_a",
        "accept",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能受理并指派。",
    ),
    "a village secretary turning a red case away": Refusal(
        red_registered,
        "secretary_a",
        "not_accept",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能不予受理。",
    ),
    "a village secretary recording a session on a red case at the town": Refusal(
        red_at_the_town,
        "secretary_a",
        "session",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能记录调解。",
    ),
    "a village secretary recording how the town's agreement is carried out": Refusal(
        red_agreed_at_the_town,
        "secretary_a",
        "agreement_update",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能记录履行情况。",
    ),
    "a village secretary cooling a red case at the town": Refusal(
        red_at_the_town,
        "secretary_a",
        "grade",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能调整等级。",
    ),
    "a village secretary proposing a hand-up of a case the town took": Refusal(
        handed_up_to_the_town,
        "secretary_a",
        "escalate",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能提级调处。",
    ),
    "a village secretary failing a case the town took": Refusal(
        handed_up_to_the_town,
        "secretary_a",
        "fail",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能调解不成。",
    ),
    "a village mediator recording a session on a case the town took": Refusal(
        handed_up_to_the_town,
        "mediator_user_a",
        "session",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能记录调解。",
    ),
    "a village mediator recording an agreement on a case the town took": Refusal(
        handed_up_to_the_town,
        "mediator_user_a",
        "agreement",
        403,
        "该案件由乡镇(街道)处置,本级可查看,不能记录调解协议。",
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_role_the_step_is_not_for_is_turned_away_alike_by_the_page_and_the_api(
    client, world, refusal
):
    case = refusal.case(world)
    step = STEPS[refusal.step]
    by = getattr(world, refusal.by)
    before = state()

    client.force_login(by)
    page_get = client.get(reverse(f"cases:{step.page}", args=[case.pk]))
    page_post = client.post(
        reverse(f"cases:{step.page}", args=[case.pk]), step.page_data(world, case)
    )
    api = token_client(by).post(
        f"{CASES_API}{case.pk}/{step.api}/", step.api_data(world, case), format="json"
    )

    assert {
        "page (GET)": page_get.status_code,
        "page (POST)": page_post.status_code,
        "api": api_refusal(api, api.status_code),
    } == {
        "page (GET)": refusal.status,
        "page (POST)": refusal.status,
        "api": [(None, refusal.message)],
    }
    assert api.status_code == refusal.status
    assert state() == before


def test_a_supervisor_correcting_a_case_is_turned_away_alike_by_the_page_the_api_and_the_admin(
    client, world
):
    case = registered(world)
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(Case, "change", case.pk)))
    data["title"] = "督导改名"
    before = state()

    client.force_login(world.supervisor_a)
    page = client.post(reverse("cases:edit", args=[case.pk]), {"title": "督导改名"})
    api = token_client(world.supervisor_a).patch(
        f"{CASES_API}{case.pk}/", {"title": "督导改名"}, format="json"
    )
    admin = client.post(admin_url(Case, "change", case.pk), data)

    assert {
        "page": page.status_code,
        "api": api_refusal(api, api.status_code),
        "admin": admin.status_code,
    } == {
        "page": 403,
        "api": [(None, "您没有权限修改案件信息。")],
        "admin": 403,
    }
    assert state() == before


def test_a_town_clerk_recording_performance_on_a_case_the_county_took_is_turned_away_everywhere(
    client, world
):
    case = red_agreed_at_the_town(world)
    client.force_login(world.clerk_a)
    url = admin_url(Agreement, "change", case.agreement.pk)
    data = {**post_data_from(client.get(url)), "performance": "fulfilled"}
    # Set directly: the county centre has taken the case (三三调处's last level).
    Case.objects.filter(pk=case.pk).update(level="district")
    message = "该案件由县级矛调中心处置,本级可查看,不能记录履行情况。"
    before = state()

    admin = client.post(url, data)
    page = client.post(
        reverse("cases:agreement_update", args=[case.pk]), {"performance": "fulfilled"}
    )
    api = token_client(world.clerk_a).post(
        f"{CASES_API}{case.pk}/agreement/update/", {"performance": "fulfilled"}, format="json"
    )

    assert {
        "admin": admin.status_code,
        "page": page.status_code,
        "api": api_refusal(api, api.status_code),
    } == {"admin": 403, "page": 403, "api": [(None, message)]}
    assert state() == before
