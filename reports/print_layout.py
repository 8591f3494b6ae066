"""The monthly ledger on paper: paper size, the printed column sets and the print scale.

Offices print the ledger and sign it. Fitted one page wide, the 32 columns of the 台账
sheet came out on A4 with text about 2.6 pt high. The rule here is one: text is never
scaled below ``MIN_PRINTED_PT`` on paper. A sheet is shrunk to the page width only when
the shrink keeps its text at or above that; otherwise it prints at 100 % over several
pages across, the header row and the first columns repeated on each.

So that one sheet does fit the page, the workbook carries a print sheet, 台账(打印): the
essential columns only, long text wrapped, and the preparer's and reviewer's signature
line after the last case. It is a sheet of its own because the 台账 sheet stays whole for
the screen and for the import (which reads the first sheet with a header and would take a
signature line for a case). The paper is a deployment's setting,
``FENGQIAO_LEDGER_PAPER`` (A4 or A3): on A3 the print sheet has more columns.
"""

import operator
from dataclasses import dataclass

from django.conf import settings

from reports.columns import LEDGER_COLUMNS, Column

# The smallest text height on paper, in points; Chinese body text is 10.5 pt (五号) and
# 9 pt (小五) is the smallest that offices sign without a magnifier.
MIN_PRINTED_PT = 9
BODY_PT = 10
# Margins in inches, as XlsxWriter takes them.
SIDE_MARGIN = 0.4
# Pixels per inch in the spreadsheet's own page layout, and the width of one character
# unit (the default font's digit) in pixels: XlsxWriter's own conversion.
_PX_PER_INCH = 96
_PX_PER_CHAR = 7
_CELL_PADDING_PX = 5
# Renderers measure columns a little differently; a sheet is fitted to 92 % of the
# printable width so that its last column never spills onto a page of its own.
_FIT_SLACK = 0.92


@dataclass(frozen=True)
class Paper:
    name: str
    xlsx_code: int  # the OOXML paperSize
    width_in: float  # landscape: the long side
    height_in: float


PAPERS = {
    "A4": Paper("A4", 9, 297 / 25.4, 210 / 25.4),
    "A3": Paper("A3", 8, 420 / 25.4, 297 / 25.4),
}

# The printed columns, by ledger column key, with their width on paper (character units).
# A4: what a reviewer signs for, each case on one line or a few. A3 adds the case's name,
# source, handling level, agreement and follow-up. ID numbers, phones and addresses never
# go on paper, even masked: the signed copy is filed and passed around.
_A4_COLUMNS = (
    ("row", 5),
    ("number", 15),
    ("received_on", 10.5),
    ("applicants", 10),
    ("respondents", 10),
    ("dispute_type", 10),
    ("grade", 7),
    ("summary", 28),
    ("mediators", 9),
    ("status", 8),
    ("outcome", 9),
    ("closed_on", 10.5),
)
_A3_COLUMNS = (
    ("row", 5),
    ("number", 15),
    ("received_on", 10.5),
    ("title", 14),
    ("applicants", 10),
    ("respondents", 10),
    ("source", 9),
    ("dispute_type", 10),
    ("grade", 7),
    ("summary", 30),
    ("mediators", 9),
    ("status", 8),
    ("outcome", 9),
    ("performance", 8),
    ("follow_ups", 20),
    ("closed_on", 10.5),
)
PRINT_COLUMN_KEYS = {"A4": _A4_COLUMNS, "A3": _A3_COLUMNS}

PRINT_SHEET = "台账(打印)"
PREPARER = "制表人:"
REVIEWER = "审核人:"
SIGNED_ON = "日期:      年    月    日"


def paper() -> Paper:
    """The deployment's paper (``FENGQIAO_LEDGER_PAPER``)."""
    return PAPERS[settings.FENGQIAO_LEDGER_PAPER]


def print_columns(sheet_paper: Paper) -> tuple[Column, ...]:
    """The print sheet's columns: the ledger's own, with their paper widths, wrapped."""
    by_key = {column.key: column for column in LEDGER_COLUMNS}
    return tuple(
        Column(key, by_key[key].header, width, by_key[key].kind)
        for key, width in PRINT_COLUMN_KEYS[sheet_paper.name]
    )


def print_row_picker(columns: tuple[Column, ...]):
    """A function taking a ledger row (``LEDGER_COLUMNS`` order) to a print sheet row."""
    keys = [column.key for column in LEDGER_COLUMNS]
    getter = operator.itemgetter(*(keys.index(column.key) for column in columns))
    return getter


def _column_px(width: float) -> int:
    return int(width * _PX_PER_CHAR + 0.5) + _CELL_PADDING_PX


def print_scale(columns, sheet_paper: Paper) -> int | None:
    """The percentage that fits ``columns`` one page wide in landscape, or None where that
    would print text below ``MIN_PRINTED_PT`` (the sheet then prints at 100 %, over
    several pages across)."""
    printable_px = (sheet_paper.width_in - 2 * SIDE_MARGIN) * _PX_PER_INCH * _FIT_SLACK
    needed_px = sum(_column_px(column.width) for column in columns)
    if needed_px <= printable_px:
        return 100
    scale = int(100 * printable_px / needed_px)
    return scale if BODY_PT * scale / 100 >= MIN_PRINTED_PT else None


def set_up_page(sheet, columns, sheet_paper: Paper, *, repeat_columns: int = 0) -> None:
    """Landscape on ``sheet_paper``, the header row (the sheet's second) on every page,
    and the scale that keeps the text readable. Rows are never split across pages, so
    the page breaks fall between whole cases."""
    sheet.set_paper(sheet_paper.xlsx_code)
    sheet.set_landscape()
    sheet.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=0.6, bottom=0.6)
    sheet.repeat_rows(1)
    scale = print_scale(columns, sheet_paper)
    if scale is None:
        sheet.set_print_scale(100)
        if repeat_columns:
            # Pages across: each repeats the row number and the case number.
            sheet.repeat_columns(0, repeat_columns - 1)
    else:
        sheet.set_print_scale(scale)


def write_signature_line(sheet, row_index: int, columns, cell_format) -> None:
    """The preparer's and reviewer's signature line and the date, a row below the last
    case: on the last page, after everything it vouches for."""
    last = len(columns) - 1
    sheet.set_row(row_index, 30)
    sheet.write_string(row_index, 1, PREPARER, cell_format)
    sheet.write_string(row_index, max(2, last // 2), REVIEWER, cell_format)
    sheet.write_string(row_index, max(3, last - 2), SIGNED_ON, cell_format)
