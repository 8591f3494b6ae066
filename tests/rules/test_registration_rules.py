"""The rules of a case's details and parties, each tried with the same bad value at the
registration page, the API, the ledger import and the admin's change form: every door
refuses with the same words, and nothing is written."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseSource
from tests.admin.conftest import admin_url, post_data_from
from tests.api.conftest import token_client
from tests.factories import (
    case_edit_form_data,
    party_rows,
    register_case,
    registration_page_data,
)
from tests.rules.doors import (
    BAD_CHECK_CHAR,
    CASES_API,
    admin_refusal,
    api_refusal,
    import_refusal,
    ledger_row,
    page_refusal,
    registration_api_data,
    state,
)

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
BEFORE_1950 = "1949-12-31"

ID_CHECK = "身份证号码校验位不正确,请核对后重新输入。"
MOBILE = "请输入正确的11位手机号码。"
FUTURE = "日期不能晚于今天。"
TOO_EARLY = "日期不合理,请填写1950年以后的日期。"
CONTROL = "不能包含控制字符或不可见字符,请删除后重新输入。"
NEGATIVE = "涉及金额不能为负数。"
TWO_SIDES = "纠纷至少需要两方当事人:请至少填写一名申请人和一名被申请人。"


@dataclass(frozen=True)
class Rule:
    """One rule and the same bad value as each door takes it."""

    message: str
    page: dict  # registration page fields
    api: dict  # registration_api_data keyword arguments
    api_field: str
    ledger: dict | None  # ledger columns; None where the file cannot say it
    ledger_column: str = ""
    admin: dict = field(default_factory=dict)  # case change form fields
    admin_applicant: dict = field(default_factory=dict)  # the applicant's inline fields


RULES = {
    "an ID number with a wrong check character": Rule(
        ID_CHECK,
        page={"parties-0-id_number": BAD_CHECK_CHAR},
        api={"applicant": {"id_number": BAD_CHECK_CHAR}},
        api_field="parties.0.id_number",
        ledger={"一方身份证号": BAD_CHECK_CHAR},
        ledger_column="一方身份证号:王大山",
        admin_applicant={"new_id_number": BAD_CHECK_CHAR},
    ),
    "a mobile number that is no mobile number": Rule(
        MOBILE,
        page={"parties-0-mobile": "23912345678"},
        api={"applicant": {"mobile": "23912345678"}},
        api_field="parties.0.mobile",
        ledger={"一方联系电话": "23912345678"},
        ledger_column="一方联系电话:王大山",
        admin_applicant={"new_mobile": "23912345678"},
    ),
    "a received date in the future": Rule(
        FUTURE,
        page={"received_on": TOMORROW},
        api={"received_on": TOMORROW},
        api_field="received_on",
        ledger={"登记日期": TOMORROW},
        ledger_column="登记日期",
        admin={"received_on": TOMORROW},
    ),
    "a received date before 1950": Rule(
        TOO_EARLY,
        page={"received_on": BEFORE_1950},
        api={"received_on": BEFORE_1950},
        api_field="received_on",
        ledger={"登记日期": BEFORE_1950},
        ledger_column="登记日期",
        admin={"received_on": BEFORE_1950},
    ),
    "an occurred date in the future": Rule(
        FUTURE,
        page={"occurred_on": TOMORROW},
        api={"occurred_on": TOMORROW},
        api_field="occurred_on",
        ledger={"发生日期": TOMORROW},
        ledger_column="发生日期",
        admin={"occurred_on": TOMORROW},
    ),
    "a title holding a control character": Rule(
        CONTROL,
        page={"title": "纠纷\x07名称"},
        api={"title": "纠纷\x07名称"},
        api_field="title",
        ledger={"案件名称": "纠纷\x07名称"},
        ledger_column="案件名称",
        admin={"title": "纠纷\x07名称"},
    ),
    "a party's name holding a control character": Rule(
        CONTROL,
        page={"parties-0-name": "王\x1b大山"},
        api={"applicant": {"name": "王\x1b大山"}},
        api_field="parties.0.name",
        ledger={"当事人一方": "王\x1b大山"},
        ledger_column="当事人一方:王\x1b大山",
        admin_applicant={"name": "王\x1b大山"},
    ),
    "a negative amount at stake": Rule(
        NEGATIVE,
        page={"amount_at_stake": "-1"},
        api={"amount_at_stake": "-1"},
        api_field="amount_at_stake",
        ledger={"涉及金额(元)": "-1"},
        ledger_column="涉及金额(元)",
        admin={"amount_at_stake": "-1"},
    ),
    "a dispute without a respondent": Rule(
        TWO_SIDES,
        page={"parties-1-role": "applicant"},
        api={"respondent": {"role": "applicant"}},
        api_field="parties",
        # The file has a column per side: a row cannot leave out the respondents' role.
        ledger=None,
        admin_applicant={"role": "respondent"},
    ),
}


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_each_registration_rule_refuses_alike_at_the_page_the_api_and_the_ledger_import(
    client, world, rule
):
    client.force_login(world.secretary_a)
    before = state()

    page = client.post(reverse("cases:create"), registration_page_data(world, **rule.page))
    api = token_client(world.secretary_a).post(
        CASES_API, registration_api_data(world, **rule.api), format="json"
    )

    refused = {
        "page": page_refusal(client, page),
        "api": api_refusal(api),
        "import": import_refusal(world.secretary_a, [ledger_row(world, **rule.ledger)])
        if rule.ledger is not None
        else None,
    }

    assert refused == {
        "page": [rule.message],
        "api": [(rule.api_field, rule.message)],
        "import": [f"第 2 行 · {rule.ledger_column}:{rule.message}"]
        if rule.ledger is not None
        else None,
    }
    typed = [value for value in rule.page.values() if value.isprintable()]
    for value in ("两家因宅基地界址发生争吵。", "枫源村三组8号", *typed):
        assert value in page.content.decode()  # what was typed is kept
    assert state() == before


def _applicant_prefix(data: dict) -> str:
    key = next(k for k, v in data.items() if k.startswith("parties-") and v == "张三")
    return key.removesuffix("-name")


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_each_registration_rule_refuses_alike_when_a_clerk_corrects_the_case_in_the_admin(
    client, world, rule
):
    # A walk-in, as the page and the API register it (registration_page_data).
    walk_in = CaseSource.objects.get(code="walk_in")
    case = register_case(world.secretary_a, parties=party_rows("张三", "李四"), source=walk_in)
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(Case, "change", case.pk)))
    data.update(rule.admin)
    prefix = _applicant_prefix(data)
    data.update({f"{prefix}-{name}": value for name, value in rule.admin_applicant.items()})
    before = state()

    response = client.post(admin_url(Case, "change", case.pk), data)

    assert admin_refusal(response) == [rule.message]
    assert state() == before


# ---------------------------------------------------------------------------
# A reference number names one case of its sender
# ---------------------------------------------------------------------------

CLASH = "转办编号“(2026)浙0681民诉前调7号”已被该来源的另一案件使用。"


@pytest.fixture
def second_case(world) -> Case:
    register_case(world.secretary_a, external_reference="(2026)浙0681民诉前调7号")
    return register_case(world.secretary_a, external_reference="(2026)浙0681民诉前调8号")


def test_a_reference_number_already_used_is_refused_alike_by_the_edit_page_the_api_and_the_admin(
    client, world, second_case
):
    taken = "(2026)浙0681民诉前调7号"
    before = state()

    client.force_login(world.secretary_a)
    page = client.post(
        reverse("cases:edit", args=[second_case.pk]),
        case_edit_form_data(
            second_case,
            with_personal_data=False,
            grade=second_case.grade,
            external_reference=taken,
        ),
    )
    api = token_client(world.secretary_a).patch(
        f"{CASES_API}{second_case.pk}/", {"external_reference": taken}, format="json"
    )
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(Case, "change", second_case.pk)))
    data["external_reference"] = taken
    admin = client.post(admin_url(Case, "change", second_case.pk), data)

    assert page_refusal(client, page) == [CLASH]
    assert api_refusal(api) == [("external_reference", CLASH)]
    assert admin_refusal(admin) == [CLASH]
    assert state() == before
