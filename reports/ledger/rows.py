"""The ledger's rows as plain tuples, chunk by chunk, every label looked up once per
export in the active language."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.models import (
    AgreementForm,
    CaseSource,
    DisputeType,
    FollowUpKind,
    Grade,
    HandlingLevel,
    Performance,
    PerformanceCheck,
    Satisfaction,
    Status,
)
from cases.outcomes import Outcome, outcome_of
from grids.models import Area
from reports.columns import PARTY_SEPARATOR, Column, Kind
from reports.ledger.read_ahead import in_background, may_read_ahead
from reports.ledger.reading import CASE_FIELDS, Related, read_chunks
from reports.periods import Period

# Positions in a case row as read (reading.CASE_FIELDS): by name, so a field added to the
# read cannot shift what a column shows.
_NUMBER, _AREA, _TITLE = (CASE_FIELDS.index(f) for f in ("number", "area_id", "title"))

CHUNK_SIZE = 2000

# Told the number of ledger rows done so far, once per chunk (the progress bar).
Progress = Callable[[int], None]

# The follow-up sheet: one row per visit of the ledger's cases. Headers stay Chinese,
# like the ledger's.
FOLLOW_UP_COLUMNS: tuple[Column, ...] = (
    Column("row", "序号", 6, Kind.INTEGER),
    Column("number", "案件编号", 16),
    Column("area", "所属区域", 18),
    Column("title", "案件名称", 22),
    Column("kind", "回访类型", 20),
    Column("due_on", "应回访日期", 11, Kind.DATE),
    Column("done_on", "回访日期", 11, Kind.DATE),
    Column("done_by", "回访人", 10),
    Column("performance", "履行情况", 12),
    Column("satisfaction", "满意度", 10),
    Column("rebound_signs", "反弹隐患", 9),
    Column("flared_again", "再次激化", 9),
    Column("notes", "回访情况", 40, Kind.LONG_TEXT),
    Column("state", "状态", 8),
)


@dataclass
class LedgerChunk:
    rows: list[tuple]  # ledger rows, in LEDGER_COLUMNS order
    follow_ups: list[tuple]  # follow-up sheet rows, in FOLLOW_UP_COLUMNS order


class Labels:
    """Every label a row needs, looked up once per export in the active language."""

    def __init__(self, area: Area):
        def choices(enum) -> dict[str, str]:
            return {value: str(label) for value, label in enum.choices}

        def lookup(model) -> dict[int, str]:
            # Lookup.__str__ picks the English name when there is one and English is active.
            return {row.pk: str(row) for row in model.objects.only("name", "name_en")}

        self.status = choices(Status)
        self.grade = choices(Grade)
        self.level = choices(HandlingLevel)
        self.outcome = choices(Outcome)
        self.agreement_form = choices(AgreementForm)
        self.performance = choices(Performance)
        self.follow_up_kind = choices(FollowUpKind)
        self.performance_check = choices(PerformanceCheck)
        self.satisfaction = choices(Satisfaction)
        self.source = lookup(CaseSource)
        self.dispute_type = lookup(DisputeType)
        self.areas = {
            pk: (name, code)
            for pk, name, code in Area.objects.subtree(area).values_list("pk", "name", "code")
        }
        self.yes = _("是")
        self.follow_up_state = {
            "done": _("已完成"),
            "cancelled": _("已取消"),
            "waiting": _("待回访"),
        }
        # outcome_of() per distinct (status, failure_reason, resolution_means), not per row.
        self._outcomes: dict[tuple[str, str, str], str] = {}

    def outcome_label(self, status: str, failure_reason: str, resolution_means: str = "") -> str:
        key = (status, failure_reason, resolution_means)
        label = self._outcomes.get(key)
        if label is None:
            outcome = outcome_of(status, failure_reason, resolution_means)
            label = self.outcome[outcome] if outcome is not None else ""
            self._outcomes[key] = label
        return label


def _joined(values: tuple[str, ...]) -> str:
    """One line per party; blank lines keep the columns of one side aligned."""
    return PARTY_SEPARATOR.join(values) if any(values) else ""


_NO_PARTY = ("", "", "", "")


def _side(parties: list[tuple] | None) -> tuple[str, str, str, str]:
    """Names, masked ID numbers, masked mobiles, addresses of one side of a case."""
    if not parties:
        return _NO_PARTY
    if len(parties) == 1:
        return parties[0]
    names, id_numbers, mobiles, addresses = zip(*parties, strict=True)
    return (_joined(names), _joined(id_numbers), _joined(mobiles), _joined(addresses))


def _follow_up_line(labels: Labels, done_on, kind, performance, satisfaction, notes) -> str:
    findings = "/".join(
        part
        for part in (
            labels.performance_check.get(performance, ""),
            labels.satisfaction.get(satisfaction, ""),
            notes.strip(),
        )
        if part
    )
    head = f"{done_on.isoformat()} {labels.follow_up_kind.get(kind, kind)}"
    return f"{head}: {findings}" if findings else head


def iter_chunks(
    area: Area,
    period: Period,
    *,
    chunk_size: int = CHUNK_SIZE,
    with_follow_up_rows: bool = True,
) -> Iterator[LedgerChunk]:
    """The ledger, ``chunk_size`` cases at a time, with the follow-up sheet's rows of the
    same cases. Labels are those of the language active when the first chunk is read.

    On PostgreSQL, outside a transaction, the next chunk is read by a helper thread while
    this one is turned into rows and written: the database works while Python does.
    (Inside a transaction a second connection would not see the same data, so there it
    reads in line; so it does on SQLite, whose reads are in-process anyway.)"""
    labels = Labels(area)

    def read():
        return read_chunks(area, period, chunk_size, with_follow_up_rows)

    chunks = in_background(read) if may_read_ahead() else read()
    row_number = 0
    follow_up_number = 0
    for chunk, related in chunks:
        rows = []
        for case in chunk:
            row_number += 1
            rows.append(_ledger_row(row_number, case, related, labels))
        follow_up_rows = []
        if with_follow_up_rows:
            for case in chunk:
                for visit in related.follow_ups.get(case[0], ()):
                    follow_up_number += 1
                    follow_up_rows.append(_follow_up_row(follow_up_number, case, visit, labels))
        yield LedgerChunk(rows, follow_up_rows)


def ledger_rows(area: Area, period: Period, *, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple]:
    """The ledger rows alone, one at a time (the CSV and the command's callers)."""
    for chunk in iter_chunks(area, period, chunk_size=chunk_size, with_follow_up_rows=False):
        yield from chunk.rows


def follow_up_rows(area: Area, period: Period) -> Iterator[tuple]:
    for chunk in iter_chunks(area, period):
        yield from chunk.follow_ups


def _ledger_row(row_number: int, case: tuple, related: Related, labels: Labels) -> tuple:
    (
        pk,
        number,
        area_id,
        received_on,
        accepted_on,
        occurred_on,
        title,
        source_id,
        dispute_type_id,
        grade,
        level,
        summary,
        amount_at_stake,
        external_reference,
        status,
        failure_reason,
        deadline,
        closed_on,
        resolution_means,
    ) = case
    area_name, area_code = labels.areas.get(area_id, ("", ""))
    applicants, applicant_ids, applicant_mobiles, applicant_addresses = _side(
        related.applicants.get(pk, ())
    )
    respondents, respondent_ids, respondent_mobiles, respondent_addresses = _side(
        related.respondents.get(pk, ())
    )
    agreement = related.agreements.get(pk)
    if agreement is None:
        agreement_form = agreement_amount = performance = None
    else:
        form, agreement_amount, performance = agreement
        agreement_form = labels.agreement_form.get(form, form)
        performance = labels.performance.get(performance, performance)
    visits = [
        _follow_up_line(labels, done_on, kind, check, satisfaction, notes)
        for kind, _due, done_on, _by, _u, check, satisfaction, _r, _f, notes, _c in (
            related.follow_ups.get(pk, ())
        )
        if done_on is not None
    ]
    return (
        row_number,
        number,
        area_name,
        area_code,
        accepted_on,
        received_on,
        occurred_on,
        title,
        applicants,
        applicant_ids,
        applicant_mobiles,
        applicant_addresses,
        respondents,
        respondent_ids,
        respondent_mobiles,
        respondent_addresses,
        labels.source.get(source_id, ""),
        labels.dispute_type.get(dispute_type_id, ""),
        labels.grade.get(grade, grade),
        labels.level.get(level, level),
        summary,
        amount_at_stake,
        external_reference,
        PARTY_SEPARATOR.join(related.mediators.get(pk, ())),
        related.sessions.get(pk, 0),
        labels.status.get(status, status),
        labels.outcome_label(status, failure_reason, resolution_means),
        agreement_form,
        agreement_amount,
        performance,
        "\n".join(visits),
        deadline,
        closed_on,
    )


def _follow_up_row(row_number: int, case: tuple, visit: tuple, labels: Labels) -> tuple:
    (
        kind,
        due_on,
        done_on,
        by_name,
        by_username,
        check,
        satisfaction,
        rebound_signs,
        flared_again,
        notes,
        cancelled,
    ) = visit
    if done_on is not None:
        state = labels.follow_up_state["done"]
    elif cancelled:
        state = labels.follow_up_state["cancelled"]
    else:
        state = labels.follow_up_state["waiting"]
    return (
        row_number,
        case[_NUMBER],
        labels.areas.get(case[_AREA], ("", ""))[0],
        case[_TITLE],
        labels.follow_up_kind.get(kind, kind),
        due_on,
        done_on,
        by_name or by_username or "",
        labels.performance_check.get(check, ""),
        labels.satisfaction.get(satisfaction, ""),
        labels.yes if rebound_signs else "",
        labels.yes if flared_again else "",
        notes,
        state,
    )
