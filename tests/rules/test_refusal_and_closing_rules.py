"""Refusal of mediation (人民调解法 art. 17) and 销号 with the follow-ups done or waived
(issue 11, items 4 and 5), each rule tried with the same input at the step's page and at
its API endpoint (and the admin where the back office takes the step): every door
refuses with the same words, and nothing is written."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, FollowUp, Refusal
from tests.admin.conftest import admin_url
from tests.api.conftest import token_client
from tests.factories import register_case
from tests.rules.doors import CASES_API, admin_refusal, api_refusal, state
from tests.rules.steps import (
    STEPS,
    accepted,
    agreed,
    agreed_and_fulfilled,
    agreed_in_grid_a_at_village_level,
    days_ago,
    in_mediation,
    registered,
)
from tests.rules.test_permission_rules import Refusal as TurnedAway
from tests.rules.test_workflow_rules import Rule, _tried_at_page_and_api

ROUTES = "调解不成时,应告知当事人可依法通过仲裁、行政、司法等途径维护权利。"
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def _outstanding_visits_message(case: Case) -> str:
    visits = ";".join(
        f"{visit.get_kind_display()},应于{timezone.localtime(visit.due_at):%Y-%m-%d}前完成"
        for visit in FollowUp.objects.filter(case=case, done_at=None).order_by("due_at")
    )
    return f"尚有回访未完成,不能销号:{visits}。请完成回访,或由办理层级或以上的人员写明理由后免除。"


# ---------------------------------------------------------------------------
# A step the case's status does not allow
# ---------------------------------------------------------------------------

WRONG_STATUS = {
    "recording a refusal once the case is resolved": Rule(
        agreed, "refusal", "案件当前状态为“调解成功”,不能登记当事人拒绝调解。"
    ),
    "waiving a visit while the case is still in mediation": Rule(
        in_mediation, "waive", "案件当前状态为“调解中”,不能免除回访。"
    ),
}


@pytest.mark.parametrize("rule", WRONG_STATUS.values(), ids=WRONG_STATUS.keys())
def test_a_refusal_or_waiver_the_status_does_not_allow_is_refused_alike(client, world, rule):
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(None, rule.message)],
    }


def test_closing_before_the_visits_are_made_names_each_visit_alike_at_the_page_and_the_api(
    client, world
):
    # Built once, so the message can name the visits' due days.
    case = agreed_and_fulfilled(world)
    message = _outstanding_visits_message(case)
    rule = Rule(lambda world: case, "close", message)

    assert "电话回访(24小时内)" in message and "上门走访(7日内)" in message
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [message],
        "api": [(None, message)],
    }


# ---------------------------------------------------------------------------
# What a refusal and a waiver must be told
# ---------------------------------------------------------------------------

STEP_RULES = {
    "a refusal that does not say which party refused": Rule(
        registered,
        "refusal",
        "请选择明确拒绝调解的当事人。",
        "party",
        page={"party": ""},
        api={"party": None},
    ),
    "a refusal without its date": Rule(
        accepted,
        "refusal",
        "请填写当事人拒绝调解的日期。",
        "refused_on",
        page={"refused_on": ""},
        api={"refused_on": None},
    ),
    "a refusal dated before the case was registered": Rule(
        registered,
        "refusal",
        "拒绝日期不能早于登记日期。",
        "refused_on",
        page={"refused_on": days_ago(6).isoformat()},
    ),
    "a refusal dated in the future": Rule(
        in_mediation,
        "refusal",
        "日期不能晚于今天。",
        "refused_on",
        page={"refused_on": TOMORROW.isoformat()},
    ),
    "a refusal without telling the parties their other routes": Rule(
        registered,
        "refusal",
        ROUTES,
        "routes_explained",
        page={"routes_explained": ""},
        api={"routes_explained": False},
    ),
    "failing for a refusal without saying which party refused": Rule(
        accepted,
        "fail",
        "请选择明确拒绝调解的当事人。",
        "party",
        page={"failure_reason": "party_refused", "refused_on": days_ago(1).isoformat()},
        api={
            "failure_reason": "party_refused",
            "refused_on": days_ago(1).isoformat(),
            "routes_explained": True,
        },
    ),
    "waiving a visit without a reason": Rule(
        agreed, "waive", "请填写原因。", "reason", page={"reason": "   "}
    ),
    "waiving without saying which visit": Rule(
        agreed,
        "waive",
        "请选择要免除的回访。",
        "follow_up",
        page={"follow_up": ""},
        api={"follow_up": None},
    ),
}


@pytest.mark.parametrize("rule", STEP_RULES.values(), ids=STEP_RULES.keys())
def test_what_a_refusal_or_waiver_must_be_told_is_refused_alike(client, world, rule):
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(rule.field, rule.message)],
    }


def test_a_refusal_by_a_party_of_another_case_is_refused_alike(client, world):
    stranger = register_case(world.secretary_a).parties.first()
    rule = Rule(
        registered,
        "refusal",
        "拒绝调解的当事人必须是本案当事人。",
        "party",
        page={"party": stranger.pk},
    )

    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [("party", rule.message)],
    }


def test_waiving_a_visit_already_made_is_refused_alike(client, world):
    case = agreed(world)
    made = case.follow_ups.get(kind="phone")
    made.done_at = timezone.now()
    made.save(update_fields=["done_at"])
    rule = Rule(
        lambda world: case,
        "waive",
        "只能免除本案尚未完成的回访。",
        "follow_up",
        page={"follow_up": made.pk},
    )

    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [("follow_up", rule.message)],
    }


def test_the_admin_refuses_a_refusal_dated_before_registration_in_the_same_words(client, world):
    case = registered(world)
    client.force_login(world.clerk_a)
    before = state()

    response = client.post(
        admin_url(Refusal, "add"),
        {
            "case": case.pk,
            "party": case.parties.get(role="respondent").pk,
            "refused_on": days_ago(6).isoformat(),
            "note": "",
            "routes_explained": "on",
        },
    )

    assert admin_refusal(response) == ["拒绝日期不能早于登记日期。"]
    assert state() == before


def test_the_admin_refuses_a_refusal_without_the_routes_told_in_the_same_words(client, world):
    case = registered(world)
    client.force_login(world.clerk_a)
    before = state()

    response = client.post(
        admin_url(Refusal, "add"),
        {
            "case": case.pk,
            "party": case.parties.get(role="respondent").pk,
            "refused_on": timezone.localdate().isoformat(),
        },
    )

    assert admin_refusal(response) == [ROUTES]
    assert state() == before


def test_the_admin_waiver_action_refuses_a_visit_already_made_in_the_same_words(client, world):
    case = agreed(world)
    made = case.follow_ups.get(kind="phone")
    made.done_at = timezone.now()
    made.save(update_fields=["done_at"])
    client.force_login(world.clerk_a)
    before = state()

    response = client.post(
        admin_url(FollowUp, "changelist"),
        {
            "action": "waive_selected",
            "_selected_action": [made.pk],
            "apply": "1",
            "reason": "已完成",
        },
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"{case.number} 的电话回访(24小时内)未免除:只能免除本案尚未完成的回访。"
    ]
    assert state() == before


# ---------------------------------------------------------------------------
# Who may waive a visit: at or above the handling level
# ---------------------------------------------------------------------------

TURNED_AWAY = {
    "a mediator waiving a visit": TurnedAway(
        agreed, "mediator_user_a", "waive", 403, "您没有权限免除回访。"
    ),
    "a grid member waiving a visit of a case the village handles": TurnedAway(
        agreed_in_grid_a_at_village_level,
        "grid_member_a",
        "waive",
        403,
        "该案件由村(社区)处置,本级可查看,不能免除回访。",
    ),
    "a supervisor recording a refusal": TurnedAway(
        registered, "supervisor_a", "refusal", 403, "您没有权限登记当事人拒绝调解。"
    ),
}


@pytest.mark.parametrize("refusal", TURNED_AWAY.values(), ids=TURNED_AWAY.keys())
def test_someone_below_the_handling_level_is_turned_away_alike_by_the_page_and_the_api(
    client, world, refusal
):
    case = refusal.case(world)
    step = STEPS[refusal.step]
    by = getattr(world, refusal.by)
    before = state()

    client.force_login(by)
    page = client.post(reverse(f"cases:{step.page}", args=[case.pk]), step.page_data(world, case))
    api = token_client(by).post(
        f"{CASES_API}{case.pk}/{step.api}/", step.api_data(world, case), format="json"
    )

    assert page.status_code == refusal.status
    assert api_refusal(api, refusal.status) == [(None, refusal.message)]
    assert state() == before


# ---------------------------------------------------------------------------
# The back office takes the same steps through the same services
# ---------------------------------------------------------------------------


def test_the_admin_records_a_refusal_through_the_service(client, world):
    case = registered(world)
    respondent = case.parties.get(role="respondent")
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(Refusal, "add"),
        {
            "case": case.pk,
            "party": respondent.pk,
            "refused_on": timezone.localdate().isoformat(),
            "note": "电话中明确表示不接受调解",
            "routes_explained": "on",
        },
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.refusal.party, case.refusal.recorded_by) == (
        "failed",
        respondent,
        world.clerk_a,
    )
    assert case.events.order_by("pk").last().actor == world.clerk_a


def test_the_admin_waives_the_selected_visits_through_the_service(client, world):
    case = agreed(world)
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(FollowUp, "changelist"),
        {
            "action": "waive_selected",
            "_selected_action": list(case.follow_ups.values_list("pk", flat=True)),
            "apply": "1",
            "reason": "当事人已迁居外省,电话确认履行完毕",
        },
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["已免除2次回访。"]
    assert set(case.follow_ups.values_list("waived_by__username", "waive_reason")) == {
        ("clerk_a", "当事人已迁居外省,电话确认履行完毕")
    }
