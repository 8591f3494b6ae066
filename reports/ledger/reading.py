"""The database side of the ledger: its cases in keyset chunks, and for each chunk the
related rows (parties, mediators, sessions, agreement, follow-ups) in a fixed handful of
``values_list`` queries, whatever the chunk size."""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

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

from cases.models import Agreement, Case, FollowUp, MediationSession, Party, PartyRole
from common.validators import mask_id_number, mask_mobile
from grids.models import Area
from reports.periods import Period
from reports.statistics import cohort


def ledger_cases(area: Area, period: Period) -> QuerySet:
    """The cases of the ledger (not ordered; ``iter_chunks`` orders them): the cohort the
    statistics count."""
    return cohort(area, period)


def count_rows(area: Area, period: Period) -> int:
    return ledger_cases(area, period).count()


CASE_FIELDS = (
    "id",
    "number",
    "area_id",
    "received_on",  # the keyset's day: index 3
    "accepted_on",
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
    "resolution_means",  # tells a case settled otherwise from a mediation success
)


def read_chunks(
    area: Area, period: Period, chunk_size: int, with_follow_up_rows: bool
) -> Iterator[tuple[list[tuple], "Related"]]:
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
        chunk = list(page.values_list(*CASE_FIELDS)[:chunk_size])
        if not chunk:
            return
        after = (chunk[-1][3], chunk[-1][0])
        yield chunk, related([row[0] for row in chunk], with_follow_up_rows)
        if len(chunk) < chunk_size:
            return


def _local_date(field: str) -> Cast:
    """The local date of a moment, computed by the database. (The outer cast only drops
    TruncDate's per-row Python converter; psycopg loads a date column in C, where it
    parses a timestamp with time zone in Python.)"""
    return Cast(TruncDate(field), DateField())


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
class Related:
    applicants: dict
    respondents: dict
    mediators: dict
    sessions: dict
    agreements: dict
    follow_ups: dict


def related(ids: list[int], with_follow_up_rows: bool) -> Related:
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
    return Related(applicants, respondents, mediators, sessions, agreements, follow_ups)
