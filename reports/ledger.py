"""The rows of the monthly ledger (月度台账, DOMAIN §5): what the xlsx and CSV exports write.

The ledger of an area and a period is every case of the area and everything under it,
voided ones left out, whose registration date (``received_on``) falls in the period, in
registration order; the same cohort the statistics count.

**Streaming.** A district's year is ~100,000 cases, so nothing here holds more than one
chunk: cases are read in keyset chunks (``received_on, id`` after the last one seen),
each chunk with a fixed handful of ``values_list`` queries for its parties, mediators,
session counts, current agreement and follow-ups, whatever the chunk size. No model is
instantiated per row: the rows are plain tuples built from plain tuples, and every label
(status, grade, source, ...) is looked up once per export in the active language. Memory
stays flat however many cases there are; time grows with the rows.

ID numbers and mobiles are masked (``common.validators``): the ledger travels upward and
is printed, the full numbers stay in the portal where reading them is logged.
"""

import datetime
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, connections
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Lookup,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import (
    Agreement,
    AgreementForm,
    Case,
    CaseSource,
    DisputeType,
    FollowUp,
    FollowUpKind,
    Grade,
    HandlingLevel,
    MediationSession,
    Party,
    PartyRole,
    Performance,
    PerformanceCheck,
    Satisfaction,
    Status,
)
from cases.outcomes import Outcome, outcome_of
from common.validators import mask_id_number, mask_mobile
from grids.models import Area
from reports.columns import PARTY_SEPARATOR, Column, Kind
from reports.periods import Period
from reports.statistics import cohort

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


def ledger_cases(area: Area, period: Period) -> QuerySet:
    """The cases of the ledger (not ordered; ``iter_chunks`` orders them): the cohort the
    statistics count."""
    return cohort(area, period)


def count_rows(area: Area, period: Period) -> int:
    return ledger_cases(area, period).count()


@dataclass
class LedgerChunk:
    rows: list[tuple]  # ledger rows, in LEDGER_COLUMNS order
    follow_ups: list[tuple]  # follow-up sheet rows, in FOLLOW_UP_COLUMNS order


class _Labels:
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
        # outcome_of() per distinct (status, failure_reason), not per row.
        self._outcomes: dict[tuple[str, str], str] = {}

    def outcome_label(self, status: str, failure_reason: str) -> str:
        key = (status, failure_reason)
        label = self._outcomes.get(key)
        if label is None:
            outcome = outcome_of(status, failure_reason)
            label = self.outcome[outcome] if outcome is not None else ""
            self._outcomes[key] = label
        return label


_CASE_FIELDS = (
    "id",
    "number",
    "area_id",
    "received_on",
    "occurred_on",
    "title",
    "source_id",
    "dispute_type_id",
    "grade",
    "level",
    "summary",
    "amount_at_stake",
    "external_reference",
    "status",
    "failure_reason",
    "deadline",
    "closed_on",  # the local date of closed_at
)


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


def _follow_up_line(labels: _Labels, done_on, kind, performance, satisfaction, notes) -> str:
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
    labels = _Labels(area)

    def read():
        return _read_chunks(area, period, chunk_size, with_follow_up_rows)

    chunks = _in_background(read) if _may_read_ahead() else read()
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


def _read_chunks(
    area: Area, period: Period, chunk_size: int, with_follow_up_rows: bool
) -> Iterator[tuple[list[tuple], "_Related"]]:
    """The cases in keyset chunks, each with its related rows: the database side."""
    cases = (
        ledger_cases(area, period)
        .annotate(closed_on=_local_date("closed_at"))
        .order_by("received_on", "id")
    )
    after: tuple[datetime.date, int] | None = None
    while True:
        page = cases
        if after is not None:
            last_day, last_id = after
            # "received_on >= last_day" alone is what an index range scan can start from;
            # the OR then drops the cases of that day already read.
            page = page.filter(
                Q(received_on__gte=last_day),
                Q(received_on__gt=last_day) | Q(id__gt=last_id),
            )
        chunk = list(page.values_list(*_CASE_FIELDS)[:chunk_size])
        if not chunk:
            return
        after = (chunk[-1][3], chunk[-1][0])
        yield chunk, _related([row[0] for row in chunk], with_follow_up_rows)
        if len(chunk) < chunk_size:
            return


def _local_date(field: str) -> Cast:
    """The local date of a moment, computed by the database. (The outer cast only drops
    TruncDate's per-row Python converter; psycopg loads a date column in C, where it
    parses a timestamp with time zone in Python.)"""
    return Cast(TruncDate(field), DateField())


def _may_read_ahead() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


_END = object()


def _in_background(produce: Callable[[], Iterator], depth: int = 2) -> Iterator:
    """Run ``produce()`` in a helper thread, at most ``depth`` items ahead of the reader
    (so memory stays at a few chunks). The thread has its own database connection, in
    the reader's language, and closes it when done; an error there is raised here; a
    reader that stops early stops the thread."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    language = translation.get_language()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            with translation.override(language):
                for item in produce():
                    if not put(item):
                        return
            put(_END)
        except BaseException as error:  # handed to the reader, raised there
            put(_Failed(error))
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name="ledger-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


def ledger_rows(area: Area, period: Period, *, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple]:
    """The ledger rows alone, one at a time (the CSV and the command's callers)."""
    for chunk in iter_chunks(area, period, chunk_size=chunk_size, with_follow_up_rows=False):
        yield from chunk.rows


def follow_up_rows(area: Area, period: Period) -> Iterator[tuple]:
    for chunk in iter_chunks(area, period):
        yield from chunk.follow_ups


class _CaseIn(Lookup):
    """``case_id`` among a chunk's ids. On PostgreSQL one array parameter
    (``= ANY(%s)``), which the planner turns into index probes; 2,000 separate
    parameters cost more in Django and psycopg than the query itself. Elsewhere a plain
    ``IN`` list."""

    lookup_name = "ledger_case_in"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = list(self.rhs)
        if connection.vendor == "postgresql":
            # An array literal: psycopg adapts a list of ints element by element.
            array = "{" + ",".join(map(str, ids)) + "}"
            return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, array)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*lhs_params, *ids)


def _of_cases(ids: list[int]) -> _CaseIn:
    return _CaseIn(F("case_id"), ids)


@dataclass
class _Related:
    applicants: dict
    respondents: dict
    mediators: dict
    sessions: dict
    agreements: dict
    follow_ups: dict


def _related(ids: list[int], with_follow_up_rows: bool) -> _Related:
    """Everything a chunk's rows need besides the case itself: five queries."""
    applicants: dict[int, list] = defaultdict(list)
    respondents: dict[int, list] = defaultdict(list)
    parties = (
        Party.objects.filter(_of_cases(ids), role__in=[PartyRole.APPLICANT, PartyRole.RESPONDENT])
        .order_by("case_id", "id")
        .values_list("case_id", "role", "name", "id_number", "mobile", "address")
    )
    for case_id, role, name, id_number, mobile, address in parties:
        side = applicants if role == PartyRole.APPLICANT else respondents
        side[case_id].append((name, mask_id_number(id_number), mask_mobile(mobile), address))

    mediators: dict[int, list] = defaultdict(list)
    assigned = (
        Case.mediators.through.objects.filter(_of_cases(ids))
        .order_by("case_id", "id")
        .values_list("case_id", "mediator__name")
    )
    for case_id, name in assigned:
        mediators[case_id].append(name)

    sessions = dict(
        MediationSession.objects.filter(_of_cases(ids))
        .order_by()
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    agreements = {
        row[0]: row[1:]
        for row in Agreement.objects.filter(_of_cases(ids), superseded_at__isnull=True)
        .order_by()
        .values_list("case_id", "form", "amount", "performance")
    }

    follow_ups: dict[int, list] = defaultdict(list)
    visits = FollowUp.objects.filter(_of_cases(ids))
    if not with_follow_up_rows:
        visits = visits.filter(done_at__isnull=False)
    visits = (
        visits.annotate(
            due_on=_local_date("due_at"),
            done_on=_local_date("done_at"),
            cancelled=ExpressionWrapper(Q(cancelled_at__isnull=False), output_field=BooleanField()),
        )
        .order_by("case_id", "due_at", "id")
        .values_list(
            "case_id",
            "kind",
            "due_on",
            "done_on",
            "done_by__full_name",
            "done_by__username",
            "performance",
            "satisfaction",
            "rebound_signs",
            "flared_again",
            "notes",
            "cancelled",
        )
    )
    for visit in visits:
        follow_ups[visit[0]].append(visit[1:])
    return _Related(applicants, respondents, mediators, sessions, agreements, follow_ups)


def _ledger_row(row_number: int, case: tuple, related: _Related, labels: _Labels) -> tuple:
    (
        pk,
        number,
        area_id,
        received_on,
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
        labels.outcome_label(status, failure_reason),
        agreement_form,
        agreement_amount,
        performance,
        "\n".join(visits),
        deadline,
        closed_on,
    )


def _follow_up_row(row_number: int, case: tuple, visit: tuple, labels: _Labels) -> tuple:
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
        case[1],
        labels.areas.get(case[2], ("", ""))[0],
        case[5],
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
