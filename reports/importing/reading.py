"""Finding the ledger in a file: the header row among the first rows of a sheet, the
columns it names, and the data rows under it keyed by column."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from common import spreadsheets
from common.spreadsheets import Row, SpreadsheetError, is_blank, loose_key, open_sheets
from reports.columns import ALL_COLUMNS, Column, column_for_header
from reports.importing.results import ImportFileError, Problem, file_error

# Offices put a title (and sometimes a date line) above the table.
HEADER_SEARCH_ROWS = 10

IMPORTABLE_COLUMNS = tuple(c for c in ALL_COLUMNS if c.importable)
REQUIRED_COLUMNS = tuple(c for c in ALL_COLUMNS if c.required)


def max_bytes() -> int:
    return settings.FENGQIAO_IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.FENGQIAO_IMPORT_MAX_ROWS


def too_large_message() -> str:
    return spreadsheets.too_large_message(max_bytes())


def header_key(text: str) -> str:
    # A template may mark required columns with an asterisk.
    return loose_key(text).strip("*")


COLUMN_BY_HEADER_KEY = {
    header_key(header): c for c in ALL_COLUMNS for header in (c.header, *c.former_headers)
}


@dataclass
class Table:
    header_line: int
    columns: dict[int, Column]  # cell index -> ledger column
    rows: list[tuple[int, dict[str, object]]]  # (line, column key -> raw value)
    ignored: list[str]


def _header_score(row: tuple) -> int:
    return sum(
        1 for cell in row if isinstance(cell, str) and header_key(cell) in COLUMN_BY_HEADER_KEY
    )


def read_table(rows: Iterator[Row], limit: int) -> Table | None:
    """The table of one sheet: its header row (the best-matching one among the first
    rows), then the data rows keyed by column. None when no header is found."""
    head: list[Row] = []
    for line, row in rows:
        head.append((line, row))
        if line >= HEADER_SEARCH_ROWS:
            break
    scored = [(_header_score(row), -line, line, row) for line, row in head]
    if not scored or max(scored)[0] == 0:
        return None
    _score, _neg, header_line, header = max(scored)

    problems: list[Problem] = []
    columns: dict[int, Column] = {}
    seen: dict[str, int] = {}
    ignored: list[str] = []
    unnamed: set[int] = set()
    present = {header_key(str(cell).strip()) for cell in header if not is_blank(cell)}
    for index, cell in enumerate(header):
        if is_blank(cell):
            unnamed.add(index)
            continue
        text = str(cell).strip()
        column = column_for_header(header_key(text), present, header_key)
        if column is None:
            problems.append(
                Problem(
                    header_line,
                    text,
                    _("无法识别的列名。请使用模板中的列名;不需要的列请删除。"),
                )
            )
            continue
        if column.key in seen:
            problems.append(
                Problem(header_line, column.header, _("该列出现了不止一次,请只保留一列。"))
            )
            continue
        seen[column.key] = index
        if column.importable or column.key == "number":
            # The case number is not imported, only read to spot a case already in the
            # portal (a row left in an exported ledger used as a template).
            columns[index] = column
        if not column.importable:
            ignored.append(column.header)
    missing = [c.header for c in REQUIRED_COLUMNS if c.key not in seen]
    if missing:
        problems.append(
            Problem(
                header_line,
                "",
                _("缺少必需的列:%(columns)s。请使用导入模板或门户导出的台账。")
                % {"columns": "、".join(missing)},
            )
        )

    data_rows: list[tuple[int, dict[str, object]]] = []
    unnamed_with_data: dict[int, int] = {}

    def remaining() -> Iterable[Row]:
        yield from ((line, row) for line, row in head if line > header_line)
        yield from rows

    for line, row in remaining():
        if all(is_blank(v) for v in row):
            continue
        if len(data_rows) >= limit:
            problems.append(
                Problem(
                    None,
                    "",
                    _("文件超过 %(max)d 行数据,请分成几个文件分别导入。") % {"max": limit},
                )
            )
            break
        for index in unnamed:
            if index < len(row) and not is_blank(row[index]):
                unnamed_with_data.setdefault(index, line)
        data_rows.append(
            (line, {c.key: (row[i] if i < len(row) else None) for i, c in columns.items()})
        )
    for index, line in sorted(unnamed_with_data.items()):
        problems.append(
            Problem(
                line,
                _("第 %(number)d 列") % {"number": index + 1},
                _("该列有内容但没有列名,请补上列名或删除该列。"),
            )
        )
    if problems:
        raise ImportFileError(problems)
    return Table(header_line=header_line, columns=columns, rows=data_rows, ignored=ignored)


def read_ledger_file(content: bytes, file_name: str) -> Table:
    """The ledger table of an uploaded file, or ``ImportFileError`` saying why not."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise file_error(_("只能导入 .xlsx 或 .csv 文件,“%(name)s”不是。") % {"name": file_name})
    limit = max_rows()
    try:
        with open_sheets(content, max_bytes=max_bytes()) as sheets:
            for rows in sheets:
                table = read_table(rows, limit)
                if table is not None:
                    return table
    except SpreadsheetError as error:
        raise file_error(str(error)) from error
    raise file_error(
        _(
            "在文件前 %(rows)d 行中找不到表头。第一行(或标题下面一行)应是列名,"
            "如“区域代码”“受理日期”“案件名称”。"
        )
        % {"rows": HEADER_SEARCH_ROWS}
    )
