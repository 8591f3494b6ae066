"""Writing the monthly ledger: an Excel workbook (XlsxWriter) or a CSV file.

Both stream: they take the ledger chunk by chunk from ``reports.ledger.iter_chunks`` and
never hold more than one chunk, so memory stays flat at any number of rows.

**The workbook** has three sheets: 台账 (the ledger), 统计 (the statistics, with their
definitions) and 回访 (one row per follow-up visit). XlsxWriter runs in
``constant_memory`` mode: each row goes to a temporary file as soon as the next one
starts, so every sheet is written strictly top to bottom. Cells are typed by the column
declaration (``reports.columns``): text is written with ``write_string`` and the workbook
is opened with ``strings_to_formulas/urls/numbers`` off, so a party named ``=1+2`` is text
and can never run as a formula; dates are real dates (a number with a ``yyyy-mm-dd``
format); money is a number with two decimals. Print setup (``reports.print_layout``): the
deployment's paper in landscape, the header row repeated on every page, page numbers in
the footer, never scaled below 9 pt; the print sheet 台账(打印) has the essential columns
and the signature line.

**The CSV** has the same columns and Chinese headers, UTF-8 with a byte-order mark (so
Excel shows the Chinese), ISO dates, CRLF line ends. A CSV has no cell types, so Excel
would evaluate a cell beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return as a
formula (CSV injection): such a cell is written with a leading single quote ``'``, as
OWASP advises. The quote is visible in the cell; that is the price of a CSV that is safe
to open. Users who need the exact text take the workbook.
"""

import csv
import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheets import FORMULA_TRIGGERS
from grids.models import Area
from reports.columns import HEADERS, LEDGER_COLUMNS, Column, Kind
from reports.ledger import CHUNK_SIZE, FOLLOW_UP_COLUMNS, Progress, iter_chunks
from reports.periods import Period
from reports.print_layout import (
    PRINT_SHEET,
    Paper,
    print_columns,
    print_row_picker,
    set_up_page,
    write_signature_line,
)
from reports.print_layout import paper as deployment_paper
from reports.statistics import statistics_sheet_rows

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
    # The annual dossier filing (reports.filing) is kept and downloaded like an export.
    "zip": "application/zip",
}

LEDGER_SHEET = "台账"
STATISTICS_SHEET = "统计"
FOLLOW_UP_SHEET = "回访"

STATISTICS_COLUMNS: tuple[Column, ...] = (
    Column("section", "分类", 16, Kind.LONG_TEXT),
    Column("label", "项目", 34, Kind.LONG_TEXT),
    Column("value", "数值", 14),
    Column("definition", "口径说明", 70, Kind.LONG_TEXT),
)

# Excel counts days from 1899-12-30 (with the 1900 leap-year bug folded in).
_EXCEL_EPOCH = datetime.date(1899, 12, 30).toordinal()


def download_name(area: Area, period: Period, fmt: str) -> str:
    """The file name a user sees, e.g. ``月度台账_枫源村_2026-10.xlsx``."""
    name = area.name.replace("/", "-").replace("\\", "-")
    return f"月度台账_{name}_{period.label}.{fmt}"


def ledger_title(area: Area, period: Period) -> str:
    return f"月度台账 · {area.name}({area.code})· {period.label}"


# ---------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------


class _Formats:
    def __init__(self, workbook):
        base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
        self.title = workbook.add_format({**base, "bold": True, "font_size": 14})
        self.subtitle = workbook.add_format({**base, "font_color": "#555555"})
        self.header = workbook.add_format(
            {
                **base,
                "bold": True,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
                "bg_color": "#DDEBF7",
                "border": 1,
            }
        )
        self.by_kind = {
            Kind.TEXT: workbook.add_format(base),
            Kind.LONG_TEXT: workbook.add_format({**base, "text_wrap": True}),
            Kind.DATE: workbook.add_format({**base, "num_format": "yyyy-mm-dd", "align": "left"}),
            Kind.INTEGER: workbook.add_format({**base, "num_format": "0"}),
            Kind.MONEY: workbook.add_format({**base, "num_format": "#,##0.00"}),
        }
        self.percent = workbook.add_format({**base, "num_format": "0.00%"})
        self.signature = workbook.add_format({**base, "font_size": 11, "valign": "vcenter"})
        self.missing = workbook.add_format({**base, "align": "right"})


def new_workbook(target: str | IO[bytes]):
    """A workbook that streams rows to disk and never turns a string into anything else."""
    return xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )


def _setup_sheet(
    sheet, formats: _Formats, columns, title: str, subtitle: str, sheet_paper: Paper
) -> int:
    """Title, header row, widths and print setup; returns the first data row."""
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width, formats.by_kind[column.kind])
    sheet.write_string(0, 0, title, formats.title)
    if subtitle:
        sheet.write_string(0, min(4, len(columns) - 1), subtitle, formats.subtitle)
    sheet.set_row(1, 30)
    for index, column in enumerate(columns):
        sheet.write_string(1, index, column.header, formats.header)
    # Frozen below the header (and right of the case number where there is one).
    numbered = columns[1].key == "number"
    sheet.freeze_panes(2, 2 if numbered else 0)
    set_up_page(sheet, columns, sheet_paper, repeat_columns=2 if numbered else 0)
    sheet.hide_gridlines(0)  # gridlines on screen and on paper, cheaper than borders
    # Header and footer are not scaled with the sheet: 10 pt is 10 pt on paper.
    sheet.set_header(f"&L&10{title.replace('&', '&&')}")
    sheet.set_footer("&C&10第 &P 页,共 &N 页")
    return 2


def _row_writer(sheet, columns):
    """A function writing one row of ``columns``: the column kinds are resolved once, not
    per cell. Empty cells are skipped; the column format does the rest."""
    plan = [(index, column.kind) for index, column in enumerate(columns)]
    write_string, write_number = sheet.write_string, sheet.write_number
    text = (Kind.TEXT, Kind.LONG_TEXT)
    epoch = _EXCEL_EPOCH

    def write(row_index: int, row: tuple) -> None:
        for (col, kind), value in zip(plan, row, strict=True):
            if value is None or value == "":
                continue
            if kind in text:
                write_string(row_index, col, value)
            elif kind is Kind.DATE:
                write_number(row_index, col, value.toordinal() - epoch)
            else:
                write_number(row_index, col, float(value))

    return write


def write_ledger_sheets(
    workbook,
    area: Area,
    period: Period,
    chunks,
    *,
    progress=None,
    statistics_rows=None,
    sheet_paper: Paper | None = None,
) -> int:
    """Write the four sheets from ``chunks`` (``LedgerChunk``-like objects with ``rows``
    and ``follow_ups``); returns the number of ledger rows. The benchmark calls this with
    every row built in memory beforehand, to time the writer alone."""
    sheet_paper = sheet_paper or deployment_paper()
    formats = _Formats(workbook)
    title = ledger_title(area, period)
    generated = _("生成时间:%(moment)s") % {
        "moment": f"{timezone.localtime():%Y-%m-%d %H:%M}",
    }
    ledger = workbook.add_worksheet(LEDGER_SHEET)
    printed = workbook.add_worksheet(PRINT_SHEET)
    statistics = workbook.add_worksheet(STATISTICS_SHEET)
    follow_ups = workbook.add_worksheet(FOLLOW_UP_SHEET)

    first = _setup_sheet(ledger, formats, LEDGER_COLUMNS, title, generated, sheet_paper)
    printed_columns = print_columns(sheet_paper)
    _setup_sheet(printed, formats, printed_columns, title, generated, sheet_paper)
    if statistics_rows is None:
        statistics_rows = statistics_sheet_rows(area, period)
    _write_statistics(statistics, formats, statistics_rows, title, sheet_paper)
    first_visit = _setup_sheet(
        follow_ups,
        formats,
        FOLLOW_UP_COLUMNS,
        title.replace("月度台账", "回访情况"),
        "",
        sheet_paper,
    )

    write_row = _row_writer(ledger, LEDGER_COLUMNS)
    write_printed = _row_writer(printed, printed_columns)
    pick = print_row_picker(printed_columns)
    write_visit = _row_writer(follow_ups, FOLLOW_UP_COLUMNS)
    row_index, visit_index = first, first_visit
    for chunk in chunks:
        for row in chunk.rows:
            write_row(row_index, row)
            write_printed(row_index, pick(row))
            row_index += 1
        for visit in chunk.follow_ups:
            write_visit(visit_index, visit)
            visit_index += 1
        if progress is not None:
            progress(row_index - first)
    ledger.autofilter(1, 0, max(row_index - 1, 1), len(LEDGER_COLUMNS) - 1)
    write_signature_line(printed, row_index + 1, printed_columns, formats.signature)
    follow_ups.autofilter(1, 0, max(visit_index - 1, 1), len(FOLLOW_UP_COLUMNS) - 1)
    return row_index - first


def _write_statistics(
    sheet, formats: _Formats, rows: list[tuple], title: str, sheet_paper: Paper
) -> None:
    row_index = _setup_sheet(
        sheet,
        formats,
        STATISTICS_COLUMNS,
        title.replace("月度台账", "统计报表"),
        "",
        sheet_paper,
    )
    for section, label, value, kind, definition in rows:
        sheet.write_string(row_index, 0, str(section))
        sheet.write_string(row_index, 1, str(label))
        if value is None:
            sheet.write_string(row_index, 2, "—", formats.missing)
        elif kind == "percent":
            sheet.write_number(row_index, 2, float(value), formats.percent)
        elif kind == "money":
            sheet.write_number(row_index, 2, float(value), formats.by_kind[Kind.MONEY])
        elif kind == "count":
            sheet.write_number(row_index, 2, value, formats.by_kind[Kind.INTEGER])
        else:
            sheet.write_string(row_index, 2, str(value))
        if definition:
            sheet.write_string(row_index, 3, str(definition))
        row_index += 1
    sheet.autofilter(1, 0, max(row_index - 1, 1), len(STATISTICS_COLUMNS) - 1)


def write_xlsx(
    target: str | IO[bytes],
    area: Area,
    period: Period,
    *,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the workbook to a path or a binary file; returns the number of ledger rows."""
    workbook = new_workbook(target)
    try:
        rows = write_ledger_sheets(
            workbook,
            area,
            period,
            iter_chunks(area, period, chunk_size=chunk_size),
            progress=progress,
        )
    finally:
        workbook.close()
    return rows


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

BOM = "\ufeff"


def csv_safe(row: tuple) -> list:
    """A row as CSV cells: ISO dates, ``None`` as empty, and any text that a spreadsheet
    would take for a formula prefixed with ``'``."""
    cells = []
    append = cells.append
    for value in row:
        if value is None:
            append("")
        elif value.__class__ is str:
            append("'" + value if value[:1] in FORMULA_TRIGGERS else value)
        elif value.__class__ is datetime.date:
            append(value.isoformat())
        elif value.__class__ is Decimal:
            append(f"{value:.2f}")
        else:
            append(value)
    return cells


def iter_csv(
    area: Area,
    period: Period,
    *,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[bytes]:
    """The CSV as UTF-8 byte chunks (BOM and header first), one per ledger chunk: for a
    streaming response or a file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # excel dialect: CRLF line ends, quotes where needed
    writer.writerow(HEADERS)
    yield (BOM + buffer.getvalue()).encode("utf-8")
    done = 0
    for chunk in iter_chunks(area, period, chunk_size=chunk_size, with_follow_up_rows=False):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(map(csv_safe, chunk.rows))
        done += len(chunk.rows)
        yield buffer.getvalue().encode("utf-8")
        if progress is not None:
            progress(done)


def write_csv(
    target: IO[bytes],
    area: Area,
    period: Period,
    *,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the CSV to a binary file; returns the number of ledger rows."""
    done = 0

    def count(rows_done: int) -> None:
        nonlocal done
        done = rows_done
        if progress is not None:
            progress(rows_done)

    for data in iter_csv(area, period, progress=count, chunk_size=chunk_size):
        target.write(data)
    return done


def write(
    fmt: str,
    target: IO[bytes],
    area: Area,
    period: Period,
    *,
    progress: Progress | None = None,
) -> int:
    """Write the ledger in ``fmt`` ("xlsx" or "csv") to a binary file."""
    if fmt == XLSX:
        return write_xlsx(target, area, period, progress=progress)
    if fmt == CSV:
        return write_csv(target, area, period, progress=progress)
    raise ValueError(f"Unknown export format {fmt!r}")
