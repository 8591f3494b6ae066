"""The main journeys through the portal in a real browser, each asserting what the person
sees at every step: badges, messages, the rows of the ledger, the downloaded file."""

import datetime
import re

import openpyxl
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Status
from reports.dashboard_views import last_full_month
from tests.browser.helpers import LIVE_DB, OUTPUT, PHONE, expect, log_in, with_password
from tests.factories import make_id_number, register_case

pytestmark = LIVE_DB

APPLICANT_ID = make_id_number(datetime.date(1968, 3, 9), 271)
RESPONDENT_ID = make_id_number(datetime.date(1975, 11, 30), 482)
# "身份" (and a required mark), not "身份证号码".
ROLE_LABEL = re.compile(r"^\s*身份\s*\*?\s*$")


def alert(page, kind: str):
    """The page's alerts of one kind (success, warning, info, danger)."""
    return page.locator(f".alert-{kind}")


def badges(page):
    """The case's status, grade and level badges under its title."""
    return page.locator("header .badge")


def record_session(page, result: str, content: str) -> None:
    page.get_by_role("link", name="记录调解", exact=True).click()
    page.get_by_label("调解地点").select_option(label="调解室")
    page.get_by_label("调解方式").select_option(label="面对面调解")
    page.get_by_label("调解经过及各方意见").fill(content)
    page.get_by_label("调解结果").select_option(label=result)
    page.get_by_role("button", name="提交").click()


def test_village_secretary_on_a_phone_takes_a_case_from_registration_to_follow_up(
    world, new_page, request
):
    with_password(world.secretary_a, world.supervisor_a, world.clerk_a)
    page = new_page(**PHONE)
    log_in(page, "secretary_a")

    # Register a dispute with both sides from the ledger's button.
    page.get_by_role("link", name="登记新案件").click()
    page.get_by_label("发生地(村/网格)").select_option(str(world.village_a.pk))
    page.get_by_label("案件名称").fill("王某与陈某宅基地纠纷")
    page.get_by_label("简要案情").fill("两家因宅基地界址发生争吵,需村里调解。")
    page.get_by_label("来源").select_option(label="群众来访")
    page.get_by_label("纠纷类型").select_option(label="房屋宅基地")
    page.get_by_label("风险等级").select_option(label="黄色(较大)")
    page.get_by_label("登记日期").fill(timezone.localdate().isoformat())
    applicant, respondent = page.locator(".party-form").nth(0), page.locator(".party-form").nth(1)
    assert applicant.get_by_label(ROLE_LABEL).input_value() == "applicant"
    assert respondent.get_by_label(ROLE_LABEL).input_value() == "respondent"
    for party, name, gender, id_number, mobile in (
        (applicant, "王大山", "男", APPLICANT_ID, "13912345678"),
        (respondent, "陈小河", "女", RESPONDENT_ID, "13887654321"),
    ):
        party.get_by_label("姓名/名称").fill(name)
        party.get_by_label("性别").select_option(label=gender)
        party.get_by_label("身份证号码").fill(id_number)
        party.get_by_label("手机号码").fill(mobile)
    page.get_by_role("button", name="登记", exact=True).click()

    case = Case.objects.get()
    assert page.url.endswith(reverse("cases:detail", args=[case.pk]))
    expect(alert(page, "success")).to_contain_text(f"案件 {case.number} 已登记。")
    expect(badges(page)).to_contain_text(["已登记", "黄色(较大)", "村(社区)"])
    # The parties are there, their ID numbers masked.
    parties = page.locator("section").filter(has_text="当事人")
    expect(parties).to_contain_text(["王大山"])
    expect(parties).to_contain_text(["陈小河"])
    assert APPLICANT_ID not in page.content()

    # It is in the ledger.
    page.goto(reverse("cases:list"))
    ledger = page.locator(".ledger-table")
    expect(ledger.get_by_role("row").filter(has_text=case.number)).to_contain_text("已登记")
    ledger.get_by_role("link", name=case.number).click()

    # Accept it with the village's mediator.
    page.get_by_role("link", name="受理并指派").click()
    page.get_by_label("宝大叔").check()
    page.get_by_role("button", name="提交").click()
    expect(alert(page, "success")).to_contain_text("案件已受理。")
    expect(badges(page).first).to_have_text("已受理")

    # Three sessions without agreement: the three-three rule proposes escalation.
    for attempt in (1, 2, 3):
        record_session(page, "未达成一致", f"第{attempt}次调解,双方各执己见。")
        expect(alert(page, "success")).to_contain_text("调解记录已保存。")
        expect(badges(page).first).to_have_text("调解中")
        failed_attempts = page.locator(".case-facts dt", has_text="本级调解未成次数")
        expect(failed_attempts.locator("+ dd")).to_have_text(str(attempt))
        if attempt < 3:
            expect(alert(page, "warning")).to_have_count(0)
    expect(alert(page, "warning")).to_contain_text("本级已调解3次未成,按“三三调处”规则应提级调处。")
    expect(alert(page, "info")).to_contain_text(re.compile(r"提级调处至乡镇\(街道\),等待接收"))
    expect(badges(page).last).to_have_text("村(社区)")

    # The town's supervisor takes the case up (on a desktop, in the back office's way).
    supervisor = new_page()
    log_in(supervisor, "supervisor_a")
    supervisor.goto(reverse("cases:escalation_inbox"))
    supervisor.get_by_role("link", name=case.number).first.click()
    supervisor.get_by_role("link", name="接收/退回上报").click()
    supervisor.get_by_label("接收").check()
    supervisor.get_by_label("处理意见").fill("镇司法所接手调解。")
    supervisor.get_by_role("button", name="提交").click()
    expect(alert(supervisor, "success")).to_contain_text("上报已处理。")
    expect(badges(supervisor).last).to_have_text("乡镇(街道)")

    # Back on the phone: the case is now the town's. The village follows it (三三调处)
    # but no longer records its mediation.
    page.reload()
    expect(badges(page).last).to_have_text("乡镇(街道)")
    expect(badges(page).first).to_have_text("已受理")
    expect(alert(page, "info")).to_have_count(0)
    expect(page.get_by_role("link", name="记录调解", exact=True)).to_have_count(0)
    expect(page.locator(".handling-level-note")).to_contain_text("该案件由乡镇(街道)")

    # The town's clerk mediates it again, settles it and prints the agreement.
    clerk = new_page()
    log_in(clerk, "clerk_a")
    clerk.goto(reverse("cases:detail", args=[case.pk]))
    record_session(clerk, "达成一致", "镇司法所主持调解,双方同意按原址重建院墙。")
    expect(alert(clerk, "success")).to_contain_text("调解记录已保存。")
    clerk.get_by_role("link", name="记录调解协议").click()
    clerk.get_by_label("口头协议").check()
    clerk.get_by_label("主要事实、争议事项及各方责任").fill("双方对院墙位置有争议。")
    clerk.get_by_label("协议内容").fill("院墙按原址重建,费用各半。")
    clerk.get_by_role("button", name="提交").click()
    expect(alert(clerk, "success")).to_contain_text("调解协议已记录。")
    # An oral agreement is in force when reached (口头协议登记).
    # (The case page's standing notice of the visits still due is an info alert too.)
    expect(alert(clerk, "info").filter(has_text="调解协议已生效")).to_contain_text(
        "调解协议已生效,案件调解成功。"
    )
    expect(badges(clerk).first).to_have_text("调解成功")

    # Print the agreement: in print media the buttons disappear and the document stays. An
    # oral agreement prints as its registration form (口头协议登记表), numbered.
    clerk.get_by_role("link", name="打印调解协议书").click()
    expect(clerk.get_by_role("button", name="打印")).to_be_visible()
    clerk.emulate_media(media="print")
    expect(clerk.get_by_role("heading", name="人民调解口头协议登记表")).to_be_visible()
    expect(clerk.get_by_text(re.compile(r"〔2026〕.+调字第1号"))).to_be_visible()
    expect(clerk.get_by_role("button", name="打印")).to_be_hidden()
    document = clerk.locator("article.document").inner_text()
    parties = clerk.locator("table.parties")
    expect(parties.get_by_role("row").filter(has_text="王大山")).to_contain_text("申请人")
    expect(parties.get_by_role("row").filter(has_text="陈小河")).to_contain_text("被申请人")
    assert "院墙按原址重建,费用各半。" in document
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = clerk.pdf(path=OUTPUT / f"{request.node.name}.pdf", format="A4")
    assert pdf.startswith(b"%PDF")

    # The village makes the follow-up call, on the phone.
    page.reload()
    expect(badges(page).first).to_have_text("调解成功")
    page.get_by_role("link", name="记录回访").click()
    page.get_by_label("回访类型").select_option(label="电话回访(24小时内)")
    page.get_by_label("满意度").select_option(label="满意")
    page.get_by_label("回访情况").fill("双方表示满意,院墙已开工。")
    page.get_by_role("button", name="提交").click()
    expect(alert(page, "success")).to_contain_text("回访已记录。")
    visits = page.locator("section").filter(has=page.get_by_role("heading", name="回访"))
    expect(visits).to_contain_text("电话回访(24小时内)")
    expect(visits).to_contain_text("双方表示满意,院墙已开工。")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.follow_ups.filter(done_at__isnull=False).count() == 1


def test_supervisor_opens_the_dashboard_and_downloads_the_monthly_ledger(world, new_page):
    with_password(world.supervisor_a)
    # The dashboard opens on the last full month: the case was received then.
    month = last_full_month()
    received_on = datetime.date.fromisoformat(f"{month}-10")
    case = register_case(world.secretary_a, area=world.village_a, received_on=received_on)
    full_id_number = case.parties.get(role="applicant").id_number
    page = new_page()
    log_in(page, "supervisor_a")

    page.goto(reverse("reports:dashboard"))
    expect(page.get_by_role("heading", name="统计分析")).to_be_visible()
    expect(page.locator("main")).to_contain_text("枫桥镇")
    # The dashboard's link opens the export form set to its area and month.
    page.get_by_role("link", name="下载月度台账").click()
    expect(page.get_by_role("heading", name="导出月度台账")).to_be_visible()
    assert page.get_by_label("月份").input_value() == month
    with page.expect_download() as download_info:
        page.get_by_role("button", name="生成并下载").click()
    download = download_info.value

    assert download.suggested_filename.endswith(".xlsx")
    saved = OUTPUT / download.suggested_filename
    OUTPUT.mkdir(parents=True, exist_ok=True)
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved, read_only=True)
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert case.number in cells
    assert not any(full_id_number in cell for cell in cells)


def test_grid_member_cannot_open_another_villages_case(world, new_page, browser_problems):
    with_password(world.grid_member_a)
    own = register_case(world.secretary_a, area=world.grid_a, title="本网格的邻里纠纷")
    other = register_case(world.secretary_b, area=world.village_b, title="赵家村的债务纠纷")
    # Chromium logs the 404 response it is about to show as a console error.
    browser_problems.allow(r"status of 404")
    page = new_page(**PHONE)
    log_in(page, "grid_a")

    ledger = page.locator(".ledger-table")
    expect(ledger.get_by_role("link", name=own.number)).to_be_visible()
    expect(ledger.get_by_role("link", name=other.number)).to_have_count(0)
    assert other.title not in page.content()

    response = page.goto(reverse("cases:detail", args=[other.pk]))
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.locator("main")).to_contain_text("您要找的页面不存在,或者不在您的辖区范围内。")
    assert other.title not in page.content()


def test_an_invalid_id_number_is_shown_beside_the_field_and_nothing_typed_is_lost(world, new_page):
    with_password(world.secretary_a)
    page = new_page(**PHONE)
    log_in(page, "secretary_a")
    page.goto(reverse("cases:create"))
    page.get_by_label("案件名称").fill("李某与周某债务纠纷")
    page.get_by_label("简要案情").fill("借款三万元逾期未还。")
    page.get_by_label("来源").select_option(label="群众来访")
    page.get_by_label("纠纷类型").select_option(label="房屋宅基地")
    page.get_by_label("风险等级").select_option(label="蓝色(一般)")
    page.get_by_label("涉及金额(元)").fill("30000")
    applicant, respondent = page.locator(".party-form").nth(0), page.locator(".party-form").nth(1)
    applicant.get_by_label("姓名/名称").fill("李大伟")
    applicant.get_by_label("身份证号码").fill("360426199101010072")
    applicant.get_by_label("手机号码").fill("13912345678")
    applicant.get_by_label("住址").fill("枫源村三组8号")
    respondent.get_by_label("姓名/名称").fill("周小梅")
    respondent.get_by_label("性别").select_option(label="女")
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page).to_have_url(re.compile(re.escape(reverse("cases:create")) + "$"))
    id_field = page.locator(".party-form").nth(0).get_by_label("身份证号码")
    expect(id_field).to_have_class(re.compile(r"\bis-invalid\b"))
    # The message sits beside the field it is about, not only at the top of the page.
    expect(page.locator(".party-form").nth(0).locator(".invalid-feedback")).to_have_text(
        "身份证号码校验位不正确,请核对后重新输入。"
    )
    assert id_field.input_value() == "360426199101010072"
    assert page.get_by_label("案件名称").input_value() == "李某与周某债务纠纷"
    assert page.get_by_label("简要案情").input_value() == "借款三万元逾期未还。"
    assert page.get_by_label("风险等级").input_value() == "blue"
    assert page.get_by_label("涉及金额(元)").input_value() == "30000"
    applicant = page.locator(".party-form").nth(0)
    respondent = page.locator(".party-form").nth(1)
    assert applicant.get_by_label("姓名/名称").input_value() == "李大伟"
    assert applicant.get_by_label("手机号码").input_value() == "13912345678"
    assert applicant.get_by_label("住址").input_value() == "枫源村三组8号"
    assert respondent.get_by_label(ROLE_LABEL).input_value() == "respondent"
    assert respondent.get_by_label("姓名/名称").input_value() == "周小梅"
    assert respondent.get_by_label("性别").input_value() == "female"
    assert not Case.objects.exists()
