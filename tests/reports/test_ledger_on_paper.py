"""The monthly ledger printed: the workbook converted to PDF by LibreOffice, then read.

LibreOffice runs once for the module (both papers in one call), with a profile directory
of its own in tmp so parallel runs do not share one. It measures columns in the workbook's
default font, Calibri; Debian's Carlito has Calibri's metrics, so with it the pages break
where Excel and WPS break them. Without soffice or Carlito the test skips, unless
FENGQIAO_STACK_TESTS=required (set by .ci/run), where that is a failure.

The rows are built in memory (as bench/exports.py does): the layout is what is under test,
and sixty cases through the services would cost seconds for nothing.
"""

import datetime
import math
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from grids.models import Area
from reports import exporters
from reports.columns import LEDGER_COLUMNS, Kind
from reports.periods import Period
from reports.print_layout import MIN_PRINTED_PT, PAPERS, PRINT_SHEET

REQUIRED = os.environ.get("FENGQIAO_STACK_TESTS", "") == "required"
ROWS = 60
# Two columns side by side only in the print sheet's header (in 台账, 处置层级 follows
# 风险等级): how a page of the print sheet is told from the others.
PRINT_HEADER_MARK = "风险等级 简要案情"


def _missing(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (FENGQIAO_STACK_TESTS=required)", pytrace=False)
    pytest.skip(reason)


class _Chunk:
    def __init__(self, rows):
        self.rows, self.follow_ups = rows, []


def _row(number: int) -> tuple:
    values = []
    for column in LEDGER_COLUMNS:
        if column.key == "row":
            values.append(number)
        elif column.key == "number":
            values.append(f"FQ-2026-{number:06d}")
        elif column.key == "summary":
            # One to three lines of wrapped text, so rows differ in height.
            values.append("两户因宅基地边界和排水沟走向发生争执,多次协商未果。" * (1 + number % 3))
        elif column.kind is Kind.DATE:
            values.append(datetime.date(2026, 10, 1 + number % 28))
        elif column.kind is Kind.MONEY:
            values.append(Decimal("1234.50"))
        elif column.kind is Kind.INTEGER:
            values.append(2)
        else:
            values.append("张三")
    return tuple(values)


def _write(path, paper_name: str) -> None:
    workbook = exporters.new_workbook(str(path))
    exporters.write_ledger_sheets(
        workbook,
        Area(name="枫源村", code="330681101001"),
        Period.month(2026, 10),
        [_Chunk([_row(number) for number in range(1, ROWS + 1)])],
        statistics_rows=[("受理", "受理数", 60, "count", "本期登记并受理的案件")],
        sheet_paper=PAPERS[paper_name],
    )
    workbook.close()


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """{paper: PdfReader} for a workbook written for A4 and one for A3."""
    soffice = shutil.which("soffice")
    if soffice is None:
        _missing("LibreOffice (soffice) is not installed")
    fc_match = shutil.which("fc-match") or "fc-match"
    matched = subprocess.run(  # noqa: S603 - fontconfig's program, our argument
        [fc_match, "Calibri"], capture_output=True, text=True, check=False
    ).stdout
    if "Carlito" not in matched:
        _missing("the Carlito font (fonts-crosextra-carlito) is not installed")
    folder = tmp_path_factory.mktemp("ledger_on_paper")
    sources = []
    for paper_name in PAPERS:
        source = folder / f"{paper_name}.xlsx"
        _write(source, paper_name)
        sources.append(str(source))
    profile = (folder / "profile").as_uri()
    subprocess.run(  # noqa: S603 - LibreOffice from PATH, our own files
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(folder), *sources],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return {name: PdfReader(folder / f"{name}.pdf") for name in PAPERS}


def _times(m, n):
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _page_text_and_smallest_height(page) -> tuple[str, float]:
    """The page's text and the smallest height of any of its text on paper: the font size
    times the vertical scale of the text matrix within the page's transformation."""
    heights = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            matrix = _times(tm, cm)
            heights.append(size * math.hypot(matrix[2], matrix[3]))

    text = page.extract_text(visitor_text=visit)
    return text, min(heights)


@pytest.mark.parametrize("paper_name", ["A4", "A3"])
def test_every_printed_page_is_the_papers_size_and_no_text_is_under_9_pt(printed, paper_name):
    paper = PAPERS[paper_name]
    pages = printed[paper_name].pages
    assert len(pages) > 3
    for page in pages:
        width_mm = float(page.mediabox.width) / 72 * 25.4
        height_mm = float(page.mediabox.height) / 72 * 25.4
        assert round(width_mm) == round(paper.width_in * 25.4)  # landscape
        assert round(height_mm) == round(paper.height_in * 25.4)
        _, smallest = _page_text_and_smallest_height(page)
        assert smallest >= MIN_PRINTED_PT - 0.01


@pytest.mark.parametrize("paper_name", ["A4", "A3"])
def test_the_print_sheet_repeats_its_header_fits_the_width_and_ends_with_the_signatures(
    printed, paper_name
):
    texts = [page.extract_text() for page in printed[paper_name].pages]
    print_pages = [text for text in texts if PRINT_HEADER_MARK in text]
    assert len(print_pages) >= 2  # sixty cases with wrapped text do not fit one page
    for text in print_pages:
        assert "序号" in text
        # The last printed column is on every page: the sheet is one page wide.
        assert "销号日期" in text
    # Page 2 goes on with the cases after page 1's.
    assert "FQ-2026-000001" in print_pages[0]
    assert "FQ-2026-000001" not in print_pages[1]
    assert f"FQ-2026-{ROWS:06d}" in "".join(print_pages[-2:])
    signed = [text for text in texts if "制表人" in text]
    assert signed == [print_pages[-1]]
    assert "审核人" in signed[0] and "日期" in signed[0]


def test_a3_prints_more_columns_than_a4(printed):
    def print_page_text(paper_name):
        texts = (page.extract_text() for page in printed[paper_name].pages)
        return next(text for text in texts if PRINT_HEADER_MARK in text)

    assert "回访情况" not in print_page_text("A4")
    assert "回访情况" in print_page_text("A3")
    # Personal data stays off paper, masked or not.
    assert "身份证号" not in print_page_text("A3")


def test_the_paper_follows_the_deployments_setting(settings, tmp_path):
    settings.FENGQIAO_LEDGER_PAPER = "A3"
    path = tmp_path / "ledger.xlsx"
    workbook = exporters.new_workbook(str(path))
    exporters.write_ledger_sheets(
        workbook,
        Area(name="枫源村", code="330681101001"),
        Period.month(2026, 10),
        [_Chunk([_row(1)])],
        statistics_rows=[],
    )
    workbook.close()
    book = load_workbook(path)
    assert book.sheetnames == ["台账", PRINT_SHEET, "统计", "回访"]
    for sheet in book.worksheets:
        assert int(sheet.page_setup.paperSize) == 8  # A3
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.print_title_rows == "$2:$2"
        assert int(sheet.page_setup.scale or 100) >= 90  # 10 pt text, never under 9 pt
