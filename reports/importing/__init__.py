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

**Where things are.** ``reading`` finds the table in the file (the file itself is read by
``common.spreadsheets``), ``cells`` turns cells into values, ``rows`` turns a row into a
registration, ``registering`` runs the import, ``template`` writes the empty ledger, and
``results`` holds what comes back. Who may import is ``reports.policy.may_import``.
"""

from reports.importing.reading import (
    HEADER_SEARCH_ROWS,
    IMPORTABLE_COLUMNS,
    REQUIRED_COLUMNS,
    max_bytes,
    max_rows,
    read_ledger_file,
    too_large_message,
)
from reports.importing.registering import import_ledger
from reports.importing.results import ImportedCase, ImportFileError, ImportResult, Problem
from reports.importing.template import TEMPLATE_FILE_NAME, general_notes, write_template

__all__ = [
    "HEADER_SEARCH_ROWS",
    "IMPORTABLE_COLUMNS",
    "REQUIRED_COLUMNS",
    "TEMPLATE_FILE_NAME",
    "ImportFileError",
    "ImportResult",
    "ImportedCase",
    "Problem",
    "general_notes",
    "import_ledger",
    "max_bytes",
    "max_rows",
    "read_ledger_file",
    "too_large_message",
    "write_template",
]
