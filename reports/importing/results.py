"""What an import gives back: the problems found, the cases registered."""

from dataclasses import dataclass, field

from common.spreadsheets import Problem


@dataclass(frozen=True)
class ImportedCase:
    pk: int
    number: str
    title: str
    line: int
    # cases.people.Repeats.as_data of the row's parties (earlier cases the importer may
    # see), or None when there are none.
    repeats: dict | None = None


@dataclass
class ImportResult:
    file_name: str
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0  # data rows read (blank lines not counted)
    cases: list[ImportedCase] = field(default_factory=list)  # kept only when imported
    ignored_columns: list[str] = field(default_factory=list)
    header_line: int | None = None
    # The rows whose parties have earlier disputes, also on a dry run (the check).
    repeat_rows: list[ImportedCase] = field(default_factory=list)

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


def file_error(message: str) -> ImportFileError:
    return ImportFileError([Problem(None, "", message)])
