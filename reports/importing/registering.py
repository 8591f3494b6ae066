"""The import itself: every row checked, then all registered in one transaction, or none."""

from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import people, services
from reports.columns import COLUMN_BY_KEY
from reports.importing.reading import read_ledger_file
from reports.importing.results import ImportedCase, ImportFileError, ImportResult, Problem
from reports.importing.rows import Lookups, Row, check_case_fields, parse_row, problems_from
from reports.policy import may_import


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

    lookups = Lookups(by)
    seen_references: dict[tuple[int, str], int] = {}
    seen_cases: dict[tuple, int] = {}
    imported: list[ImportedCase] = []
    with transaction.atomic():
        for line, cells in table.rows:
            row = parse_row(line, cells, lookups)
            duplicate_of = _duplicate(row, seen_references, seen_cases)
            if duplicate_of is not None:
                row.problems.append(duplicate_of)
            elif row.unresolved:
                # Too incomplete for the registration: the model's rules for the rest.
                check_case_fields(row)
            else:
                _register(row, by, file_name, imported)
            result.problems.extend(row.problems)
        if result.problems or dry_run:
            # Nothing of the file stays: cases, parties, history, case numbers.
            transaction.set_rollback(True)
    if result.ok:
        result.repeat_rows = [case for case in imported if case.repeats]
    if result.ok and not dry_run:
        result.cases = imported
    return result


def _register(row: Row, by, file_name: str, imported: list[ImportedCase]) -> None:
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
        row.problems.extend(problems_from(row.line, error, row.party_problems))
    except PermissionDenied as error:
        row.problems.append(Problem(row.line, "", str(error) or _("您没有权限登记案件。")))
    else:
        if not row.problems:
            # Earlier rows of the same file count too: they are registered by now.
            repeats = people.repeat_disputes_for(
                case.parties.all(), user=by, area=case.area, exclude_case=case
            )
            imported.append(
                ImportedCase(
                    case.pk,
                    case.number,
                    case.title,
                    row.line,
                    repeats.as_data() if repeats else None,
                )
            )


def _duplicate(
    row: Row, seen_references: dict[tuple[int, str], int], seen_cases: dict[tuple, int]
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
                _("转办编号“%(reference)s”与第 %(line)d 行重复。")
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
