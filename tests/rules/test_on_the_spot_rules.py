"""随手调's rules, each tried with the same bad input at the page and the API: both refuse
with the same words, keep what was typed (the page), and write nothing."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from cases.models import DisputeType
from tests.api.conftest import token_client
from tests.factories import MediatorFactory
from tests.rules.doors import CASES_API, api_refusal, page_refusal, state

ON_SPOT_API = f"{CASES_API}on-the-spot/"
SUMMARY = "两家因晾衣绳占道发生口角。"
TERMS = "晾衣绳移至自家院内,双方互相道歉。"


def page_data(world, **overrides) -> dict:
    data = {
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "10",
        "area": world.grid_a.pk,
        "dispute_type": DisputeType.objects.get(code="neighbours").pk,
        "summary": SUMMARY,
        "place_detail": "三组晒场",
        "parties-0-name": "张大嫂",
        "parties-0-mobile": "13912345678",
        "parties-1-name": "李二婶",
        "parties-1-mobile": "",
        "parties-2-name": "",
        "parties-2-mobile": "",
        "terms": TERMS,
        "grade": "blue",
        "source": "",
        "mediators": "",
    }
    data.update(overrides)
    return data


def api_data(world, *, parties=None, **overrides) -> dict:
    data = {
        "area": world.grid_a.code,
        "dispute_type": "neighbours",
        "summary": SUMMARY,
        "place_detail": "三组晒场",
        "parties": parties
        if parties is not None
        else [{"name": "张大嫂", "mobile": "13912345678"}, {"name": "李二婶"}],
        "terms": TERMS,
    }
    data.update(overrides)
    return data


@dataclass(frozen=True)
class Rule:
    message: str | None  # None: the words of the inner service's rule, whatever they are
    page: dict
    api: dict
    api_field: str


RULES = {
    "a yellow dispute": Rule(
        "随手调只适用于蓝色(一般)纠纷;黄色、红色纠纷请登记后按受理、调解流程办理。",
        page={"grade": "yellow"},
        api={"grade": "yellow"},
        api_field="grade",
    ),
    "a party's phone that is no mobile number": Rule(
        "请输入正确的11位手机号码。",
        page={"parties-0-mobile": "23912345678"},
        api={"parties": [{"name": "张大嫂", "mobile": "23912345678"}, {"name": "李二婶"}]},
        api_field="parties.0.mobile",
    ),
    "only one party": Rule(
        "纠纷至少需要两方当事人:请填写至少两名当事人的姓名。",
        page={"parties-1-name": ""},
        api={"parties": [{"name": "张大嫂", "mobile": "13912345678"}]},
        api_field="parties",
    ),
    "an oral agreement without its content": Rule(
        None,
        page={"terms": ""},
        api={"terms": ""},
        api_field="terms",
    ),
}


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_each_on_the_spot_rule_refuses_alike_at_the_page_and_the_api(client, world, rule):
    MediatorFactory(name="网格员老周", area=world.grid_a, user=world.grid_member_a)
    client.force_login(world.grid_member_a)
    before = state()

    page = client.post(reverse("cases:on_the_spot"), page_data(world, **rule.page))
    api = token_client(world.grid_member_a).post(
        ON_SPOT_API, api_data(world, **rule.api), format="json"
    )

    page_said, api_said = page_refusal(client, page), api_refusal(api)
    message = rule.message or api_said[0][1]
    assert {"page": page_said, "api": api_said} == {
        "page": [message],
        "api": [(rule.api_field, message)],
    }
    for typed in (SUMMARY, "张大嫂", "三组晒场", *(v for v in rule.page.values() if v)):
        assert typed in page.content.decode()  # nothing typed is lost
    assert state() == before


def test_a_village_secretary_is_refused_the_light_path_at_the_page_and_the_api(client, world):
    client.force_login(world.secretary_a)
    before = state()

    page = client.post(reverse("cases:on_the_spot"), page_data(world))
    api = token_client(world.secretary_a).post(ON_SPOT_API, api_data(world), format="json")

    assert page.status_code == 403
    assert api_refusal(api, 403) == [(None, "您没有权限随手调。")]
    assert state() == before
