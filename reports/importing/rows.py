"""One data row of the ledger to the ``data`` and ``parties`` a registration form gives
``cases.services.case_register``, with every problem of the row, each naming its column."""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from cases import services
from cases.models import Case, CaseSource, DisputeType, Grade, Party, PartyRole
from cases.selectors import visible_cases
from cases.workflow import validate_instance
from common.spreadsheets import cell_text, is_blank, loose_key
from grids.models import Area
from reports.columns import COLUMN_BY_KEY, PARTY_DETAIL_FIELDS, PARTY_DETAIL_SIDES
from reports.importing.cells import (
    ADDRESS_SEPARATORS,
    NAME_SEPARATORS,
    NUMBER_SEPARATORS,
    CellError,
    amount_value,
    date_value,
    id_number_text,
    split_parts,
)
from reports.importing.reading import IMPORTABLE_COLUMNS
from reports.importing.results import Problem

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
for _side, _prefix in PARTY_DETAIL_SIDES:
    _PARTY_FIELD_COLUMNS[PartyRole(_side)].update(
        {field: f"{_side}_{field}" for field, _header, _width in PARTY_DETAIL_FIELDS}
    )
_FIELD_BY_COLUMN = {column: field for field, column in _CASE_FIELD_COLUMNS.items()}
_SIDES = (
    (PartyRole.APPLICANT, "applicants"),
    (PartyRole.RESPONDENT, "respondents"),
)


class Lookups:
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
                        self.grades[loose_key(alias)] = value
                    if language == "zh-hans":
                        self.grades[loose_key(plain[:1])] = value  # 蓝 / 黄 / 红
        self._areas: dict[str, Area | None] = {}

    @staticmethod
    def _aliases(model) -> dict[str, object]:
        aliases: dict[str, object] = {}
        # Inactive first, so an active entry with the same name wins.
        for item in model.objects.order_by("is_active", "sort_order", "id"):
            for alias in (item.code, item.name, item.name_en):
                if alias:
                    aliases[loose_key(alias)] = item
        return aliases

    def area(self, code: str) -> Area | None:
        if code not in self._areas:
            self._areas[code] = Area.objects.filter(code=code).first()
        return self._areas[code]

    def known_number(self, number: str) -> bool:
        return visible_cases(self.user).filter(number=number).exists()

    def within_reach(self, area: Area) -> bool:
        if self.user.is_superuser:
            return True
        return self.user.area_id is not None and area.is_within(self.user.area)


@dataclass
class Row:
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


def parse_row(line: int, cells: dict[str, object], lookups: Lookups) -> Row:
    row = Row(line)
    number = cell_text(cells.get("number"))
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
        if column.required and column.key in cells and is_blank(cells[column.key]):
            row.refuse(column.key, _("此项必填。"))

    code = cell_text(cells.get("area_code"))
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
            day = date_value(cells.get(key))
        except CellError as error:
            row.refuse(key, str(error))
            row.unresolved.add(key)
            continue
        if day is not None:
            row.data[key] = day
        elif key == "received_on":
            row.unresolved.add(key)

    for key in ("title", "summary", "external_reference"):
        if key in cells:
            row.data[key] = cell_text(cells[key])

    try:
        amount = amount_value(cells.get("amount_at_stake"))
    except CellError as error:
        row.refuse("amount_at_stake", str(error))
        row.unresolved.add("amount_at_stake")
    else:
        if amount is not None:
            row.data["amount_at_stake"] = amount

    for key, aliases, names in (
        ("source", lookups.sources, lookups.active_source_names),
        ("dispute_type", lookups.dispute_types, lookups.active_type_names),
    ):
        text = cell_text(cells.get(key))
        row.unresolved.add(key)
        if not text:
            continue
        item = aliases.get(loose_key(text))
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

    grade_text = cell_text(cells.get("grade"))
    grade = lookups.grades.get(loose_key(grade_text)) if grade_text else None
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


def _parse_side(row: Row, cells: dict, role: str, names_key: str) -> None:
    keys = _PARTY_FIELD_COLUMNS[role]
    names = [n for n in split_parts(cell_text(cells.get(names_key)), NAME_SEPARATORS) if n]
    side_label = COLUMN_BY_KEY[names_key].header
    values: dict[str, list[str]] = {}
    for party_field, separators in (
        ("id_number", NUMBER_SEPARATORS),
        ("mobile", NUMBER_SEPARATORS),
        ("address", ADDRESS_SEPARATORS),
    ):
        key = keys[party_field]
        raw = cells.get(key)
        try:
            text = id_number_text(raw) if party_field == "id_number" else cell_text(raw)
        except CellError as error:
            row.refuse(key, str(error))
            text = ""
        parts = split_parts(text, separators) if text else []
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

    details = {
        party_field: _detail_parts(row, cells, keys[party_field], len(names), side_label)
        for party_field, _header, _width in PARTY_DETAIL_FIELDS
        if keys[party_field] in cells
    }
    for position, name in enumerate(names):
        party = {
            "role": role,
            "name": name,
            "id_number": values["id_number"][position],
            "mobile": values["mobile"][position],
            "address": values["address"][position],
        }
        for party_field, parts in details.items():
            _read_detail(row, party, keys[party_field], party_field, parts[position])
        for party_field, label in (
            ("id_number", _("身份证号不完整(已脱敏),请填写完整号码。")),
            ("mobile", _("手机号码不完整(已脱敏),请填写完整号码。")),
        ):
            if "*" in party[party_field]:
                row.refuse(keys[party_field], f"{name}:{label}")
                party[party_field] = ""
        _check_party(row, party)
        row.parties.append(party)


def _detail_parts(row: Row, cells: dict, key: str, count: int, side_label: str) -> list:
    """A further detail's cell of one side, one value a party, line by line like the
    names (a date cell of a side of one is that party's date)."""
    raw = cells.get(key)
    if isinstance(raw, datetime.date):
        parts = [raw]
    else:
        text = cell_text(raw)
        parts = split_parts(text, ADDRESS_SEPARATORS) if text else []
    while parts and not parts[-1]:
        parts.pop()
    if len(parts) > count:
        row.refuse(
            key,
            _(
                "填了 %(values)d 项,但%(side)s只有 %(names)d 名;"
                "多名当事人请每行一名,与姓名逐行对应。"
            )
            % {"values": len(parts), "side": side_label, "names": count},
        )
        parts = parts[:count]
    return parts + [""] * (count - len(parts))


def _read_detail(row: Row, party: dict, key: str, party_field: str, raw) -> None:
    """One party's further detail as the party spreadsheet reads it (kind, 民族, yes/no
    for 代表人; ``services.party_cell_value``), a birth date as the ledger's other dates.
    Blank leaves the field to the model's default (a person; gender and birth date from
    the ID number)."""
    if is_blank(raw):
        return
    try:
        if party_field == "birth_date":
            party[party_field] = date_value(raw)
        else:
            party[party_field] = services.party_cell_value(party_field, raw)
    except (CellError, ValueError) as error:
        row.refuse(key, f"{party['name']}:{error}")


def _check_party(row: Row, party: dict) -> None:
    """The party model's own rules, per party, so each problem names the party: the
    registration's cleaning (``services.clean_party_data``: numbers and credit code
    normalised) and the model's checks (``check_party_record``: the ID number against
    gender and birth date, the credit code, what a person or an organisation has)."""
    candidate = Party(**services.clean_party_data(party))
    try:
        validate_instance(candidate, exclude=["case"])
    except ValidationError as error:
        columns = _PARTY_FIELD_COLUMNS[party["role"]]
        for party_field, messages in error.message_dict.items():
            key = columns.get(party_field, columns["name"])
            for message in messages:
                row.refuse(key, f"{party['name']}:{message}")


def problems_from(line: int, error: ValidationError, skip_party_fields: bool) -> list[Problem]:
    problems = []
    error_dict = getattr(error, "error_dict", None) or {"__all__": error.error_list}
    for field_name, errors in error_dict.items():
        if field_name in _CASE_FIELD_COLUMNS:
            column = COLUMN_BY_KEY[_CASE_FIELD_COLUMNS[field_name]].header
        elif field_name.startswith("parties.") or field_name in services.PARTY_FIELDS:
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


def check_case_fields(row: Row) -> None:
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
        row.problems.extend(problems_from(row.line, error, skip_party_fields=True))
