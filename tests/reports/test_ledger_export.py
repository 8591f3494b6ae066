"""The monthly ledger export: the workbook and the CSV as a user opens them, the export
page (who may, what comes back, bad input), and the export_ledger command."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from cases import services
from common.validators import mask_id_number, mask_mobile
from reports import exporters
from reports.columns import HEADERS
from reports.models import GeneratedReport
from reports.periods import Period
from tests.builders import resolved as resolve
from tests.builders import sign, visit
from tests.factories import make_id_number, register_case
from tests.reports.helpers import at, travel

OCTOBER = Period.month(2026, 10)
APPLICANT_ID = make_id_number(datetime.date(1975, 3, 9), 321)
SECOND_ID = make_id_number(datetime.date(1990, 1, 2), 456)
APPLICANT_MOBILE = "13912345678"
COLUMN = {header: index for index, header in enumerate(HEADERS)}


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"
    return settings.FENGQIAO_PRIVATE_DIR


def hostile_parties() -> list[dict]:
    """Two applicants whose names a spreadsheet would run as formulas, one respondent."""
    return [
        {
            "role": "applicant",
            "name": "=1+2",
            "gender": "male",
            "id_number": APPLICANT_ID,
            "mobile": APPLICANT_MOBILE,
            "address": "一组12号",
        },
        {
            "role": "applicant",
            "name": "@SUM(A1)",
            "gender": "female",
            "id_number": SECOND_ID,
            "address": "一组13号",
        },
        {"role": "respondent", "name": "-2+3", "gender": "female"},
    ]


@pytest.fixture
def october(world):
    """October 2026: in 枫源村 a resolved case with an agreement and a phone visit, a case
    with hostile party names and an amount, a voided case; one case in 赵家村 (town B);
    and one 枫源村 case of November."""
    secretary, mediators = world.secretary_a, [world.mediator_a]
    with travel(at(2026, 10, 5)):
        resolved = register_case(secretary, world.grid_a, title="宅基地边界纠纷")
        resolved = resolve(
            resolved,
            secretary,
            mediators,
            form="written",
            facts="院墙位置有争议。",
            terms="院墙按原址重建。",
            amount=Decimal("800.00"),
        )
        # A written agreement is in force, and the case resolved, once signed and sealed.
        resolved = sign(resolved, secretary, mediators[0])
    with travel(at(2026, 10, 6, 10)):
        visit(resolved, secretary)
    with travel(at(2026, 10, 12)):
        hostile = register_case(
            secretary,
            world.village_a,
            parties=hostile_parties(),
            title='=HYPERLINK("http://x")',
            amount_at_stake=Decimal("1234.50"),
        )
    with travel(at(2026, 10, 13)):
        voided = services.case_void(
            case=register_case(secretary, world.village_a, title="重复登记"),
            by=secretary,
            reason="重复登记",
        )
    with travel(at(2026, 10, 14)):
        other_town = register_case(world.secretary_b, world.village_b, title="赵家村纠纷")
    with travel(at(2026, 11, 2)):
        november = register_case(secretary, world.village_a, title="十一月纠纷")
    return {
        "resolved": resolved,
        "hostile": hostile,
        "voided": voided,
        "other_town": other_town,
        "november": november,
    }


def workbook_of(path_or_bytes):
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return openpyxl.load_workbook(source)


def all_cell_values(workbook) -> list[str]:
    return [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def ledger_rows_by_number(sheet) -> dict[str, tuple]:
    return {
        row[COLUMN["案件编号"]].value: row
        for row in sheet.iter_rows(min_row=3)
        if row[COLUMN["案件编号"]].value
    }


# ---------------------------------------------------------------------------
# The workbook
# ---------------------------------------------------------------------------


def test_the_workbook_has_its_sheets_laid_out_for_screen_and_paper(world, october, tmp_path):
    path = tmp_path / "ledger.xlsx"
    rows = exporters.write_xlsx(str(path), world.town_a, OCTOBER)
    assert rows == 2  # the resolved and the hostile case; voided, town B, November left out

    workbook = workbook_of(str(path))
    assert workbook.sheetnames == ["台账", "台账(打印)", "统计", "回访"]
    ledger = workbook["台账"]
    assert [cell.value for cell in ledger[2]] == list(HEADERS)
    assert ledger.freeze_panes == "C3"
    assert ledger.column_dimensions["B"].width == pytest.approx(16, abs=1)  # 案件编号
    assert ledger.column_dimensions["U"].width == pytest.approx(40, abs=1)  # 简要案情
    assert ledger.auto_filter.ref.startswith("A2:")
    # A4 landscape at 100 % (32 columns one page wide would print 2.6 pt text): pages
    # across, each with the header row and the case number, page numbers.
    assert ledger.page_setup.orientation == "landscape"
    assert int(ledger.page_setup.paperSize) == 9
    assert not ledger.sheet_properties.pageSetUpPr.fitToPage
    assert ledger.page_setup.scale in (100, None)  # 100 is the default XlsxWriter omits
    assert ledger.print_title_rows == "$2:$2"
    assert ledger.print_title_cols == "$A:$B"
    # The print sheet: the essential columns, then the signature line.
    printed = workbook["台账(打印)"]
    assert [cell.value for cell in printed[2]][:3] == ["序号", "案件编号", "登记日期"]
    assert "制表人:" in [cell.value for cell in printed[6]]  # a blank row after the cases
    assert "&P" in ledger.oddFooter.center.text


def test_ledger_cells_are_typed_masked_and_never_formulas(world, october, tmp_path):
    path = tmp_path / "ledger.xlsx"
    exporters.write_xlsx(str(path), world.village_a, OCTOBER)
    workbook = workbook_of(str(path))
    rows = ledger_rows_by_number(workbook["台账"])
    hostile = rows[october["hostile"].number]

    received = hostile[COLUMN["登记日期"]]
    assert received.value == datetime.datetime(2026, 10, 12)  # a real date, not text
    assert received.number_format == "yyyy-mm-dd"
    amount = hostile[COLUMN["涉及金额(元)"]]
    assert amount.value == 1234.5 and amount.data_type == "n"
    assert amount.number_format == "#,##0.00"

    # Two applicants, one per line; the names that look like formulas are text.
    applicants = hostile[COLUMN["当事人一方"]]
    assert applicants.value == "=1+2\n@SUM(A1)"
    assert applicants.data_type == "s"
    assert hostile[COLUMN["当事人另一方"]].value == "-2+3"
    assert hostile[COLUMN["当事人另一方"]].data_type == "s"
    assert hostile[COLUMN["案件名称"]].data_type == "s"
    assert applicants.alignment.wrap_text

    # Masked, line by line like the names.
    assert hostile[COLUMN["一方身份证号"]].value == (
        f"{mask_id_number(APPLICANT_ID)}\n{mask_id_number(SECOND_ID)}"
    )
    assert hostile[COLUMN["一方联系电话"]].value == f"{mask_mobile(APPLICANT_MOBILE)}\n"
    everything = "\n".join(all_cell_values(workbook))
    assert APPLICANT_ID not in everything and SECOND_ID not in everything
    assert APPLICANT_MOBILE not in everything

    resolved = rows[october["resolved"].number]
    assert resolved[COLUMN["所属区域"]].value == "枫源村第一网格"
    assert resolved[COLUMN["调解结果"]].value == "调解成功"
    assert resolved[COLUMN["协议形式"]].value == "书面协议"
    assert resolved[COLUMN["协议金额(元)"]].value == 800
    assert resolved[COLUMN["调解次数"]].value == 1
    assert resolved[COLUMN["调解员"]].value == world.mediator_a.name
    assert resolved[COLUMN["回访情况"]].value.startswith("2026-10-06 电话回访")
    assert "满意" in resolved[COLUMN["回访情况"]].value


def test_statistics_and_follow_up_sheets(world, october, tmp_path):
    path = tmp_path / "ledger.xlsx"
    exporters.write_xlsx(str(path), world.village_a, OCTOBER)
    workbook = workbook_of(str(path))

    statistics = workbook["统计"]
    assert [cell.value for cell in statistics[2]] == ["分类", "项目", "数值", "口径说明"]
    values = list(statistics.iter_rows(min_row=3, values_only=True))
    assert len(values) > 10
    percents = [
        row[2] for row in statistics.iter_rows(min_row=3) if row[2].number_format == "0.00%"
    ]
    assert percents and all(isinstance(cell.value, int | float) for cell in percents)
    # A rate whose denominator is 0 is shown as a dash, not as 0%.
    labels = {row[1]: row[2] for row in values}
    assert all(value is not None for value in labels.values())
    assert statistics.print_title_rows == "$2:$2"

    visits = workbook["回访"]
    rows = list(visits.iter_rows(min_row=3, values_only=True))
    # The resolved case has its done phone call and the home visit still waiting.
    assert {(row[1], row[3], row[4][:4], row[13]) for row in rows} == {
        (october["resolved"].number, october["resolved"].title, "电话回访", "已完成"),
        (october["resolved"].number, october["resolved"].title, "上门走访", "待回访"),
    }
    done = next(row for row in rows if row[13] == "已完成")
    assert done[6] == datetime.datetime(2026, 10, 6)


def test_labels_follow_the_language_but_headers_stay_chinese(world, october, tmp_path):
    path = tmp_path / "ledger.xlsx"
    with translation.override("en"):
        exporters.write_xlsx(str(path), world.village_a, OCTOBER)
    ledger = workbook_of(str(path))["台账"]
    assert [cell.value for cell in ledger[2]] == list(HEADERS)
    resolved = ledger_rows_by_number(ledger)[october["resolved"].number]
    assert resolved[COLUMN["协议形式"]].value != "书面协议"
    assert resolved[COLUMN["协议形式"]].value.isascii()


def test_the_parties_columns_name_no_applicant_since_many_disputes_were_found_on_patrol(
    world, october, tmp_path
):
    path = tmp_path / "ledger.xlsx"
    exporters.write_xlsx(str(path), world.village_a, OCTOBER)
    headers = [cell.value for cell in workbook_of(str(path))["台账"][2]]

    assert "当事人一方" in headers and "当事人另一方" in headers
    assert not [h for h in headers if "申请人" in h]


# ---------------------------------------------------------------------------
# The CSV
# ---------------------------------------------------------------------------


def test_csv_has_a_bom_the_same_headers_and_quoted_formula_cells(world, october):
    data = b"".join(exporters.iter_csv(world.town_a, OCTOBER))
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(HEADERS)
    by_number = {row[COLUMN["案件编号"]]: row for row in rows[1:]}
    assert set(by_number) == {october["resolved"].number, october["hostile"].number}
    hostile = by_number[october["hostile"].number]
    assert hostile[COLUMN["当事人一方"]] == "'=1+2\n@SUM(A1)"
    assert hostile[COLUMN["当事人另一方"]] == "'-2+3"
    assert hostile[COLUMN["案件名称"]].startswith("'=HYPERLINK")
    assert hostile[COLUMN["登记日期"]] == "2026-10-12"
    assert hostile[COLUMN["涉及金额(元)"]] == "1234.50"
    assert APPLICANT_ID not in data.decode("utf-8-sig")


def test_exports_keep_to_the_area(world, october):
    town_b = b"".join(exporters.iter_csv(world.town_b, OCTOBER)).decode("utf-8-sig")
    assert october["other_town"].number in town_b
    for key in ("resolved", "hostile", "voided", "november"):
        assert october[key].number not in town_b
    district = b"".join(exporters.iter_csv(world.district, OCTOBER)).decode("utf-8-sig")
    assert october["other_town"].number in district and october["hostile"].number in district
    assert october["voided"].number not in district


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def post_export(client, **data):
    return client.post(reverse("reports:ledger_export"), {"format": "xlsx", **data})


def test_the_form_is_prefilled_from_the_query_string(client, world):
    client.force_login(world.supervisor_a)
    response = client.get(
        reverse("reports:ledger_export"), {"area": world.village_a.code, "month": "2026-10"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form["area"].value() == world.village_a.code
    assert form["month"].value() == "2026-10"


@pytest.mark.parametrize("username", ["grid_member_a", "mediator_user_a"])
def test_who_may_not_export_gets_403(client, world, username):
    client.force_login(getattr(world, username))
    assert client.get(reverse("reports:ledger_export")).status_code == 403
    assert client.get(reverse("reports:export_list")).status_code == 403


def test_a_small_xlsx_export_downloads_at_once(client, world, october):
    client.force_login(world.secretary_a)
    response = post_export(client, area=world.village_a.code, month="2026-10")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    assert "%E6%9E%AB%E6%BA%90%E6%9D%91" in disposition  # 枫源村
    assert disposition.endswith("2026-10.xlsx")
    workbook = workbook_of(b"".join(response.streaming_content))
    assert october["hostile"].number in ledger_rows_by_number(workbook["台账"])
    assert not GeneratedReport.objects.exists()


def test_a_small_csv_export_streams(client, world, october):
    client.force_login(world.clerk_a)
    response = client.get(
        reverse("reports:ledger_export"),
        {"area": world.town_a.code, "month": "2026-10", "format": "csv", "download": "1"},
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert october["hostile"].number.encode() in body
    assert october["other_town"].number.encode() not in body


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"month": "2026-13"}, "month", "请按“年-月”填写月份"),
        ({"start": "2026-10-31", "end": "2026-10-01"}, "end", "截止日期不能早于起始日期"),
    ],
)
def test_bad_input_shows_the_form_again_and_makes_nothing(client, world, data, field, message):
    client.force_login(world.secretary_a)
    response = post_export(client, area=world.village_a.code, **data)
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    for key, value in data.items():
        assert form[key].value() == value  # what was typed is kept
    assert not GeneratedReport.objects.exists()


def test_an_area_outside_reach_is_404_and_makes_nothing(client, world, october, settings):
    settings.FENGQIAO_EXPORT_SYNC_MAX_ROWS = 0  # would otherwise go to the archive
    client.force_login(world.secretary_a)
    response = post_export(client, area=world.village_b.code, month="2026-10")
    assert response.status_code == 404
    assert "Content-Disposition" not in response
    assert "不在您的管辖范围内" in response.content.decode()
    assert not GeneratedReport.objects.exists()
    response = client.get(
        reverse("reports:ledger_export"),
        {"area": world.village_b.code, "month": "2026-10", "download": "1"},
    )
    assert response.status_code == 404


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


def test_the_command_writes_the_file(world, october, tmp_path):
    output = tmp_path / "ledger.csv"
    out = io.StringIO()
    call_command(
        "export_ledger", area=world.town_a.code, month="2026-10", output=str(output), stdout=out
    )
    data = output.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert october["hostile"].number.encode() in data
    assert "2" in out.getvalue() and str(output) in out.getvalue()

    workbook_path = tmp_path / "range.xlsx"
    call_command(
        "export_ledger",
        area=world.village_a.code,
        start="2026-10-01",
        end="2026-11-30",
        output=str(workbook_path),
        stdout=io.StringIO(),
    )
    numbers = ledger_rows_by_number(workbook_of(str(workbook_path))["台账"])
    assert october["november"].number in numbers and october["resolved"].number in numbers
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"area": "999999", "month": "2026-10"}, "找不到编码为"),
        ({"month": "2026-13"}, "月份“2026-13”无效"),
        ({"month": "2026-10", "output_name": "ledger.pdf"}, "无法识别"),
        ({"start": "2026-10-05"}, "同时给出 --start 和 --end"),
        ({"start": "2026-10-05", "end": "2026-10-01"}, "截止日期不能早于起始日期"),
        ({"start": "2026-10-05", "end": "2026/10/31"}, "--end 应为"),
        ({}, "请给出 --month"),
    ],
)
def test_the_command_refuses_bad_arguments(world, tmp_path, options, message):
    options = {"area": world.village_a.code, **options}
    output = tmp_path / options.pop("output_name", "ledger.xlsx")
    with pytest.raises(CommandError, match=message):
        call_command("export_ledger", output=str(output), **options)
    assert not output.exists()
