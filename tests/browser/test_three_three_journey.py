"""三三调处 in a real browser (seed 001): a red case a village secretary registers goes to
the town's professional team; the village follows it but records nothing; the team's
three failed attempts hand it up to the county centre, which takes it."""

import re

from django.urls import reverse
from django.utils import timezone

from cases.models import Case, HandlingLevel, Status
from tests.browser.helpers import LIVE_DB, PHONE, expect, log_in, with_password
from tests.browser.test_journeys import alert, badges, record_session

pytestmark = LIVE_DB


def test_a_red_case_goes_to_the_towns_team_and_up_to_the_county_centre(
    world, new_page, browser_problems
):
    with_password(
        world.secretary_a, world.clerk_a, world.town_mediator_user_a, world.supervisor_district
    )
    # Chromium logs the 403 it is about to show as a console error.
    browser_problems.allow(r"status of 403")

    # The village secretary registers a red dispute on her phone.
    secretary = new_page(**PHONE)
    log_in(secretary, "secretary_a")
    secretary.goto(reverse("cases:create"))
    secretary.get_by_label("发生地(村/网格)").select_option(str(world.village_a.pk))
    secretary.get_by_label("案件名称").fill("两户因山林界址扬言械斗")
    secretary.get_by_label("简要案情").fill("两户各召集亲属,扬言动手,存在民转刑风险。")
    secretary.get_by_label("来源").select_option(label="网格员排查")
    secretary.get_by_label("纠纷类型").select_option(label="山林土地")
    secretary.get_by_label("风险等级").select_option(label="红色(重大)")
    secretary.get_by_label("登记日期").fill(timezone.localdate().isoformat())
    for index, name in enumerate(("林大山", "吴小川")):
        secretary.locator(".party-form").nth(index).get_by_label("姓名/名称").fill(name)
    secretary.get_by_role("button", name="登记", exact=True).click()
    case = Case.objects.get()
    expect(badges(secretary)).to_contain_text(["已登记", "红色(重大)", "乡镇(街道)"])
    # It is the town's to accept: the village is told so and offered no such step.
    expect(secretary.locator(".handling-level-note")).to_contain_text("该案件由乡镇(街道)处置")
    expect(secretary.get_by_role("link", name="受理并指派")).to_have_count(0)

    # The town's clerk accepts it; the professional team is filled in by itself.
    clerk = new_page()
    log_in(clerk, "clerk_a")
    clerk.goto(reverse("cases:accept", args=[case.pk]))
    clerk.get_by_label("司法所老周").check()
    clerk.get_by_role("button", name="提交").click()
    expect(alert(clerk, "success")).to_contain_text("案件已受理。")
    expect(clerk.locator(".case-facts")).to_contain_text("枫桥镇专业调处团队")

    # The team's mediator records three attempts that do not settle it.
    team = new_page()
    log_in(team, "town_mediator_a")
    team.goto(reverse("cases:detail", args=[case.pk]))
    for attempt in (1, 2, 3):
        record_session(team, "未达成一致", f"专业团队第{attempt}次调解,双方仍不让步。")
        expect(alert(team, "success")).to_contain_text("调解记录已保存。")
    expect(alert(team, "warning")).to_contain_text("本级已调解3次未成")
    expect(alert(team, "info")).to_contain_text(re.compile(r"提级调处至县级矛调中心,等待接收"))

    # The secretary sees all of it, but cannot record a session.
    secretary.reload()
    expect(badges(secretary).first).to_have_text("调解中")
    expect(secretary.locator("main")).to_contain_text("专业团队第3次调解,双方仍不让步。")
    expect(secretary.get_by_role("link", name="记录调解", exact=True)).to_have_count(0)
    refused = secretary.goto(reverse("cases:session_create", args=[case.pk]))
    assert refused.status == 403
    expect(secretary.locator("main")).to_contain_text(
        "该案件由乡镇(街道)处置,本级可查看,不能记录调解。"
    )

    # The county centre's supervisor takes it from the inbox.
    county = new_page()
    log_in(county, "supervisor_d")
    county.goto(reverse("cases:escalation_inbox"))
    county.get_by_role("link", name=case.number).first.click()
    county.get_by_role("link", name="接收/退回上报").click()
    county.get_by_label("接收").check()
    county.get_by_label("处理意见").fill("县矛调中心接手,组织多部门联合调处。")
    county.get_by_role("button", name="提交").click()
    expect(alert(county, "success")).to_contain_text("上报已处理。")
    expect(badges(county).last).to_have_text("县级矛调中心")

    case.refresh_from_db()
    assert (case.status, case.level) == (Status.ACCEPTED, HandlingLevel.DISTRICT)
    assert (
        list(case.sessions.values_list("recorded_by__username", flat=True))
        == ["town_mediator_a"] * 3
    )
