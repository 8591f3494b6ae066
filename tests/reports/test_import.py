"""Importing an existing ledger (issue 5): every row checked with the registration's own
rules, every problem reported with its line in the file, and nothing kept unless the
whole file is good."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Case, CaseEvent, CaseNumberCounter, CaseSource, EventKind, Party
from reports import importing
from reports.columns import HEADERS, LEDGER_COLUMNS
from tests.factories import make_id_number, register_case

URL = "/reports/import/"
ID_A = make_id_number(datetime.date(1980, 5, 17), 123)
ID_B = make_id_number(datetime.date(1975, 1, 2), 456)
ID_C = make_id_number(datetime.date(1990, 12, 30), 789)
INVALID_ID = "360426199101010072"  # DOMAIN §6's invalid test value

IMPORT_HEADERS = [c.header for c in LEDGER_COLUMNS if c.importable]


def row(**values) -> dict:
    """One ledger row by header, a good one unless overridden."""
    data = {
        "区域代码": "330681101001",
        "登记日期": "2026-10-05",
        "发生日期": "",
        "案件名称": "张某与李某宅基地纠纷",
        "当事人一方": "张三",
        "一方身份证号": ID_A,
        "一方联系电话": "13912345678",
        "一方住址": "枫源村一组12号",
        "当事人另一方": "李四",
        "另一方身份证号": "",
        "另一方联系电话": "",
        "另一方住址": "",
        "来源": "网格员排查",
        "纠纷类型": "房屋宅基地",
        "风险等级": "黄色(较大)",
        "简要案情": "双方因院墙边界发生争执。",
        "涉及金额(元)": "",
        "转办编号": "",
    }
    data.update(values)
    return data


def xlsx(rows: list[dict], headers=IMPORT_HEADERS, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(list(headers))
    for values in rows:
        sheet.append([values.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], encoding: str, headers=IMPORT_HEADERS) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(h, "") for h in headers])
    return buffer.getvalue().encode(encoding)


def counts() -> tuple:
    return (
        Case.objects.count(),
        Party.objects.count(),
        CaseEvent.objects.count(),
        sum(CaseNumberCounter.objects.values_list("last_sequence", flat=True)),
        CaseNumberCounter.objects.count(),
    )


def lines_and_columns(result) -> list[tuple]:
    return [(p.line, p.column) for p in result.problems]


def three_rows() -> list[dict]:
    return [
        row(),
        row(
            区域代码=330681101002,  # typed as a number
            登记日期=datetime.datetime(2026, 10, 6),  # a real date cell
            发生日期="2026/9/30",
            案件名称="王某与赵某欠薪纠纷",
            当事人一方="王五\n王六",
            一方身份证号=f"{ID_B}\n{ID_C.lower()}",
            一方联系电话=13800138000.0,  # a phone typed as a number
            一方住址="陈家村三组\n陈家村四组",
            当事人另一方="赵某建筑公司",
            来源="walk_in",
            纠纷类型="劳动争议",
            风险等级="红",
            **{"涉及金额(元)": 35000.5},
            转办编号="2026-0001",
        ),
        row(
            区域代码="33068110100101",
            登记日期="2026年10月7日",
            案件名称="邻里噪音纠纷",
            当事人一方="孙七;周八",
            一方身份证号="",
            一方联系电话="",
            一方住址="",
            风险等级="blue",
            纠纷类型="neighbours",
            来源="12345热线转办",
        ),
    ]


# ---------------------------------------------------------------------------
# Good files
# ---------------------------------------------------------------------------


def test_good_xlsx_registers_every_row_with_its_fields_parties_and_numbers(world):
    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx(three_rows()), file_name="旧台账.xlsx"
    )

    assert result.problems == []
    assert [c.line for c in result.cases] == [2, 3, 4]
    cases = [Case.objects.get(pk=c.pk) for c in result.cases]
    first, second, third = cases
    assert [c.number for c in cases] == [
        "330681101-2026-00001",
        "330681101-2026-00002",
        "330681101-2026-00003",
    ]
    assert (first.area, first.received_on, first.grade, first.status) == (
        world.village_a,
        datetime.date(2026, 10, 5),
        "yellow",
        "registered",
    )
    assert first.source.code == "grid_patrol" and first.dispute_type.code == "housing_homestead"
    assert first.created_by == world.clerk_a
    assert [(p.role, p.name, p.id_number, p.mobile, p.address) for p in first.parties.all()] == [
        ("applicant", "张三", ID_A, "13912345678", "枫源村一组12号"),
        ("respondent", "李四", "", "", ""),
    ]
    assert (second.area, second.received_on, second.occurred_on) == (
        world.village_a2,
        datetime.date(2026, 10, 6),
        datetime.date(2026, 9, 30),
    )
    assert (second.grade, second.source.code, second.dispute_type.code) == (
        "red",
        "walk_in",
        "labour",
    )
    assert str(second.amount_at_stake) == "35000.50"
    assert second.external_reference == "2026-0001"
    assert [(p.name, p.id_number, p.mobile, p.address) for p in second.parties.all()] == [
        ("王五", ID_B, "13800138000", "陈家村三组"),
        ("王六", ID_C.upper(), "", "陈家村四组"),
        ("赵某建筑公司", "", "", ""),
    ]
    assert (third.area, third.grade, third.source.code) == (world.grid_a, "blue", "hotline_12345")
    assert [p.name for p in third.parties.all()] == ["孙七", "周八", "李四"]
    event = first.events.get(kind=EventKind.REGISTERED)
    assert event.actor == world.clerk_a
    assert "由台账导入:旧台账.xlsx 第 2 行" in event.note


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_in_gbk_or_utf8_with_bom_imports(world, encoding):
    content = csv_bytes(three_rows()[:1] + [three_rows()[2]], encoding)
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    else:
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")

    result = importing.import_ledger(by=world.secretary_a, content=content, file_name="a.csv")

    assert result.problems == []
    assert sorted(Case.objects.values_list("title", flat=True)) == [
        "张某与李某宅基地纠纷",
        "邻里噪音纠纷",
    ]
    assert Party.objects.filter(name="张三", id_number=ID_A).exists()


def test_a_ledger_exported_before_the_column_was_renamed_still_imports_its_reference(world):
    headers = ["来文编号" if h == "转办编号" else h for h in IMPORT_HEADERS]
    old = {("来文编号" if k == "转办编号" else k): v for k, v in row(转办编号="2025-0007").items()}

    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx([old], headers=headers), file_name="old.xlsx"
    )

    assert result.problems == []
    assert Case.objects.get().external_reference == "2025-0007"


# The parties' columns were 申请人… until they were named to fit disputes found on patrol.
FORMER_PARTY_HEADERS = {
    "当事人一方": "申请人",
    "一方身份证号": "申请人身份证号",
    "一方联系电话": "申请人联系电话",
    "一方住址": "申请人住址",
    "当事人另一方": "被申请人",
    "另一方身份证号": "被申请人身份证号",
    "另一方联系电话": "被申请人联系电话",
    "另一方住址": "被申请人住址",
}


def test_a_ledger_with_the_former_申请人_headers_still_imports_its_parties(world):
    headers = [FORMER_PARTY_HEADERS.get(h, h) for h in IMPORT_HEADERS]
    old = {FORMER_PARTY_HEADERS.get(k, k): v for k, v in row().items()}

    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx([old], headers=headers), file_name="old.xlsx"
    )

    assert result.problems == []
    case = Case.objects.get()
    assert sorted(case.parties.values_list("role", "name", "id_number")) == [
        ("applicant", "张三", ID_A),
        ("respondent", "李四", ""),
    ]


def test_a_ledger_whose_受理日期_was_the_registration_date_still_imports_it_as_such(world):
    headers = ["受理日期" if h == "登记日期" else h for h in IMPORT_HEADERS]
    old = {("受理日期" if k == "登记日期" else k): v for k, v in row().items()}

    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx([old], headers=headers), file_name="old.xlsx"
    )

    assert result.problems == []
    case = Case.objects.get()
    assert (case.received_on, case.accepted_on) == (datetime.date(2026, 10, 5), None)


def test_title_row_above_the_header_and_exported_ledger_columns_are_accepted(world):
    exported = dict.fromkeys(HEADERS, "")
    exported.update(row(), 序号=1, 案件编号="330681101-2025-00009", 状态="已销号", 调解员="宝大叔")
    content = xlsx([exported], headers=HEADERS, title="月度台账 · 枫源村(330681101001)· 2026-10")

    result = importing.import_ledger(by=world.clerk_a, content=content, file_name="export.xlsx")

    assert result.problems == []
    assert result.header_line == 2
    assert [c.line for c in result.cases] == [3]
    assert "状态" in result.ignored_columns and "调解员" in result.ignored_columns
    case = Case.objects.get()
    # Only the registration came across: its own number and status, not the file's.
    assert case.number == "330681101-2026-00001" and case.status == "registered"


# ---------------------------------------------------------------------------
# Refused files: every problem reported, nothing kept
# ---------------------------------------------------------------------------


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(world):
    register_case(world.clerk_a, world.village_a)  # a counter row already exists
    before = counts()
    rows = [
        row(),  # line 2: good
        row(一方身份证号=INVALID_ID, 案件名称="身份证号错误"),  # line 3
        row(区域代码="999999999", 案件名称="区域不存在"),  # line 4
        row(纠纷类型="打架斗殴", 案件名称="类型不存在"),  # line 5
        row(区域代码="330681102001", 案件名称="辖区外"),  # line 6: 赵家镇
        row(),  # line 7: good
    ]

    result = importing.import_ledger(by=world.clerk_a, content=xlsx(rows), file_name="bad.xlsx")

    assert lines_and_columns(result) == [
        (3, "一方身份证号"),
        (4, "区域代码"),
        (5, "纠纷类型"),
        (6, "区域代码"),
        (7, ""),  # the same case as line 2
    ]
    messages = [p.message for p in result.problems]
    assert "校验位" in messages[0] and messages[0].startswith("张三")
    assert "999999999" in messages[1] and "不存在" in messages[1]
    assert "打架斗殴" in messages[2] and "邻里" in messages[2]
    assert "管辖范围" in messages[3]
    assert "第 2 行" in messages[4]
    assert str(result.problems[0]).startswith("第 3 行 · 一方身份证号:")
    assert result.cases == []
    assert counts() == before


def test_masked_id_numbers_and_phones_of_an_exported_ledger_are_refused(world):
    rows = [row(一方身份证号="330681********1234", 一方联系电话="139****5678")]

    result = importing.import_ledger(by=world.clerk_a, content=xlsx(rows), file_name="m.xlsx")

    assert lines_and_columns(result) == [(2, "一方身份证号"), (2, "一方联系电话")]
    assert "身份证号不完整(已脱敏)" in result.problems[0].message
    assert "手机号码不完整(已脱敏)" in result.problems[1].message
    assert Case.objects.count() == 0


def test_every_problem_of_a_row_is_reported_at_once(world):
    rows = [
        row(
            登记日期="2026-13-45",
            案件名称="",
            风险等级="紫",
            另一方联系电话="12345",
            **{"涉及金额(元)": "一千"},
        )
    ]

    result = importing.import_ledger(by=world.clerk_a, content=xlsx(rows), file_name="m.xlsx")

    assert sorted(p.column for p in result.problems) == sorted(
        ["登记日期", "案件名称", "风险等级", "另一方联系电话", "涉及金额(元)"]
    )


def test_same_reference_twice_in_a_file_is_refused_and_an_earlier_import_too(world):
    rows = [row(转办编号="X-1"), row(转办编号="X-1", 案件名称="另一件")]
    result = importing.import_ledger(by=world.clerk_a, content=xlsx(rows), file_name="d.xlsx")
    assert lines_and_columns(result) == [(3, "转办编号")]
    assert Case.objects.count() == 0

    assert importing.import_ledger(by=world.clerk_a, content=xlsx(rows[:1]), file_name="d.xlsx").ok
    again = importing.import_ledger(by=world.clerk_a, content=xlsx(rows[:1]), file_name="d.xlsx")
    assert lines_and_columns(again) == [(2, "转办编号")]
    assert "已登记为案件" in again.problems[0].message
    assert Case.objects.count() == 1


def test_missing_required_column_and_unknown_column_are_refused(world):
    headers = [h for h in IMPORT_HEADERS if h not in ("纠纷类型", "风险等级")] + ["备注"]
    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx([row()], headers=headers), file_name="c.xlsx"
    )
    messages = [str(p) for p in result.problems]
    assert any("备注" in m and "无法识别" in m for m in messages)
    assert any("缺少必需的列" in m and "纠纷类型、风险等级" in m for m in messages)
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "empty.csv", "文件是空的"),
        (bytes(range(256)) * 40, "garbage.csv", "无法识别文件内容"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "renamed.xlsx", "旧版 Excel"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "不是 Excel 工作簿"),
        (b"just,some,text\n1,2,3\n", "notes.csv", "找不到表头"),
        (b"a", "ledger.pdf", "只能导入 .xlsx 或 .csv"),
    ],
)
def test_files_that_are_not_a_ledger_are_refused_with_a_message(world, content, name, expected):
    result = importing.import_ledger(by=world.clerk_a, content=content, file_name=name)

    assert not result.ok
    assert expected in result.problems[0].message
    assert Case.objects.count() == 0


def test_size_and_row_limits(world, settings):
    settings.FENGQIAO_IMPORT_MAX_ROWS = 2
    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx([row(), row(), row()]), file_name="big.xlsx"
    )
    assert "超过 2 行" in result.problems[0].message

    settings.FENGQIAO_IMPORT_MAX_BYTES = 100
    result = importing.import_ledger(by=world.clerk_a, content=xlsx([row()]), file_name="a.xlsx")
    assert "文件过大" in result.problems[0].message
    assert Case.objects.count() == 0


def test_dry_run_checks_everything_and_keeps_nothing(world):
    before = counts()
    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx(three_rows()), file_name="a.xlsx", dry_run=True
    )
    assert result.ok and result.rows == 3 and result.cases == []
    assert counts() == before


def test_inactive_source_is_refused_like_the_form(world):
    CaseSource.objects.filter(code="phone").update(is_active=False)
    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx([row(来源="来电")]), file_name="a.xlsx"
    )
    assert lines_and_columns(result) == [(2, "来源")]
    assert "已停用" in result.problems[0].message


# ---------------------------------------------------------------------------
# Page and command
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("clerk_a", 200),
        ("secretary_a", 200),
        ("supervisor_a", 403),
        ("grid_member_a", 403),
        ("mediator_user_a", 403),
    ],
)
def test_page_and_template_by_role(client, world, who, status):
    client.force_login(getattr(world, who))
    assert client.get(URL).status_code == status
    response = client.get("/reports/import/template.xlsx")
    assert response.status_code == status
    if status == 200:
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        # The ledger's columns, then the import-only party details (test_import_party_details).
        assert next(workbook.worksheets[0].iter_rows(values_only=True)) == tuple(
            c.header for c in importing.IMPORTABLE_COLUMNS
        )
        assert [c.header for c in importing.IMPORTABLE_COLUMNS][: len(IMPORT_HEADERS)] == (
            IMPORT_HEADERS
        )
        assert len(workbook.sheetnames) == 3


def test_page_imports_a_good_file_and_shows_the_cases(client, world):
    client.force_login(world.secretary_a)
    upload = SimpleUploadedFile("台账.xlsx", xlsx([row()]))

    response = client.post(URL, {"file": upload}, follow=True)

    case = Case.objects.get()
    page = response.content.decode()
    assert "1 件案件已导入" in page
    assert case.number in page and f"/cases/{case.pk}/" in page


def test_page_reports_problems_keeps_the_choice_and_imports_nothing(client, world):
    client.force_login(world.clerk_a)
    upload = SimpleUploadedFile("bad.csv", csv_bytes([row(区域代码="330681102001")], "gbk"))

    response = client.post(URL, {"file": upload, "dry_run": "on"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "文件中的案件均未导入" in page and "第 2 行" in page and "管辖范围" in page
    assert "浏览器不会保留已选的文件" in page
    checkbox = re.search(r"<input[^>]*name=\"dry_run\"[^>]*>", page).group(0)
    assert "checked" in checkbox
    assert Case.objects.count() == 0


def test_page_refuses_an_oversize_upload_before_reading_it(client, world, settings):
    settings.FENGQIAO_IMPORT_MAX_BYTES = 1024
    client.force_login(world.clerk_a)
    upload = SimpleUploadedFile("big.csv", b"x" * 2048)
    response = client.post(URL, {"file": upload})
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()


def test_command_exit_code_and_output(world, tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row(), row(一方身份证号=INVALID_ID, 案件名称="另一件")]))
    with pytest.raises(CommandError, match="共 1 处问题"):
        call_command("import_ledger", str(bad), "--as", "clerk_a")
    assert "第 3 行 · 一方身份证号:" in capsys.readouterr().err
    assert Case.objects.count() == 0

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row()], "utf-8-sig"))
    call_command("import_ledger", str(good), "--as", "clerk_a", "--dry-run")
    assert "检查通过" in capsys.readouterr().out
    assert Case.objects.count() == 0

    call_command("import_ledger", str(good), "--as", "clerk_a")
    out = capsys.readouterr().out
    assert "1 件案件已导入" in out and "330681101-2026-00001" in out
    assert Case.objects.count() == 1

    with pytest.raises(CommandError, match="没有导入台账的权限"):
        call_command("import_ledger", str(good), "--as", "supervisor_a")


def test_a_row_of_a_case_already_in_the_portal_is_refused(world):
    existing = register_case(world.clerk_a, world.village_a)
    headers = ["案件编号", *IMPORT_HEADERS]
    result = importing.import_ledger(
        by=world.clerk_a,
        content=xlsx([row(案件编号=existing.number)], headers=headers),
        file_name="again.xlsx",
    )
    assert lines_and_columns(result) == [(2, "案件编号")]
    assert existing.number in result.problems[0].message
    assert Case.objects.count() == 1
