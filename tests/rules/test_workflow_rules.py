"""The rules of each workflow step, each tried with the same bad input at the step's page
and at its API endpoint (and, where the back office can take the step, the admin): every
door refuses with the same words, and nothing is written."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Agreement, Case
from mediators.models import Organisation
from tests.admin.conftest import admin_url, post_data_from
from tests.api.conftest import token_client
from tests.builders import now_minute
from tests.factories import register_case
from tests.rules.doors import CASES_API, admin_refusal, api_refusal, page_refusal, state
from tests.rules.steps import (
    STEPS,
    accepted,
    agreed,
    agreed_forty_days_ago,
    agreed_in_writing_unsigned,
    agreed_three_days_ago,
    at_the_district,
    days_ago,
    escalation_pending,
    good_agreement,
    in_mediation,
    not_accepted,
    petition_extended,
    petition_in_mediation,
    red_registered,
    registered,
    term_extended,
    voided,
)
from tests.web.helpers import datetime_input

OMIT = object()  # a field left out of the submission altogether


@dataclass(frozen=True)
class Rule:
    case: Callable[[object], Case]
    step: str
    message: str
    field: str | None = None  # the field the API names; None for the request as a whole
    page: dict | None = None  # changes to the step's good page submission
    api: dict | None = None  # changes to its good API submission; the page's by default
    by: str = "secretary_a"


def _tried_at_page_and_api(client, world, rule: Rule) -> dict:
    """The same submission at the step's page and at its endpoint, by the same person."""
    case = rule.case(world)
    step = STEPS[rule.step]
    by = getattr(world, rule.by)
    page_data = {**step.page_data(world, case), **(rule.page or {})}
    api_changes = rule.api if rule.api is not None else rule.page
    api_data = {**step.api_data(world, case), **(api_changes or {})}
    api_data = {key: value for key, value in api_data.items() if value is not OMIT}
    before = state()

    client.force_login(by)
    page = client.post(reverse(f"cases:{step.page}", args=[case.pk]), page_data)
    api = token_client(by).post(f"{CASES_API}{case.pk}/{step.api}/", api_data, format="json")

    refused = {"page": page_refusal(client, page), "api": api_refusal(api)}
    assert state() == before
    return refused


# ---------------------------------------------------------------------------
# A step the case's status does not allow
# ---------------------------------------------------------------------------

WRONG_STATUS = {
    "accepting a case twice": Rule(accepted, "accept", "案件当前状态为“已受理”,不能受理并指派。"),
    "refusing a case already accepted": Rule(
        accepted, "not_accept", "案件当前状态为“已受理”,不能不予受理。"
    ),
    "withdrawing a case that was not accepted": Rule(
        not_accepted, "withdraw", "案件当前状态为“不予受理”,不能撤回。"
    ),
    "withdrawing a voided case": Rule(voided, "withdraw", "案件当前状态为“已作废”,不能撤回。"),
    "voiding a voided case": Rule(voided, "void", "案件当前状态为“已作废”,不能作废。"),
    "recording a session before the case is accepted": Rule(
        registered, "session", "案件当前状态为“已登记”,不能记录调解。"
    ),
    "recording an investigation before the case is accepted": Rule(
        registered, "investigation", "案件当前状态为“已登记”,不能记录调查。"
    ),
    "recording an investigation once the agreement awaits signing": Rule(
        agreed_in_writing_unsigned, "investigation", "案件当前状态为“协议待签”,不能记录调查。"
    ),
    "recording an agreement before any mediation": Rule(
        accepted, "agreement", "案件当前状态为“已受理”,不能记录调解协议。"
    ),
    "recording a second agreement": Rule(
        agreed, "agreement", "案件当前状态为“调解成功”,不能记录调解协议。"
    ),
    "signing an agreement that is already in force": Rule(
        agreed, "sign", "案件当前状态为“调解成功”,不能记录协议签署。"
    ),
    "signing before any agreement is recorded": Rule(
        in_mediation, "sign", "案件当前状态为“调解中”,不能记录协议签署。"
    ),
    "updating an agreement before the case is resolved": Rule(
        in_mediation, "agreement_update", "案件当前状态为“调解中”,不能记录履行情况。"
    ),
    "recording a follow-up before the case is resolved": Rule(
        in_mediation, "follow_up", "案件当前状态为“调解中”,不能记录回访。"
    ),
    "escalating a case already waiting for the level above": Rule(
        escalation_pending, "escalate", "案件已提级调处,正在等待上级接收。"
    ),
    "escalating a case already at the district": Rule(
        at_the_district, "escalate", "案件已在县级处置,无法继续上报。", by="clerk_district"
    ),
    "failing a case not yet accepted": Rule(
        registered, "fail", "案件当前状态为“已登记”,不能调解不成。"
    ),
    "closing a registered case": Rule(registered, "close", "案件当前状态为“已登记”,不能销号。"),
    "closing before the agreement is carried out": Rule(
        agreed, "close", "调解协议尚未履行完毕,不能销号。"
    ),
    "extending the term of a case not yet accepted": Rule(
        registered, "extend_term", "案件当前状态为“已登记”,不能延长调解期限。"
    ),
    "extending the term beyond the number of extensions allowed": Rule(
        term_extended, "extend_term", "调解期限已按规则延长,不能再延长。"
    ),
    "extending a case that came from no petition as a petition": Rule(
        in_mediation, "extend_petition", "该案件不是信访件,没有信访办理期限。"
    ),
    "extending a petition a second time": Rule(
        petition_extended, "extend_petition", "信访件只能延期一次,该案件已延期。"
    ),
}


@pytest.mark.parametrize("rule", WRONG_STATUS.values(), ids=WRONG_STATUS.keys())
def test_a_step_the_status_does_not_allow_is_refused_alike_by_the_page_and_the_api(
    client, world, rule
):
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(None, rule.message)],
    }


def test_voiding_a_voided_case_is_refused_alike_by_the_admin_action(client, world):
    case = voided(world)
    client.force_login(world.clerk_a)
    before = state()

    response = client.post(
        admin_url(Case, "changelist") + "?status__exact=voided",
        {
            "action": "void_selected",
            "_selected_action": [case.pk],
            "apply": "1",
            "reason": "再次作废",
        },
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"{case.number} 未作废:案件当前状态为“已作废”,不能作废。"
    ]
    assert state() == before


# ---------------------------------------------------------------------------
# What a step needs to be told
# ---------------------------------------------------------------------------

REASON = "请填写原因。"

STEP_RULES = {
    "refusing a case with a blank reason": Rule(
        registered, "not_accept", REASON, "reason", page={"reason": "   "}
    ),
    "withdrawing a case with a blank reason": Rule(
        registered, "withdraw", REASON, "reason", page={"reason": "   "}
    ),
    "voiding a case with a blank reason": Rule(
        registered, "void", REASON, "reason", page={"reason": "   "}
    ),
    "changing the grade with a blank reason": Rule(
        registered, "grade", REASON, "reason", page={"grade": "blue", "reason": "   "}
    ),
    "changing the grade to the grade it has": Rule(
        registered,
        "grade",
        "新等级与当前等级相同。",
        "grade",
        page={"grade": "yellow", "reason": "复核"},
    ),
    "returning an escalation without a reason": Rule(
        escalation_pending,
        "decide",
        REASON,
        "note",
        page={"accept": "no", "note": "   "},
        api={"accept": False, "note": "   "},
        by="supervisor_a",
    ),
    "failing without telling the parties their other routes": Rule(
        in_mediation,
        "fail",
        "调解不成时,应告知当事人可依法通过仲裁、行政、司法等途径维护权利。",
        "routes_explained",
        page={"routes_explained": ""},
        api={"routes_explained": False},
    ),
    "failing for failed sessions when none was held": Rule(
        accepted,
        "fail",
        "尚无调解记录:请先记录调解,或选择当事人拒绝调解。",
        "failure_reason",
    ),
    "accepting on a day before the case was registered": Rule(
        registered,
        "accept",
        f"受理日期不能早于登记日期({days_ago(5).isoformat()})。",
        "accepted_on",
        page={"accepted_on": days_ago(6).isoformat()},
    ),
    "accepting on a day still to come": Rule(
        registered,
        "accept",
        "受理日期不能晚于今天。",
        "accepted_on",
        page={"accepted_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
    ),
    "extending the term without both parties' consent": Rule(
        in_mediation,
        "extend_term",
        "延长调解期限须经双方当事人同意。",
        "parties_consented",
        page={"parties_consented": ""},
        api={"parties_consented": False},
    ),
    "extending the term longer than the policy allows": Rule(
        in_mediation,
        "extend_term",
        "最多还能延长30天。",
        "days",
        page={"days": "31"},
        api={"days": 31},
    ),
    "extending the term with a blank reason": Rule(
        in_mediation, "extend_term", REASON, "reason", page={"reason": "   "}
    ),
    "extending a petition with a blank reason": Rule(
        petition_in_mediation, "extend_petition", REASON, "reason", page={"reason": "   "}
    ),
    "a reason holding a control character": Rule(
        registered,
        "not_accept",
        "不能包含控制字符或不可见字符,请删除后重新输入。",
        "reason",
        page={"reason": "当事人\x1b要求"},
    ),
}


@pytest.mark.parametrize("rule", STEP_RULES.values(), ids=STEP_RULES.keys())
def test_what_a_step_must_be_told_is_refused_alike_by_the_page_and_the_api(client, world, rule):
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(rule.field, rule.message)],
    }


# ---------------------------------------------------------------------------
# Who mediates, and when
# ---------------------------------------------------------------------------

PEOPLE_AND_DATES = {
    "accepting with a mediator of another town": Rule(
        registered,
        "accept",
        "所选调解员不在本辖区或已停用。",
        "mediators",
        page={"mediators": []},  # replaced in the test: the mediator is made there
    ),
    "accepting with an owner of another village": Rule(
        registered,
        "accept",
        "责任人必须是案件所在区域的工作人员。",
        "owner",
        page={},  # replaced in the test
    ),
    "a session led by a mediator of another town": Rule(
        accepted, "session", "所选调解员不在本辖区或已停用。", "mediators", page={}
    ),
    "a session with no mediator": Rule(
        accepted, "session", "请选择主持调解的调解员。", "mediators", page={"mediators": []}
    ),
    "a session held before the case was registered": Rule(
        accepted,
        "session",
        "调解时间不能早于登记日期。",
        "held_at",
        page={"held_at": datetime_input(now_minute() - datetime.timedelta(days=6))},
        api={"held_at": (now_minute() - datetime.timedelta(days=6)).isoformat()},
    ),
    "a session held in the future": Rule(
        accepted,
        "session",
        "日期不能晚于今天。",
        "held_at",
        page={"held_at": datetime_input(now_minute() + datetime.timedelta(days=2))},
        api={"held_at": (now_minute() + datetime.timedelta(days=2)).isoformat()},
    ),
    "a session with a party of another case present": Rule(
        accepted, "session", "到场当事人必须是本案当事人。", "parties_present", page={}
    ),
    "an investigation by a mediator of another town": Rule(
        accepted, "investigation", "所选调解员不在本辖区或已停用。", "investigators", page={}
    ),
    "an investigation with no investigator": Rule(
        accepted,
        "investigation",
        "请选择进行调查的调解员。",
        "investigators",
        page={"investigators": []},
    ),
    "an investigation held before the case was registered": Rule(
        accepted,
        "investigation",
        "调查时间不能早于登记日期。",
        "held_at",
        page={"held_at": datetime_input(now_minute() - datetime.timedelta(days=6))},
        api={"held_at": (now_minute() - datetime.timedelta(days=6)).isoformat()},
    ),
}


def _outsiders(world, name: str, rule: Rule) -> Rule:
    """Fill in the people from elsewhere, who exist only once the world does."""
    other_party = register_case(world.secretary_b).parties.first()
    changes = {
        "accepting with a mediator of another town": (
            {"mediators": [world.mediator_b.pk]},
            {"mediators": [world.mediator_b.pk]},
        ),
        "accepting with an owner of another village": (
            {"owner": world.secretary_b.pk},
            {"owner": world.secretary_b.username},
        ),
        "a session led by a mediator of another town": (
            {"mediators": [world.mediator_b.pk]},
            {"mediators": [world.mediator_b.pk]},
        ),
        "an investigation by a mediator of another town": (
            {"investigators": [world.mediator_b.pk]},
            {"investigators": [world.mediator_b.pk]},
        ),
        "a session with a party of another case present": (
            {"parties_present": [other_party.pk]},
            {"parties_present": [other_party.pk]},
        ),
    }.get(name)
    if changes is None:
        return rule
    page, api = changes
    return Rule(rule.case, rule.step, rule.message, rule.field, page=page, api=api, by=rule.by)


@pytest.mark.parametrize("name", PEOPLE_AND_DATES.keys())
def test_who_mediates_and_when_is_refused_alike_by_the_page_and_the_api(client, world, name):
    rule = _outsiders(world, name, PEOPLE_AND_DATES[name])

    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(rule.field, rule.message)],
    }


# ---------------------------------------------------------------------------
# The agreement (arts. 28-33)
# ---------------------------------------------------------------------------

AGREEMENT_RULES = {
    "an agreement reached before the case was registered": Rule(
        in_mediation,
        "agreement",
        "达成日期不能早于登记日期。",
        "reached_on",
        page={"reached_on": days_ago(6).isoformat()},
    ),
    "an agreement carried out before it was reached": Rule(
        in_mediation,
        "agreement",
        "履行期限不能早于达成日期。",
        "performance_due_on",
        page={"performance_due_on": days_ago(1).isoformat()},
    ),
    "an agreement reached in the future": Rule(
        in_mediation,
        "agreement",
        "日期不能晚于今天。",
        "reached_on",
        page={"reached_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
    ),
    "performance recorded before the agreement took effect": Rule(
        agreed_in_writing_unsigned,
        "agreement_update",
        "协议生效后才能记录履行情况。",
        "performance",
        page={"performance": "fulfilled"},
    ),
    "judicial confirmation applied for before the agreement took effect": Rule(
        agreed_in_writing_unsigned,
        "agreement_update",
        "协议生效后才能申请司法确认。",
        "judicial_confirmation",
        page={"judicial_confirmation": "applied"},
    ),
    "judicial confirmation dated before the agreement took effect": Rule(
        agreed_three_days_ago,
        "agreement_update",
        "司法确认日期不能早于协议生效日期。",
        "judicial_confirmation_on",
        page={
            "judicial_confirmation": "confirmed",
            "judicial_confirmation_on": days_ago(4).isoformat(),
        },
    ),
    "judicial confirmation applied for after the 30-day window closed": Rule(
        agreed_forty_days_ago,
        "agreement_update",
        f"申请日期已超过司法确认申请期限({days_ago(10).isoformat()}):"
        "须在协议生效之日起30日内申请。",
        "judicial_applied_on",
        page={"judicial_confirmation": "applied", "judicial_applied_on": days_ago(5).isoformat()},
    ),
    "judicial confirmation applied for before the agreement took effect, by date": Rule(
        agreed_three_days_ago,
        "agreement_update",
        "申请日期不能早于协议生效日期。",
        "judicial_applied_on",
        page={"judicial_confirmation": "applied", "judicial_applied_on": days_ago(4).isoformat()},
    ),
    "judicial confirmation applied for in the future": Rule(
        agreed_three_days_ago,
        "agreement_update",
        "日期不能晚于今天。",
        "judicial_applied_on",
        page={
            "judicial_confirmation": "applied",
            "judicial_applied_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        },
    ),
    "a judicial confirmation without the court that ruled": Rule(
        agreed_three_days_ago,
        "agreement_update",
        "已确认或被驳回时,请填写受理法院。",
        "judicial_court",
        page={
            "judicial_confirmation": "confirmed",
            "judicial_applied_on": days_ago(2).isoformat(),
            "judicial_ruling_number": "(2026)浙0681民特12号",
        },
    ),
    "a rejected judicial confirmation without the ruling's number": Rule(
        agreed_three_days_ago,
        "agreement_update",
        "已确认或被驳回时,请填写裁定书文号。",
        "judicial_ruling_number",
        page={
            "judicial_confirmation": "rejected",
            "judicial_applied_on": days_ago(2).isoformat(),
            "judicial_court": "诸暨市人民法院",
        },
    ),
}


@pytest.mark.parametrize("rule", AGREEMENT_RULES.values(), ids=AGREEMENT_RULES.keys())
def test_an_agreement_rule_is_refused_alike_by_the_page_and_the_api(client, world, rule):
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(rule.field, rule.message)],
    }


ADMIN_AGREEMENT_RULES = {
    name: rule for name, rule in AGREEMENT_RULES.items() if rule.step == "agreement_update"
}


@pytest.mark.parametrize("rule", ADMIN_AGREEMENT_RULES.values(), ids=ADMIN_AGREEMENT_RULES.keys())
def test_an_agreement_rule_is_refused_alike_when_a_clerk_updates_it_in_the_admin(
    client, world, rule
):
    case = rule.case(world)
    client.force_login(world.clerk_a)
    url = admin_url(Agreement, "change", case.agreement.pk)
    data = post_data_from(client.get(url))
    data.update(rule.page)
    before = state()

    response = client.post(url, data)

    assert admin_refusal(response) == [rule.message]
    assert state() == before


def test_a_negative_agreement_amount_is_refused_alike_by_the_page_and_the_api(client, world):
    # Like the amount at stake, what an agreement awards is never below zero.
    case = in_mediation(world)
    client.force_login(world.secretary_a)
    before = state()

    page = client.post(
        reverse("cases:agreement_create", args=[case.pk]),
        {**good_agreement(world, case), "amount": "-100"},
    )
    api = token_client(world.secretary_a).post(
        f"{CASES_API}{case.pk}/agreement/",
        {**good_agreement(world, case), "amount": "-100"},
        format="json",
    )

    assert (page.status_code, api.status_code) == (200, 400)
    shown = page_refusal(client, page)
    assert shown
    assert api_refusal(api) == [("amount", message) for message in shown]
    assert state() == before


# ---------------------------------------------------------------------------
# Follow-up visits
# ---------------------------------------------------------------------------

FOLLOW_UP_RULES = {
    # Both doors ask for the time before the service does (its own words, 请填写回访时间。,
    # are for the callers without a form): the page and the API still agree.
    "a follow-up without the time of the visit": Rule(
        agreed,
        "follow_up",
        "该字段是必填项。",
        "done_at",
        page={"done_at": ""},
        api={"done_at": OMIT},
    ),
    "a follow-up dated in the future": Rule(
        agreed,
        "follow_up",
        "日期不能晚于今天。",
        "done_at",
        page={"done_at": datetime_input(now_minute() + datetime.timedelta(days=2))},
        api={"done_at": (now_minute() + datetime.timedelta(days=2)).isoformat()},
    ),
    "a follow-up whose notes hold a control character": Rule(
        agreed,
        "follow_up",
        "不能包含控制字符或不可见字符,请删除后重新输入。",
        "notes",
        page={"notes": "电话回访\x07满意"},
    ),
}


@pytest.mark.parametrize("rule", FOLLOW_UP_RULES.values(), ids=FOLLOW_UP_RULES.keys())
def test_a_follow_up_rule_is_refused_alike_by_the_page_and_the_api(client, world, rule):
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(rule.field, rule.message)],
    }


# ---------------------------------------------------------------------------
# Who takes a case on acceptance (三三调处: the grade names the team)
# ---------------------------------------------------------------------------


def _accepting_the_red_case(world, *, owner, organisation) -> Rule:
    return Rule(
        red_registered,
        "accept",
        "",
        page={"owner": owner.pk, "organisation": organisation.pk},
        api={"owner": owner.username, "organisation": organisation.pk},
        by="clerk_a",
    )


def test_a_red_case_handed_to_a_village_committee_is_refused_alike_by_the_page_and_the_api(
    client, world
):
    committee = Organisation.objects.get(area=world.village_a)
    rule = _accepting_the_red_case(world, owner=world.clerk_a, organisation=committee)
    message = (
        "红色(重大)纠纷须由专业调处团队(派出所/司法所/人民法庭)处置,不能交由村(居)人民调解委员会。"
    )

    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [message],
        "api": [("organisation", message)],
    }


def test_a_red_case_owned_by_a_village_secretary_is_refused_alike_by_the_page_and_the_api(
    client, world
):
    rule = _accepting_the_red_case(world, owner=world.secretary_a, organisation=world.team_a)
    message = "该案件由乡镇(街道)处置,责任人须是乡镇(街道)或以上的工作人员。"

    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [message],
        "api": [("owner", message)],
    }
