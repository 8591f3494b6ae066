"""Reading a spreadsheet someone uploads or hands to a command: an .xlsx workbook or a CSV
file, whatever its name says, as rows of cells numbered as the spreadsheet numbers them.

What people actually send: Excel's "CSV UTF-8" (with a byte-order mark), the plain "CSV"
of a Chinese Excel (GBK, read as GB18030, its superset), Excel's "Unicode text"
(tab-separated UTF-16), a workbook renamed .csv, an old .xls or a Word file renamed
.xlsx. The file is told by its first bytes, not its name; what cannot be a table is
refused with a sentence the sender can act on (``SpreadsheetError``).

Nothing here knows what the columns mean: the importers find their header and read
their cells with ``cell_text`` and ``loose_key``.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook


@dataclass(frozen=True)
class Problem:
    """One reason the file is refused: a line of the file (as Excel numbers it, header
    counted) and a column, or neither when it is about the whole file."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(_("第 %(line)d 行") % {"line": self.line})
        if self.column:
            where.append(self.column)
        if not where:
            return self.message
        return f"{' · '.join(where)}:{self.message}"


# A row of a sheet: its line as the spreadsheet shows it (1 for the first), and its cells.
Row = tuple[int, tuple]

# The first characters that make Excel (or LibreOffice) read a CSV cell as a formula; a
# CSV written for spreadsheets puts a ' before them (CSV injection, as OWASP advises).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old binary Office files
# How many lines decide whether a CSV is separated by commas or tabs.
_DELIMITER_SAMPLE_LINES = 10


class SpreadsheetError(Exception):
    """The file cannot be read as a table; ``str()`` says why, to the person who sent it."""


def too_large_message(max_bytes: int) -> str:
    return _("文件过大:最大 %(size)s MB。请分成几个文件分别导入。") % {
        "size": f"{max_bytes / 1024 / 1024:g}"
    }


@contextmanager
def open_sheets(content: bytes, *, max_bytes: int | None = None) -> Iterator[Iterator]:
    """The sheets of the file, each an iterator of ``Row``: a workbook's worksheets in
    order (chart sheets have no cells and are left out), or the one table of a CSV.

    Raises ``SpreadsheetError`` for an empty file, one over ``max_bytes``, one that is
    neither a workbook nor text, or one that turns out damaged while its rows are read.
    A workbook stays open until the ``with`` block ends."""
    if not content.strip():
        raise SpreadsheetError(_("文件是空的。"))
    if max_bytes is not None and len(content) > max_bytes:
        raise SpreadsheetError(too_large_message(max_bytes))
    if content.startswith(_OLE_MAGIC):
        raise SpreadsheetError(
            _(
                "这是旧版 Excel(.xls)或 Word 文件,无法导入。"
                "请在 Excel 中“另存为” .xlsx 或 CSV 后再上传。"
            )
        )
    if not content.startswith(_ZIP_MAGIC):
        yield iter([_csv_rows(content)])
        return
    if not _looks_like_xlsx(content):
        raise SpreadsheetError(_("这个文件不是 Excel 工作簿(.xlsx),可能是 Word 文档或压缩包。"))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(_("无法读取 Excel 文件,文件可能已损坏或不是 .xlsx 格式。")) from exc
    try:
        yield (
            _xlsx_rows(sheet)
            for sheet in workbook.worksheets
            if hasattr(sheet, "iter_rows")  # chart sheets have no cells
        )
    finally:
        # read_only keeps the file open until closed.
        workbook.close()


def decode_text(content: bytes) -> str:
    """The text of a CSV file in the encodings Excel writes, or ``SpreadsheetError``."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        # utf-8-sig drops the BOM of Excel's "CSV UTF-8"; GB18030 is tried only when
        # UTF-8 fails, since GBK bytes are seldom valid UTF-8 but the reverse is common.
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text or _mostly_control(text):
            break  # binary that happened to decode
        return text
    raise SpreadsheetError(
        _(
            "无法识别文件内容:既不是 Excel(.xlsx)文件,也不是 UTF-8 或 GBK 编码的 CSV 文件。"
            "请在 Excel 中“另存为” .xlsx 或 CSV 后再上传。"
        )
    )


def _mostly_control(text: str) -> bool:
    sample = text[:4096]
    control = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t")
    return control > len(sample) // 20


def _csv_rows(content: bytes) -> Iterator[Row]:
    text = decode_text(content)
    first_lines = text[:4096].splitlines()[:_DELIMITER_SAMPLE_LINES]
    tabs = sum(line.count("\t") for line in first_lines)
    delimiter = "\t" if tabs > sum(line.count(",") for line in first_lines) else ","
    try:
        # Records, not physical lines: a cell with several lines spans lines of the file,
        # and Excel shows the record as one row.
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for line, record in enumerate(records, start=1):
            yield line, tuple(record)
    except csv.Error as exc:
        raise SpreadsheetError(_("CSV 文件格式有误:%(error)s") % {"error": exc}) from exc


def _looks_like_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "xl/workbook.xml" in names or any(n.endswith("/workbook.xml") for n in names)


def _xlsx_rows(sheet) -> Iterator[Row]:
    try:
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    except Exception as exc:  # a damaged workbook fails while its rows are read
        raise SpreadsheetError(_("无法读取文件内容,文件可能已损坏。")) from exc


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as the text a person sees in it: a typed-in number without Excel's ``.0``,
    a date as ``YYYY-MM-DD``, line ends as ``\\n``, and the ``'`` that guards a formula
    in a CSV written for spreadsheets taken off again."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS:
        text = text[1:]
    return text


def loose_key(text: str) -> str:
    """How headers and names typed by hand are compared: full-width and half-width
    alike, no spaces, no case, no byte-order mark."""
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    return re.sub(r"\s+", "", text).casefold()
