"""Import of an existing ledger (台账) from .xlsx or .csv, all or nothing.

The file has the columns of ``reports.columns.LEDGER_COLUMNS`` (a ledger exported by the
portal works as a template once ID numbers and phones are filled in full). Every row is
turned into the same ``data`` and ``parties`` a registration form gives
``cases.services.case_register``, so the import refuses exactly what the forms refuse.

The whole file runs in one transaction, each row in its own savepoint; every problem of
every row is collected, and unless there is none the transaction is rolled back: no case,
party, history entry or case number survives a refused file (nor a dry run).

Only the registration is imported. Columns about what happened later (mediators,
sessions, result, agreement, follow-ups, closing) are read past and named on the result,
so nobody believes the history of a case came across.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role
from cases import services
from cases.models import Case, CaseSource, DisputeType, Grade, Party, PartyRole
from cases.policy import Action, role_allows
from common.validators import normalise_id_number, normalise_mobile
from grids.models import Area
from reports.columns import COLUMN_BY_KEY, LEDGER_COLUMNS, PARTY_SEPARATOR, Column, Kind

# Who registers cases in bulk (DOMAIN §1): the back office, and the village secretaries
# who keep the ledger. Supervisors do not register cases at all.
IMPORT_ROLES = (Role.CLERK, Role.VILLAGE_SECRETARY)

# Offices put a title (and sometimes a date line) above the table.
HEADER_SEARCH_ROWS = 10

IMPORTABLE_COLUMNS = tuple(c for c in LEDGER_COLUMNS if c.importable)
REQUIRED_COLUMNS = tuple(c for c in LEDGER_COLUMNS if c.required)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old binary Office files
# The CSV export prefixes these with ' so a spreadsheet never runs them as a formula.
_FORMULA_TRIGGERS = frozenset("=+-@\t\r")
# Parties of one side are one per line (PARTY_SEPARATOR); people also type ; or 、.
_LINE = re.escape(PARTY_SEPARATOR)
_NAME_SEPARATORS = re.compile(f"[{_LINE};；、]")
_NUMBER_SEPARATORS = re.compile(f"[{_LINE};；、,，]")
_ADDRESS_SEPARATORS = re.compile(f"[{_LINE};；]")
_TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def max_bytes() -> int:
    return settings.FENGQIAO_IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.FENGQIAO_IMPORT_MAX_ROWS


def may_import(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.role in IMPORT_ROLES and role_allows(user, Action.REGISTER)


def _key(text: str) -> str:
    """How names are compared: full-width and half-width alike, no spaces, no case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _header_key(text: str) -> str:
    # A template may mark required columns with an asterisk.
    return _key(text).strip("*")


_COLUMN_BY_HEADER_KEY = {_header_key(c.header): c for c in LEDGER_COLUMNS}

# A case field (or party field) named by a ValidationError, and the column it came from.
_CASE_FIELD_COLUMNS = {
    "area": "area_code",
    "title": "title",
    "summary": "summary",
    "source": "source",
    "dispute_type": "dispute_type",
    "grade": "grade",
    "received_on": "received_on",
    "occurred_on": "occurred_on",
    "amount_at_stake": "amount_at_stake",
    "external_reference": "external_reference",
}
_PARTY_FIELD_COLUMNS = {
    PartyRole.APPLICANT: {
        "name": "applicants",
        "id_number": "applicant_id_numbers",
        "mobile": "applicant_mobiles",
        "address": "applicant_addresses",
    },
    PartyRole.RESPONDENT: {
        "name": "respondents",
        "id_number": "respondent_id_numbers",
        "mobile": "respondent_mobiles",
        "address": "respondent_addresses",
    },
}
_FIELD_BY_COLUMN = {column: field for field, column in _CASE_FIELD_COLUMNS.items()}
_SIDES = (
    (PartyRole.APPLICANT, "applicants"),
    (PartyRole.RESPONDENT, "respondents"),
)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ImportedCase:
    pk: int
    number: str
    title: str
    line: int


@dataclass
class ImportResult:
    file_name: str
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0  # data rows read (blank lines not counted)
    cases: list[ImportedCase] = field(default_factory=list)  # kept only when imported
    ignored_columns: list[str] = field(default_factory=list)
    header_line: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def imported(self) -> bool:
        return self.ok and not self.dry_run and bool(self.cases)


class ImportFileError(Exception):
    """The file cannot be read as a ledger at all."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _file_error(message: str) -> ImportFileError:
    return ImportFileError([Problem(None, "", message)])


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------


@dataclass
class _Table:
    header_line: int
    columns: dict[int, Column]  # cell index -> ledger column
    rows: list[tuple[int, dict[str, object]]]  # (line, column key -> raw value)
    ignored: list[str]


def _decode_csv(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" (tab-separated UTF-16).
        encodings = ("utf-16",)
    else:
        # utf-8-sig drops the BOM of Excel's "CSV UTF-8"; the plain "CSV" of a Chinese
        # Excel is GBK, read as GB18030 (its superset), tried only when UTF-8 fails.
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text or _mostly_control(text):
            break
        return text
    raise _file_error(
        _(
            "无法识别文件内容:既不是 Excel(.xlsx)文件,也不是 UTF-8 或 GBK 编码的 CSV 文件。"
            "请在 Excel 中“另存为” .xlsx 或 CSV 后再上传。"
        )
    )


def _mostly_control(text: str) -> bool:
    sample = text[:4096]
    control = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t")
    return control > len(sample) // 20


def _csv_rows(content: bytes) -> Iterator[tuple]:
    text = _decode_csv(content)
    first_lines = text[:4096].splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = (
        "\t"
        if sum(x.count("\t") for x in first_lines) > sum(x.count(",") for x in first_lines)
        else ","
    )
    try:
        # Records, not physical lines: a cell with several parties spans lines, and
        # Excel shows the record as one row.
        yield from (
            tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        )
    except csv.Error as exc:
        raise _file_error(_("CSV 文件格式有误:%(error)s") % {"error": exc}) from exc


def _xlsx_sheets(content: bytes) -> Iterator[Iterator[tuple]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _file_error(_("无法读取 Excel 文件,文件可能已损坏或不是 .xlsx 格式。")) from exc
    try:
        for sheet in workbook.worksheets:
            if hasattr(sheet, "iter_rows"):  # chart sheets have no cells
                yield sheet.iter_rows(values_only=True)
    finally:
        # read_only keeps the file open until closed.
        workbook.close()


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_score(row: tuple) -> int:
    return sum(
        1 for cell in row if isinstance(cell, str) and _header_key(cell) in _COLUMN_BY_HEADER_KEY
    )


def _read_table(rows: Iterator[tuple], limit: int) -> _Table | None:
    """The table of one sheet: its header row (the best-matching one among the first
    rows), then the data rows keyed by column. None when no header is found."""
    head: list[tuple[int, tuple]] = []
    for line, row in enumerate(rows, start=1):
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
    for index, cell in enumerate(header):
        if _is_blank(cell):
            unnamed.add(index)
            continue
        text = str(cell).strip()
        column = _COLUMN_BY_HEADER_KEY.get(_header_key(text))
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

    def remaining() -> Iterable[tuple[int, tuple]]:
        yield from ((line, row) for line, row in head if line > header_line)
        yield from enumerate(rows, start=len(head) + 1)

    for line, row in remaining():
        if all(_is_blank(v) for v in row):
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
            if index < len(row) and not _is_blank(row[index]):
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
    return _Table(header_line=header_line, columns=columns, rows=data_rows, ignored=ignored)


def read_ledger_file(content: bytes, file_name: str) -> _Table:
    """The ledger table of an uploaded file, or ``ImportFileError`` saying why not."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise _file_error(_("只能导入 .xlsx 或 .csv 文件,“%(name)s”不是。") % {"name": file_name})
    if not content.strip():
        raise _file_error(_("文件是空的。"))
    if len(content) > max_bytes():
        raise _file_error(too_large_message())
    if content.startswith(_OLE_MAGIC):
        raise _file_error(
            _(
                "这是旧版 Excel(.xls)或 Word 文件,无法导入。"
                "请在 Excel 中“另存为” .xlsx 或 CSV 后再上传。"
            )
        )
    if content.startswith(_ZIP_MAGIC):
        if not _looks_like_xlsx(content):
            raise _file_error(_("这个文件不是 Excel 工作簿(.xlsx),可能是 Word 文档或压缩包。"))
        sheets: Iterable[Iterator[tuple]] = _xlsx_sheets(content)
    else:
        sheets = [_csv_rows(content)]
    limit = max_rows()
    try:
        for rows in sheets:
            try:
                table = _read_table(rows, limit)
            except ImportFileError:
                raise
            except Exception as exc:  # a damaged workbook fails while its rows are read
                raise _file_error(_("无法读取文件内容,文件可能已损坏。")) from exc
            if table is not None:
                return table
    finally:
        close = getattr(sheets, "close", None)
        if close is not None:
            close()
    raise _file_error(
        _(
            "在文件前 %(rows)d 行中找不到表头。第一行(或标题下面一行)应是列名,"
            "如“区域代码”“受理日期”“案件名称”。"
        )
        % {"rows": HEADER_SEARCH_ROWS}
    )


def _looks_like_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "xl/workbook.xml" in names or any(n.endswith("/workbook.xml") for n in names)


def too_large_message() -> str:
    return _("文件过大:最大 %(size)s MB。请分成几个文件分别导入。") % {
        "size": f"{max_bytes() / 1024 / 1024:g}"
    }


# ---------------------------------------------------------------------------
# Cells to values
# ---------------------------------------------------------------------------


class _CellError(Exception):
    pass


def _text(value) -> str:
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
    if text[:1] == "'" and text[1:2] in _FORMULA_TRIGGERS:
        text = text[1:]
    return text


def _date(value) -> datetime.date | None:
    if _is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell that lost its date format shows Excel's day number.
        if 18000 <= value <= 80000:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        raise _CellError(_("日期格式无法识别,请填写如 2026-10-05。"))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.split(r"[ T]", text, maxsplit=1)[0] if re.match(r"^\d{4}-", text) else text
    match = _TEXT_DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        raise _CellError(_("日期格式无法识别,请填写如 2026-10-05。"))
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _CellError(_("日期不存在,请核对。")) from None


def _amount(value) -> Decimal | None:
    if _is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    text = re.sub(r"[\s,，元¥￥]", "", unicodedata.normalize("NFKC", str(value)))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _CellError(_("金额应为数字,如 1200 或 1200.50。")) from None
    if not amount.is_finite():
        raise _CellError(_("金额应为数字,如 1200 或 1200.50。"))
    return amount


def _id_number_text(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if len(str(int(value))) > 15:
            # Excel keeps 15 significant digits: the last ones of the number are gone.
            raise _CellError(
                _(
                    "身份证号被 Excel 存成了数字,后几位已丢失。"
                    "请把该列设为“文本”格式后重新填写完整号码。"
                )
            )
    return _text(value)


def _split(text: str, separators: re.Pattern) -> list[str]:
    return [part.strip() for part in separators.split(text)]


class _Lookups:
    """Everything a row is matched against, read once per file."""

    def __init__(self, user):
        self.user = user
        self.sources = self._aliases(CaseSource)
        self.dispute_types = self._aliases(DisputeType)
        self.active_source_names = [
            s.name for s in CaseSource.objects.active().order_by("sort_order", "id")
        ]
        self.active_type_names = [
            t.name for t in DisputeType.objects.active().order_by("sort_order", "id")
        ]
        self.grades: dict[str, str] = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                for value, label in Grade.choices:
                    label = unicodedata.normalize("NFKC", str(label))
                    plain = label.split("(")[0]
                    inner = re.findall(r"\((.*?)\)", label)
                    for alias in (value, label, plain, *inner):
                        self.grades[_key(alias)] = value
                    if language == "zh-hans":
                        self.grades[_key(plain[:1])] = value  # 蓝 / 黄 / 红
        self._areas: dict[str, Area | None] = {}

    @staticmethod
    def _aliases(model) -> dict[str, object]:
        aliases: dict[str, object] = {}
        # Inactive first, so an active entry with the same name wins.
        for item in model.objects.order_by("is_active", "sort_order", "id"):
            for alias in (item.code, item.name, item.name_en):
                if alias:
                    aliases[_key(alias)] = item
        return aliases

    def area(self, code: str) -> Area | None:
        if code not in self._areas:
            self._areas[code] = Area.objects.filter(code=code).first()
        return self._areas[code]

    def known_number(self, number: str) -> bool:
        from cases.selectors import visible_cases

        return visible_cases(self.user).filter(number=number).exists()

    def within_reach(self, area: Area) -> bool:
        if self.user.is_superuser:
            return True
        return self.user.area_id is not None and area.is_within(self.user.area)


# ---------------------------------------------------------------------------
# One row
# ---------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    data: dict = field(default_factory=dict)
    parties: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unresolved: set[str] = field(default_factory=set)  # case fields that could not be read
    party_problems: bool = False

    def refuse(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.line, COLUMN_BY_KEY[key].header, message))
        if key in _FIELD_BY_COLUMN:
            self.unresolved.add(_FIELD_BY_COLUMN[key])
        else:
            self.party_problems = True


def _parse_row(line: int, cells: dict[str, object], lookups: _Lookups) -> _Row:
    row = _Row(line)
    number = _text(cells.get("number"))
    if number and lookups.known_number(number):
        row.problems.append(
            Problem(
                line,
                COLUMN_BY_KEY["number"].header,
                _("案件 %(number)s 已在门户中,不能再次导入。如是新案件,请清空案件编号。")
                % {"number": number},
            )
        )
    for column in IMPORTABLE_COLUMNS:
        if column.required and column.key in cells and _is_blank(cells[column.key]):
            row.refuse(column.key, _("此项必填。"))

    code = _text(cells.get("area_code"))
    row.unresolved.add("area")
    if code:
        area = lookups.area(code)
        if area is None:
            row.refuse("area_code", _("区域代码“%(code)s”不存在。") % {"code": code})
        elif not lookups.within_reach(area):
            row.refuse(
                "area_code",
                _("区域“%(name)s”(%(code)s)不在您的管辖范围内。")
                % {"name": area.name, "code": code},
            )
        else:
            row.data["area"] = area
            row.unresolved.discard("area")

    for key in ("received_on", "occurred_on"):
        try:
            day = _date(cells.get(key))
        except _CellError as error:
            row.refuse(key, str(error))
            row.unresolved.add(key)
            continue
        if day is not None:
            row.data[key] = day
        elif key == "received_on":
            row.unresolved.add(key)

    for key in ("title", "summary", "external_reference"):
        if key in cells:
            row.data[key] = _text(cells[key])

    try:
        amount = _amount(cells.get("amount_at_stake"))
    except _CellError as error:
        row.refuse("amount_at_stake", str(error))
        row.unresolved.add("amount_at_stake")
    else:
        if amount is not None:
            row.data["amount_at_stake"] = amount

    for key, aliases, names in (
        ("source", lookups.sources, lookups.active_source_names),
        ("dispute_type", lookups.dispute_types, lookups.active_type_names),
    ):
        text = _text(cells.get(key))
        row.unresolved.add(key)
        if not text:
            continue
        item = aliases.get(_key(text))
        if item is None:
            row.refuse(
                key,
                _("“%(value)s”不在可选范围内。可填写:%(choices)s。")
                % {"value": text, "choices": "、".join(names)},
            )
        elif not item.is_active:
            row.refuse(key, _("“%(name)s”已停用,请选择其他选项。") % {"name": item.name})
        else:
            row.data[key] = item
            row.unresolved.discard(key)

    grade_text = _text(cells.get("grade"))
    grade = lookups.grades.get(_key(grade_text)) if grade_text else None
    if grade is None:
        row.unresolved.add("grade")
        if grade_text:
            row.refuse(
                "grade",
                _(
                    "“%(value)s”不是风险等级。可填写:蓝色(一般)、黄色(较大)、红色(重大),或简写蓝、黄、红。"
                )
                % {"value": grade_text},
            )
    else:
        row.data["grade"] = grade

    for role, names_key in _SIDES:
        _parse_side(row, cells, role, names_key)
    return row


def _parse_side(row: _Row, cells: dict, role: str, names_key: str) -> None:
    keys = _PARTY_FIELD_COLUMNS[role]
    names = [n for n in _split(_text(cells.get(names_key)), _NAME_SEPARATORS) if n]
    side_label = COLUMN_BY_KEY[names_key].header
    values: dict[str, list[str]] = {}
    for party_field, separators in (
        ("id_number", _NUMBER_SEPARATORS),
        ("mobile", _NUMBER_SEPARATORS),
        ("address", _ADDRESS_SEPARATORS),
    ):
        key = keys[party_field]
        raw = cells.get(key)
        try:
            text = _id_number_text(raw) if party_field == "id_number" else _text(raw)
        except _CellError as error:
            row.refuse(key, str(error))
            text = ""
        parts = _split(text, separators) if text else []
        while parts and not parts[-1]:
            parts.pop()
        if len(parts) > len(names):
            row.refuse(
                key,
                _(
                    "填了 %(values)d 项,但%(side)s只有 %(names)d 名;"
                    "多名当事人请每行一名,与姓名逐行对应。"
                )
                % {"values": len(parts), "side": side_label, "names": len(names)},
            )
            parts = parts[: len(names)]
        values[party_field] = parts + [""] * (len(names) - len(parts))

    for position, name in enumerate(names):
        party = {
            "role": role,
            "name": name,
            "id_number": values["id_number"][position],
            "mobile": values["mobile"][position],
            "address": values["address"][position],
        }
        for party_field, label in (
            ("id_number", _("身份证号不完整(已脱敏),请填写完整号码。")),
            ("mobile", _("手机号码不完整(已脱敏),请填写完整号码。")),
        ):
            if "*" in party[party_field]:
                row.refuse(keys[party_field], f"{name}:{label}")
                party[party_field] = ""
        _check_party(row, party)
        row.parties.append(party)


def _check_party(row: _Row, party: dict) -> None:
    """The party model's own rules, per party, so each problem names the party."""
    candidate = Party(
        **{
            **party,
            "id_number": normalise_id_number(party["id_number"]),
            "mobile": normalise_mobile(party["mobile"]),
        }
    )
    try:
        candidate.full_clean(exclude=["case"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        columns = _PARTY_FIELD_COLUMNS[party["role"]]
        for party_field, messages in error.message_dict.items():
            key = columns.get(party_field, columns["name"])
            for message in messages:
                row.refuse(key, f"{party['name']}:{message}")


def _problems_from(line: int, error: ValidationError, skip_party_fields: bool) -> list[Problem]:
    problems = []
    error_dict = getattr(error, "error_dict", None) or {"__all__": error.error_list}
    for field_name, errors in error_dict.items():
        if field_name in _CASE_FIELD_COLUMNS:
            column = COLUMN_BY_KEY[_CASE_FIELD_COLUMNS[field_name]].header
        elif field_name in services.PARTY_FIELDS:
            if skip_party_fields:
                continue
            column = _("当事人")
        elif field_name == "parties":
            if skip_party_fields:
                continue
            column = _("当事人")
        else:
            column = ""
        for item in errors:
            problems.extend(Problem(line, column, message) for message in item.messages)
    return problems


def _check_case_fields(row: _Row) -> None:
    """The case model's rules for the fields that could be read, when the row is too
    incomplete to hand to the registration (so every problem shows in one pass)."""
    fields = {k: v for k, v in row.data.items() if k in services.CASE_FIELDS}
    case = Case(**fields)
    exclude = {
        "number",
        "numbering_area",
        "number_year",
        "number_sequence",
        "created_by",
        "level",
        *row.unresolved,
    }
    try:
        case.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        row.problems.extend(_problems_from(row.line, error, skip_party_fields=True))


# ---------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------


def import_ledger(*, by, content: bytes, file_name: str, dry_run: bool = False) -> ImportResult:
    """Check every row of the file and register them all, or none.

    File-level problems (unreadable, no header, missing columns, too many rows) and row
    problems all come back in ``result.problems``; the cases stay only when there is
    none and this is not a dry run.
    """
    if not may_import(by):
        raise PermissionDenied(_("您没有权限导入台账。"))
    file_name = PurePath(file_name or "").name[:100]
    result = ImportResult(file_name=file_name, dry_run=dry_run)
    try:
        table = read_ledger_file(content, file_name)
    except ImportFileError as error:
        result.problems = error.problems
        return result
    result.header_line = table.header_line
    result.ignored_columns = table.ignored
    result.rows = len(table.rows)
    if not table.rows:
        result.problems.append(Problem(None, "", _("文件中没有案件数据(表头下面是空的)。")))
        return result

    lookups = _Lookups(by)
    seen_references: dict[tuple[int, str], int] = {}
    seen_cases: dict[tuple, int] = {}
    imported: list[ImportedCase] = []
    with transaction.atomic():
        for line, cells in table.rows:
            row = _parse_row(line, cells, lookups)
            duplicate_of = _duplicate(row, seen_references, seen_cases)
            if duplicate_of is not None:
                row.problems.append(duplicate_of)
            elif row.unresolved:
                # Too incomplete for the registration: the model's rules for the rest.
                _check_case_fields(row)
            else:
                _register(row, by, file_name, imported)
            result.problems.extend(row.problems)
        if result.problems or dry_run:
            # Nothing of the file stays: cases, parties, history, case numbers.
            transaction.set_rollback(True)
    if result.ok and not dry_run:
        result.cases = imported
    return result


def _register(row: _Row, by, file_name: str, imported: list[ImportedCase]) -> None:
    """Hand the row to the registration, for the rules only it knows (and, when the row
    is clean, to register it). ``case_register`` is atomic, so inside the file's
    transaction each row runs in its own savepoint: a refused row leaves nothing behind
    and the next row goes on. A row that already has party problems is still handed
    over for its case's own problems; it is never kept, as the file is then rolled back.
    Party problems are not repeated: the service stops at the first party it refuses."""
    note = _("由台账导入:%(file)s 第 %(line)d 行") % {"file": file_name, "line": row.line}
    try:
        case = services.case_register(by=by, data=row.data, parties=row.parties, note=note)
    except ValidationError as error:
        row.problems.extend(_problems_from(row.line, error, row.party_problems))
    except PermissionDenied as error:
        row.problems.append(Problem(row.line, "", str(error) or _("您没有权限登记案件。")))
    else:
        if not row.problems:
            imported.append(ImportedCase(case.pk, case.number, case.title, row.line))


def _duplicate(
    row: _Row, seen_references: dict[tuple[int, str], int], seen_cases: dict[tuple, int]
) -> Problem | None:
    """The same case twice in one file (a copied row): refused, not registered twice."""
    reference = (row.data.get("external_reference") or "").strip()
    source = row.data.get("source")
    if reference and source is not None:
        key = (source.pk, reference)
        if key in seen_references:
            return Problem(
                row.line,
                COLUMN_BY_KEY["external_reference"].header,
                _("来文编号“%(reference)s”与第 %(line)d 行重复。")
                % {"reference": reference, "line": seen_references[key]},
            )
        seen_references[key] = row.line
    title, received_on = row.data.get("title"), row.data.get("received_on")
    if title and received_on and row.parties:
        key = (title, received_on, tuple(sorted((p["role"], p["name"]) for p in row.parties)))
        if key in seen_cases:
            return Problem(
                row.line,
                "",
                _("与第 %(line)d 行重复(案件名称、受理日期和当事人都相同)。")
                % {"line": seen_cases[key]},
            )
        seen_cases[key] = row.line
    return None


# ---------------------------------------------------------------------------
# The template workbook
# ---------------------------------------------------------------------------

TEMPLATE_FILE_NAME = "台账导入模板.xlsx"


def _column_notes(lookups: _Lookups) -> dict[str, str]:
    return {
        "area_code": _("案件发生地的区域代码(村/社区或网格),须在您的管辖范围内;见“区域代码”表。"),
        "received_on": _("日期,如 2026-10-05、2026/10/5 或 2026年10月5日;不能晚于今天。"),
        "occurred_on": _("日期,格式同受理日期;可不填。"),
        "title": _("如:张某与李某宅基地纠纷;最多100字。"),
        "applicants": _("姓名或单位名称;多名申请人每行一名(单元格内换行),也可用“;”或“、”分隔。"),
        "applicant_id_numbers": _(
            "18位身份证号,须完整(导出台账中的脱敏号码不能导入);"
            "多名申请人时与姓名逐行对应;可不填。请把本列设为“文本”格式。"
        ),
        "applicant_mobiles": _("11位手机号码,多名时与姓名逐行对应;可不填。"),
        "applicant_addresses": _("住址,多名时与姓名逐行对应;可不填。"),
        "respondents": _("同申请人。"),
        "respondent_id_numbers": _("同申请人身份证号。"),
        "respondent_mobiles": _("同申请人联系电话。"),
        "respondent_addresses": _("同申请人住址。"),
        "source": _("可填写:%(choices)s。") % {"choices": "、".join(lookups.active_source_names)},
        "dispute_type": _("可填写:%(choices)s。")
        % {"choices": "、".join(lookups.active_type_names)},
        "grade": _("蓝色(一般)、黄色(较大)、红色(重大),也可简写为蓝、黄、红。"),
        "summary": _("简要案情;最多4000字。"),
        "amount_at_stake": _("数字,单位元,如 1200 或 1200.50;可不填。"),
        "external_reference": _("法院、公安、信访、12345等转来的编号;同一来源的编号不能重复。"),
    }


def write_template(target, user) -> None:
    """An empty ledger to fill in: the import columns, a sheet explaining each of them,
    and the area codes within the user's reach."""
    import xlsxwriter

    from grids.selectors import areas_within_reach

    lookups = _Lookups(user)
    notes = _column_notes(lookups)
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required_header = workbook.add_format(
        {"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#C00000"}
    )
    text = workbook.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    money = workbook.add_format({"num_format": "#,##0.00", "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True})

    ledger = workbook.add_worksheet(_("台账"))
    for index, column in enumerate(IMPORTABLE_COLUMNS):
        cell_format = {Kind.DATE: date, Kind.MONEY: money}.get(column.kind, text)
        ledger.set_column(index, index, column.width, cell_format)
        ledger.write_string(0, index, column.header, required_header if column.required else header)
        ledger.write_comment(0, index, notes.get(column.key, ""))
    ledger.freeze_panes(1, 0)

    guide = workbook.add_worksheet(_("填写说明"))
    guide.set_column(0, 0, 18)
    guide.set_column(1, 1, 8)
    guide.set_column(2, 2, 90, wrap)
    guide.write_row(0, 0, [_("列名"), _("必填"), _("填写说明")], bold)
    for row_index, column in enumerate(IMPORTABLE_COLUMNS, start=1):
        guide.write_string(row_index, 0, column.header)
        guide.write_string(row_index, 1, _("是") if column.required else "")
        guide.write_string(row_index, 2, notes.get(column.key, ""))
    row_index = len(IMPORTABLE_COLUMNS) + 2
    for line in general_notes():
        guide.write_string(row_index, 0, line)
        row_index += 1

    areas = workbook.add_worksheet(_("区域代码"))
    areas.set_column(0, 0, 16, text)
    areas.set_column(1, 1, 40)
    areas.write_row(0, 0, [_("区域代码"), _("名称")], bold)
    reach = areas_within_reach(user).order_by("path").values_list("code", "name", "depth")
    for row_index, (code, name, depth) in enumerate(reach.iterator(), start=1):
        areas.write_string(row_index, 0, code)
        areas.write_string(row_index, 1, f"{'　' * depth}{name}")
    workbook.close()


def general_notes() -> list[str]:
    """What the page, the template and the command all say about the import."""
    return [
        _("第一行是列名(上面可以有一行标题);每个案件一行;红色列名为必填列。"),
        _("只导入案件登记信息,导入后案件状态为“登记”。"),
        _(
            "调解员、调解次数、状态、调解结果、协议、履行、回访、销号等列不导入,会被忽略;请在门户中逐案办理。"
        ),
        _("门户导出的台账可以作为模板,但身份证号和手机号须填写完整号码。"),
        _("整个文件全部校验通过才会导入;有任何一行出错,文件中的案件均不导入。"),
    ]
