"""Settled by other means (其他方式化解): each refusal tried with the same input at the
case page and at the API, which must refuse with the same words and write nothing."""

import datetime

import pytest
from django.utils import timezone

from tests.rules.steps import accepted, days_ago, in_mediation, registered
from tests.rules.steps import resolved_otherwise_and_closed as settled_and_closed
from tests.rules.test_workflow_rules import Rule, _tried_at_page_and_api

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

STATUS_RULES = {
    "settling otherwise a case not yet accepted": Rule(
        registered, "resolve_otherwise", "案件当前状态为“已登记”,不能登记其他方式化解。"
    ),
    "settling otherwise a case already settled and closed": Rule(
        settled_and_closed, "resolve_otherwise", "案件当前状态为“已销号”,不能登记其他方式化解。"
    ),
    "a follow-up visit on a case settled otherwise": Rule(
        settled_and_closed,
        "follow_up",
        "该案件已以其他方式化解,由处理部门跟进,不在此记录回访。",
    ),
}


@pytest.mark.parametrize("rule", STATUS_RULES.values(), ids=STATUS_RULES.keys())
def test_a_settlement_the_status_does_not_allow_is_refused_alike(client, world, rule):
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(None, rule.message)],
    }


FIELD_RULES = {
    "without saying what was done": Rule(
        in_mediation,
        "resolve_otherwise",
        "请填写采取了哪些措施、结果如何。",
        "action_taken",
        page={"action_taken": "   "},
    ),
    "by other means without saying which": Rule(
        accepted,
        "resolve_otherwise",
        "选择“其他”时,请说明化解途径。",
        "means_detail",
        page={"means": "other", "means_detail": " "},
    ),
    "without a date": Rule(
        in_mediation,
        "resolve_otherwise",
        "请填写化解日期。",
        "resolved_on",
        page={"resolved_on": ""},
        api={"resolved_on": None},
    ),
    "dated before the case was registered": Rule(
        in_mediation,
        "resolve_otherwise",
        "化解日期不能早于登记日期。",
        "resolved_on",
        page={"resolved_on": days_ago(6).isoformat()},
    ),
    "dated in the future": Rule(
        in_mediation,
        "resolve_otherwise",
        "日期不能晚于今天。",
        "resolved_on",
        page={"resolved_on": TOMORROW},
    ),
    "a department name on two lines": Rule(
        in_mediation,
        "resolve_otherwise",
        "不能包含控制字符或不可见字符,请删除后重新输入。",
        "department",
        page={"department": "县人民法院\n立案庭"},
    ),
}


@pytest.mark.parametrize("rule", FIELD_RULES.values(), ids=FIELD_RULES.keys())
def test_what_a_settlement_must_say_is_refused_alike(client, world, rule):
    assert _tried_at_page_and_api(client, world, rule) == {
        "page": [rule.message],
        "api": [(rule.field, rule.message)],
    }
