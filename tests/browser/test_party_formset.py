"""添加当事人 in a real browser: static/js/party_formset.js adds a party block in place
(no inline script, under the page's Content-Security-Policy, which the new_page fixture
watches), and the blocks it adds are registered with the case."""

import re

from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from tests.browser.helpers import LIVE_DB, expect, log_in, with_password

pytestmark = LIVE_DB

ROLE_LABEL = re.compile(r"^\s*身份\s*\*?\s*$")


def test_adding_two_party_blocks_with_the_script_registers_all_four_parties(world, new_page):
    with_password(world.secretary_a)
    page = new_page()
    log_in(page, "secretary_a")
    page.goto(reverse("cases:create"))
    page.get_by_label("发生地(村/网格)").select_option(str(world.village_a.pk))
    page.get_by_label("案件名称").fill("王某等与陈某劳务费纠纷")
    page.get_by_label("简要案情").fill("两名工人与包工头因劳务费结算发生争执。")
    page.get_by_label("来源").select_option(label="群众来访")
    page.get_by_label("纠纷类型").select_option(label="房屋宅基地")
    page.get_by_label("风险等级").select_option(label="黄色(较大)")
    page.get_by_label("登记日期").fill(timezone.localdate().isoformat())
    blocks = page.locator("[data-party-forms] .party-form")
    # Two parties to fill in and a spare optional one, left blank here.
    expect(blocks).to_have_count(3)
    blocks.nth(0).get_by_label("姓名/名称").fill("王大山")
    blocks.nth(1).get_by_label("姓名/名称").fill("陈小河")
    # A mark the page keeps only while it is not reloaded: the server's fallback for
    # the button (a submit) would lose it.
    page.evaluate("window.__sameDocument = true")

    add = page.get_by_role("button", name="添加当事人")
    add.click()
    add.click()

    expect(blocks).to_have_count(5)
    assert page.evaluate("window.__sameDocument === true")
    assert page.locator("#id_parties-TOTAL_FORMS").input_value() == "5"
    expect(blocks.nth(3).locator("legend")).to_contain_text("当事人 4")
    expect(blocks.nth(4).locator("legend")).to_contain_text("当事人 5")
    assert blocks.nth(4).get_by_label("姓名/名称").get_attribute("name") == "parties-4-name"
    for block, role, name, gender in (
        (blocks.nth(3), "applicant", "王小川", "男"),
        (blocks.nth(4), "respondent", "陈小江", "女"),
    ):
        block.get_by_label(ROLE_LABEL).select_option(role)
        block.get_by_label("姓名/名称").fill(name)
        block.get_by_label("性别").select_option(label=gender)
    page.get_by_role("button", name="登记", exact=True).click()

    case = Case.objects.get()
    expect(page).to_have_url(re.compile(re.escape(reverse("cases:detail", args=[case.pk])) + "$"))
    assert [(p.role, p.name) for p in case.parties.order_by("id")] == [
        ("applicant", "王大山"),
        ("respondent", "陈小河"),
        ("applicant", "王小川"),
        ("respondent", "陈小江"),
    ]
    assert case.parties.get(name="陈小江").gender == "female"
