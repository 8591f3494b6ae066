"""Known datasets for the statistics and the dashboard, written as rows directly (the
workflow itself is tested elsewhere), so every figure below can be counted by hand.

``build_june`` — June 2025 in 枫源村 (village_a), with May 2025 and June 2024 beside it
for month-on-month and year-on-year, rows just outside June, and rows in 赵家镇 and
陈家村 that 枫源村's figures must not count. ``build_seed_centre`` — the seed's one-stop
centre (DOMAIN §5): 4617 accepted, 2205 successful, 2026 fast-tracked, 186 in progress.
"""

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from cases.models import (
    Agreement,
    Case,
    CaseSource,
    DisputeType,
    Escalation,
    EscalationStatus,
    FailureReason,
    FollowUp,
    Grade,
    HandlingLevel,
    MediationSession,
    Status,
)
from cases.rollup import case_tally_refresh, rollup_rebuild
from reports.periods import Period

SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = Period.month(2025, 6)
# A "today" well after June, so June's overdue figures are judged on 1 July.
LATER = datetime.date(2025, 8, 15)
_sequence = itertools.count(1)


def at(year, month, day, hour=9, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def source(code: str) -> CaseSource:
    return CaseSource.objects.get(code=code)


def dispute_type(code: str) -> DisputeType:
    return DisputeType.objects.get(code=code)


def case_row(world, area, received_on, status, **fields) -> Case:
    """An unsaved case row; accepted statuses get an owner unless told otherwise."""
    number = next(_sequence)
    values = {
        "number": f"T{number:07d}",
        "numbering_area": world.town_a,
        "number_year": received_on.year,
        "number_sequence": number,
        "area": area,
        "title": f"案件{number}",
        "summary": "案情。",
        "source": fields.pop("source", None) or source("grid_patrol"),
        "dispute_type": fields.pop("dispute_type", None) or dispute_type("housing_homestead"),
        "grade": Grade.YELLOW,
        "level": HandlingLevel.VILLAGE,
        "status": status,
        "received_on": received_on,
        "deadline": received_on + datetime.timedelta(days=15),
        "created_by": world.secretary_a,
        "owner": None if status == Status.REGISTERED else world.secretary_a,
    }
    values.update(fields)
    return Case(**values)


def make_case(world, area, received_on, status, **fields) -> Case:
    """A case row written directly; the rollup follows it as a service's would."""
    case = case_row(world, area, received_on, status, **fields)
    case.save()
    case_tally_refresh(case)
    return case


def session(world, case, result, level=None, when=None) -> MediationSession:
    return MediationSession.objects.create(
        case=case,
        held_at=when or at(case.received_on.year, case.received_on.month, case.received_on.day),
        place="mediation_room",
        method="face_to_face",
        content="调解经过。",
        result=result,
        level=level or case.level,
        recorded_by=world.secretary_a,
    )


def agreement(world, case, amount, superseded=False) -> Agreement:
    return Agreement.objects.create(
        case=case,
        form="oral",
        reached_on=case.received_on,
        facts="事实。",
        terms="条款。",
        amount=amount,
        superseded_at=at(2025, 6, 20) if superseded else None,
        recorded_by=world.secretary_a,
    )


def follow_up(world, case, kind, due_at, done_at=None, satisfaction="", cancelled=False):
    return FollowUp.objects.create(
        case=case,
        kind=kind,
        due_at=due_at,
        done_at=done_at,
        satisfaction=satisfaction,
        cancelled_at=at(2025, 6, 1) if cancelled else None,
        done_by=world.secretary_a if done_at else None,
    )


@dataclass
class June:
    cases: dict  # name -> Case


def build_june(world) -> June:
    """June 2025 in 枫源村. What its figures must be (today = 15 August 2025):

    received 13 (S1-S4, F1, F2, X1, P1, P2, A1, N1, W1, W2; V1 is voided)
    accepted 10 (S1-S4, F1, F2, X1, P1, P2, W1 — W2 was withdrawn before acceptance)
    successful 4, fast-tracked 2 (F1 failed, F2 closed), failed 1, in progress 2,
    awaiting 1, not accepted 1, withdrawn 2, concluded 7
    success rate 4/10 = 0.4000; over concluded 4/7 = 0.5714
    first-time 2 (S1, S4: S2 had a failed session, S3 was escalated and reopened) → 0.2857
    on-the-spot 3 (S1, S2, S4: S3 was escalated) → 0.4286
    overdue 2 (P1 deadline 20 June, A1 deadline 10 June; P2's deadline is 10 July)
    follow-ups due in June 4 (FU1, FU2, FU3, FU5; FU4 cancelled, FU6 due 00:10 on 1 July
    Shanghai), done 3 → 0.7500, on time 1 (FU1) → 0.2500
    answered in June 3 (FU1 satisfied, FU2 not satisfied, FU6 basic; FU5 answered in July,
    FU8 has no answer) → satisfaction 2/3 = 0.6667
    amount 1000 + 2500.50 + 500 = 4000.50 (S3's superseded 9999 not counted)
    crimes prevented 1 (S1; P1's risk is not settled), group 1 (S2), petition 1 (S3)
    by type: neighbours S1, S2 (accepted 2, successful 2); housing the rest
    by source: court S4, F1 (accepted 2, successful 1)
    by grade: blue S4, red S3; by level: grid S4, town S3

    May 2025: accepted 2 (M0 on 31 May successful, M2 failed), successful 1.
    June 2024: accepted 3 (Y1 in progress, overdue; Y2, Y3 successful), successful 2.
    Not counted: 1 July's case, 赵家村's June case (and its follow-up and agreement),
    陈家村's June case (counted only in 枫桥镇's figures).
    """
    v, grid = world.village_a, world.grid_a
    day = datetime.date
    c = {}
    c["S1"] = make_case(
        world,
        v,
        day(2025, 6, 1),
        Status.RESOLVED,
        violence_risk=True,
        dispute_type=dispute_type("neighbours"),
    )
    c["S2"] = make_case(
        world,
        v,
        day(2025, 6, 2),
        Status.CLOSED,
        is_group=True,
        dispute_type=dispute_type("neighbours"),
        closed_at=at(2025, 6, 25),
    )
    c["S3"] = make_case(
        world,
        v,
        day(2025, 6, 3),
        Status.RESOLVED,
        petition_risk=True,
        grade=Grade.RED,
        level=HandlingLevel.TOWN,
    )
    c["S4"] = make_case(
        world,
        grid,
        day(2025, 6, 4),
        Status.RESOLVED,
        grade=Grade.BLUE,
        level=HandlingLevel.GRID,
        source=source("court"),
    )
    c["F1"] = make_case(
        world,
        v,
        day(2025, 6, 5),
        Status.FAILED,
        failure_reason=FailureReason.FAST_TRACKED,
        source=source("court"),
    )
    c["F2"] = make_case(
        world,
        v,
        day(2025, 6, 6),
        Status.CLOSED,
        failure_reason=FailureReason.FAST_TRACKED,
        closed_at=at(2025, 6, 28),
    )
    c["X1"] = make_case(
        world, v, day(2025, 6, 7), Status.FAILED, failure_reason=FailureReason.SESSIONS_FAILED
    )
    c["P1"] = make_case(
        world,
        v,
        day(2025, 6, 8),
        Status.MEDIATING,
        deadline=day(2025, 6, 20),
        violence_risk=True,
    )
    c["P2"] = make_case(world, v, day(2025, 6, 9), Status.ACCEPTED, deadline=day(2025, 7, 10))
    c["A1"] = make_case(world, v, day(2025, 6, 1), Status.REGISTERED, deadline=day(2025, 6, 10))
    c["N1"] = make_case(world, v, day(2025, 6, 11), Status.NOT_ACCEPTED)
    c["W1"] = make_case(world, v, day(2025, 6, 12), Status.WITHDRAWN)
    c["W2"] = make_case(world, v, day(2025, 6, 30), Status.WITHDRAWN, owner=None)
    c["V1"] = make_case(world, v, day(2025, 6, 15), Status.VOIDED, violence_risk=True)

    # Just outside June, and outside the village.
    c["M0"] = make_case(world, v, day(2025, 5, 31), Status.RESOLVED)
    c["M2"] = make_case(
        world, v, day(2025, 5, 10), Status.FAILED, failure_reason=FailureReason.PARTY_REFUSED
    )
    c["J1"] = make_case(world, v, day(2025, 7, 1), Status.RESOLVED)
    c["B1"] = make_case(
        world, world.village_b, day(2025, 6, 10), Status.RESOLVED, violence_risk=True
    )
    c["A2"] = make_case(world, world.village_a2, day(2025, 6, 10), Status.RESOLVED)
    c["Y1"] = make_case(world, v, day(2024, 6, 1), Status.MEDIATING, deadline=day(2024, 6, 5))
    c["Y2"] = make_case(world, v, day(2024, 6, 2), Status.RESOLVED)
    c["Y3"] = make_case(world, v, day(2024, 6, 30), Status.RESOLVED)

    resolved, not_resolved = "resolved", "not_resolved"
    session(world, c["S1"], resolved)
    session(world, c["S2"], not_resolved)
    session(world, c["S2"], resolved)
    for _ in range(3):
        session(world, c["S3"], not_resolved, level=HandlingLevel.VILLAGE)
    session(world, c["S3"], resolved, level=HandlingLevel.TOWN)
    session(world, c["S4"], resolved)
    Escalation.objects.create(
        case=c["S3"],
        from_level=HandlingLevel.VILLAGE,
        to_level=HandlingLevel.TOWN,
        reason="三次未成",
        status=EscalationStatus.ACCEPTED,
        proposed_by=world.secretary_a,
    )
    # A returned escalation does not take S2 off the spot.
    Escalation.objects.create(
        case=c["S2"],
        from_level=HandlingLevel.VILLAGE,
        to_level=HandlingLevel.TOWN,
        reason="试报",
        status=EscalationStatus.RETURNED,
        proposed_by=world.secretary_a,
    )

    agreement(world, c["S1"], Decimal("1000"))
    agreement(world, c["S2"], Decimal("2500.50"))
    agreement(world, c["S3"], Decimal("9999"), superseded=True)
    agreement(world, c["S3"], Decimal("500"))
    agreement(world, c["S4"], None)
    agreement(world, c["J1"], Decimal("777"))
    agreement(world, c["B1"], Decimal("888"))

    follow_up(world, c["S1"], "phone", at(2025, 6, 2, 10), at(2025, 6, 2, 9), "satisfied")
    follow_up(world, c["S2"], "phone", at(2025, 6, 5), at(2025, 6, 7), "not_satisfied")
    follow_up(world, c["S3"], "phone", at(2025, 6, 10))
    follow_up(world, c["S4"], "phone", at(2025, 6, 12), cancelled=True)
    follow_up(world, c["S1"], "home_visit", at(2025, 6, 30, 23, 30), at(2025, 7, 1, 8), "basic")
    follow_up(world, c["S2"], "home_visit", at(2025, 7, 1, 0, 10), at(2025, 6, 30, 20), "basic")
    follow_up(world, c["B1"], "phone", at(2025, 6, 3), at(2025, 6, 3), "satisfied")
    follow_up(world, c["M0"], "phone", at(2025, 5, 20), at(2025, 6, 3))
    # Sessions, escalations and agreements were written as rows too: rebuild the rollup,
    # as after any bulk load.
    rollup_rebuild()
    return June(cases=c)


def build_seed_centre(world, area=None, month: Period = JUNE) -> None:
    """The seed's one-stop centre: 4617 accepted (4595 court-entrusted), 2205 successful,
    2026 fast-tracked, 186 in progress and the remaining 200 failed, in one month."""
    area = area or world.village_a
    court, walk_in = source("court"), source("walk_in")
    housing = dispute_type("housing_homestead")
    received = month.start
    plan = (
        [(Status.RESOLVED, "")] * 1205
        + [(Status.CLOSED, "")] * 1000
        + [(Status.FAILED, FailureReason.FAST_TRACKED)] * 1026
        + [(Status.CLOSED, FailureReason.FAST_TRACKED)] * 1000
        + [(Status.MEDIATING, "")] * 186
        + [(Status.FAILED, FailureReason.SESSIONS_FAILED)] * 200
    )
    rows = [
        case_row(
            world,
            area,
            received,
            status,
            failure_reason=reason,
            source=court if index < 4595 else walk_in,
            dispute_type=housing,
            # Nothing overdue: the deadlines are far ahead.
            deadline=received + datetime.timedelta(days=3650),
        )
        for index, (status, reason) in enumerate(plan)
    ]
    Case.objects.bulk_create(rows, batch_size=1000)
    rollup_rebuild()
