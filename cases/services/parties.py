"""A party's agents (委托代理人) and adding the many parties of a group dispute from a
spreadsheet. The party rules themselves are the model's (``check_party_record``) and
registration's (sides, representatives, the cap): both doors here go through them."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cases.attachments import attachment_add
from cases.models import (
    AttachmentKind,
    Case,
    EthnicGroup,
    EventKind,
    Party,
    PartyAgent,
    PartyGender,
    PartyKind,
    PartyRole,
)
from cases.models.parties import _SIDES_EITHER_WAY, _SIDES_WITHOUT_APPLICANT
from cases.policy import Action
from cases.services.registration import MAX_PARTIES, PARTY_FIELDS, case_update, clean_party_data
from cases.workflow import check_allowed, lock_case, record_event, validate_instance
from common.spreadsheets import (
    Problem,
    SpreadsheetError,
    cell_text,
    is_blank,
    loose_key,
    open_sheets,
)
from common.validators import normalise_id_number, normalise_mobile

AGENT_FIELDS = ("name", "kind", "relation", "id_number", "mobile")


@transaction.atomic
def party_agent_add(*, by, party: Party, data: dict, power_of_attorney) -> PartyAgent:
    """Record that ``party`` is represented by an agent, with the signed power of
    attorney (授权委托书), kept as a private attachment of the case. Whoever may correct
    the case's parties may do it; the agent is checked before the file is stored."""
    case = lock_case(party.case)
    check_allowed(by, case, Action.EDIT)
    party = Party.objects.get(pk=party.pk, case=case)
    row = {name: data[name] for name in AGENT_FIELDS if name in data}
    row["id_number"] = normalise_id_number(row.get("id_number", ""))
    row["mobile"] = normalise_mobile(row.get("mobile", ""))
    agent = PartyAgent(party=party, created_by=by, **row)
    validate_instance(agent, exclude=["party", "power_of_attorney", "created_by"])
    if power_of_attorney is None:
        raise ValidationError(
            {"power_of_attorney": _("请上传当事人签名的授权委托书。")}, code="required"
        )
    try:
        attachment = attachment_add(
            case=case,
            by=by,
            upload=power_of_attorney,
            kind=AttachmentKind.POWER_OF_ATTORNEY,
            description=_("%(party)s委托%(agent)s的授权委托书") % {"party": party, "agent": agent},
        )
    except ValidationError as error:
        # The file's problems belong to the power-of-attorney field of this door.
        if hasattr(error, "error_dict") and "file" in error.error_dict:
            raise ValidationError({"power_of_attorney": error.error_dict["file"]}) from error
        raise
    agent.power_of_attorney = attachment
    agent.save()
    record_event(
        case,
        EventKind.EDITED,
        by,
        note=_("%(party)s委托代理人:%(agent)s(%(kind)s)")
        % {"party": party, "agent": agent, "kind": agent.get_kind_display()},
    )
    return agent


# ---------------------------------------------------------------------------
# Parties from a spreadsheet
# ---------------------------------------------------------------------------


@dataclass
class PartyImportResult:
    problems: list[Problem] = field(default_factory=list)
    added: list[Party] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _label(name: str) -> str:
    return str(Party._meta.get_field(name).verbose_name)


# The columns of the party sheet, named as the model names the fields (and so as the
# registration form labels them), with the other names offices put on the header.
def party_import_columns() -> dict[str, list[str]]:
    columns = {name: [_label(name)] for name in PARTY_FIELDS}
    columns["role"] += ["身份", "当事人身份"]
    columns["name"] += ["姓名", "名称", "姓名/名称"]
    columns["mobile"] += ["联系电话", "电话", "手机"]
    columns["id_number"] += ["身份证号", "公民身份号码"]
    return columns


_YES = {"是", "√", "✓", "y", "yes", "true", "1", "代表人"}
_NO = {"", "否", "×", "n", "no", "false", "0"}


def _choice_keys(choices, *more_labels: dict) -> dict[str, str]:
    # A sheet is filled in Chinese (or English) whatever language the page is in.
    keys = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                keys[loose_key(str(value))] = value
                keys[loose_key(str(label))] = value
            for labels in more_labels:
                for value, label in labels.items():
                    keys[loose_key(str(label))] = value
    return keys


def party_cell_value(name: str, raw) -> object:
    """One cell as the value the form would give, or ValueError with what is wrong: the
    party spreadsheet's and the ledger import's reading of a party's choices (kind,
    gender, 民族 as 汉, 汉族 or 01, role) and yes/no fields."""
    text = cell_text(raw).strip()
    if name == "role":
        keys = _choice_keys(PartyRole.choices, _SIDES_EITHER_WAY, _SIDES_WITHOUT_APPLICANT)
        keys.update(
            {loose_key("一方"): PartyRole.APPLICANT, loose_key("另一方"): PartyRole.RESPONDENT}
        )
        return _pick(keys, text, required=True)
    if name == "kind":
        return _pick(_choice_keys(PartyKind.choices), text) or PartyKind.PERSON
    if name == "gender":
        return _pick(_choice_keys(PartyGender.choices), text)
    if name == "ethnicity":
        keys = _choice_keys(EthnicGroup.choices)
        # "汉" for 汉族, "1" for "01": as household books and Excel write them.
        for value, label in EthnicGroup.choices:
            keys.setdefault(loose_key(str(label)).removesuffix("族"), value)
            keys.setdefault(str(int(value)), value)
        return _pick(keys, text)
    if name == "birth_date":
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text.replace("/", "-").replace(".", "-"))
        except ValueError:
            raise ValueError(_("日期格式应为 2026-03-01。")) from None
    if isinstance(Party._meta.get_field(name).default, bool):
        key = loose_key(text)
        if key in _YES:
            return True
        if key in _NO:
            return False
        raise ValueError(_("请填写“是”或留空。"))
    return text


def _pick(keys: dict[str, str], text: str, *, required: bool = False) -> str:
    if not text:
        if required:
            raise ValueError(_("必须填写。"))
        return ""
    try:
        return keys[loose_key(text)]
    except KeyError:
        raise ValueError(_("“%(text)s”不是可选的值。") % {"text": text}) from None


def _find_header(rows) -> tuple[int, dict[int, str]] | None:
    """The first row naming the party's name column, and which field each column holds."""
    by_header = {
        loose_key(header): name
        for name, headers in party_import_columns().items()
        for header in headers
    }
    for line, cells in rows:
        columns = {
            position: by_header[loose_key(cell_text(cell))]
            for position, cell in enumerate(cells)
            if loose_key(cell_text(cell)) in by_header
        }
        if "name" in columns.values():
            return line, columns
        if line >= 10:
            return None
    return None


def case_parties_import(*, by, case: Case, content: bytes) -> PartyImportResult:
    """Add the parties listed in a spreadsheet (.xlsx or .csv, one party a row) to a
    case, all or none: every row is checked with the party rules the forms use, every
    problem is named by line and column, and nothing is saved unless there is none. The
    parties then go through ``case_update``, which checks the sides, representatives
    and the cap, and records the change."""
    # Refused before the file is read: nobody learns anything about a case they may
    # not change.
    check_allowed(by, case, Action.EDIT)
    result = PartyImportResult()
    rows: list[tuple[int, dict]] = []
    try:
        with open_sheets(content, max_bytes=5 * 1024 * 1024) as sheets:
            sheet = next(sheets, None)
            found = _find_header(sheet) if sheet is not None else None
            if found is None:
                result.problems.append(
                    Problem(None, "", _("没有找到表头:第一行应有“姓名/名称”“身份”等列。"))
                )
                return result
            _header_line, columns = found
            headers = {name: party_import_columns()[name][0] for name in columns.values()}
            for line, cells in sheet:
                if all(is_blank(cell) for cell in cells):
                    continue
                rows.append((line, _parse_row(line, cells, columns, headers, result)))
                if len(rows) > MAX_PARTIES:
                    result.problems.append(
                        Problem(
                            None,
                            "",
                            _("一件纠纷最多登记 %(max)d 方当事人,请分开核对。")
                            % {"max": MAX_PARTIES},
                        )
                    )
                    return result
    except SpreadsheetError as error:
        result.problems.append(Problem(None, "", str(error)))
        return result
    if not rows:
        result.problems.append(Problem(None, "", _("表头下面没有当事人。")))
        return result
    if result.problems:
        return result
    try:
        with transaction.atomic():
            before = set(case.parties.values_list("pk", flat=True))
            case_update(case=case, by=by, data={}, parties=[row for _line, row in rows])
            result.added = list(case.parties.exclude(pk__in=before).order_by("id"))
    except ValidationError as error:
        result.problems.extend(_problems_from(error, rows, headers))
    except PermissionDenied as error:
        result.problems.append(Problem(None, "", str(error)))
    return result


def _parse_row(line: int, cells, columns: dict[int, str], headers: dict, result) -> dict:
    row: dict = {}
    for position, name in columns.items():
        raw = cells[position] if position < len(cells) else None
        try:
            row[name] = party_cell_value(name, raw)
        except ValueError as error:
            result.problems.append(Problem(line, headers[name], str(error)))
    if "role" not in row and "role" not in columns.values():
        result.problems.append(
            Problem(line, _label("role"), _("缺少“身份”列:请写明申请人或被申请人。"))
        )
        return row
    # The same checks as the registration of each party (the model's own rules).
    candidate = Party(**clean_party_data(row))
    try:
        validate_instance(candidate, exclude=["case"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = headers.get(name, _label(name) if name in PARTY_FIELDS else "")
            for message in messages:
                result.problems.append(Problem(line, column, message))
    return row


def _problems_from(error: ValidationError, rows, headers: dict) -> list[Problem]:
    """A refusal of the whole set (sides, representatives, the cap), on the line and
    column it names when it names a party of the file."""
    if not hasattr(error, "error_dict"):
        return [Problem(None, "", message) for message in error.messages]
    problems = []
    for key, errors in error.error_dict.items():
        _prefix, _dot, rest = key.partition(".")
        index, _dot, name = rest.partition(".")
        line = rows[int(index)][0] if index.isdigit() and int(index) < len(rows) else None
        column = headers.get(name, "") if line is not None else ""
        for item in errors:
            problems.extend(Problem(line, column, m) for m in item.messages)
    return problems
