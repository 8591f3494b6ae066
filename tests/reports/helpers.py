"""A known month for the monthly review tests: March 2025 in 枫源村 (village_a), built
through the case services with the clock moved to when each thing happened."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import time_machine

from cases import services
from cases.models import Case, Grade
from reports.models import MonthlyReview
from reports.services import sweep_monthly_reviews
from tests.builders import accept, close, ready_to_close, refresh, resolved, visit
from tests.factories import register_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = datetime.date(2025, 3, 1)
# The default review moment for March: 08:00 on 1 April, Shanghai time.
REVIEW_MOMENT = datetime.datetime(2025, 4, 1, 8, 0, tzinfo=SHANGHAI)


def at(year, month, day, hour=9, minute=0) -> datetime.datetime:
    """A moment on the Shanghai clock."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def travel(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


# ---------------------------------------------------------------------------
# The month
# ---------------------------------------------------------------------------


@dataclass
class March:
    p1_overdue_since_february: Case
    p2_rebound_in_march: Case
    p3_flared_in_march: Case
    m1_red: Case
    m2_closed_on_the_20th: Case
    m3_petition_risk_overdue: Case
    m4_not_accepted: Case
    m5_voided: Case
    m6_closed_at_2330_on_the_31st: Case
    m7_closed_at_0010_on_1_april: Case
    n1_april: Case
    b1_other_village: Case


def build_march(world) -> March:
    """Cases of 枫源村 around March 2025 (one in its grid), and one of 赵家村.

    What the March agenda of 枫源村 should say:
    - new 6: M1, M2, M3, M4, M6, M7 (M5 voided does not count; P1-P3 are February's;
      N1 is April's);
    - closed 2: M2 (20 March) and M6 (23:30 on 31 March, Shanghai); M7 was closed at
      00:10 on 1 April, Shanghai, which is still 31 March in UTC;
    - open 5: P1 accepted, P2 resolved (under follow-up), P3 reopened, M1 and M3 registered;
    - overdue 2: P1 (deadline 25 February) and M3 (deadline 25 March); M1 and P3 are due
      on 2 April;
    - follow-ups done in March 8: satisfied 6 (M2, M6, M7: the call and the home visit
      each, both needed before 销号), basic 1 (P2, with rebound signs), not satisfied 1
      (P3, flared again); P3's February call does not count;
    - at risk: P2 (rebound signs in March), M1 (red), M3 (petition risk).
    """
    secretary, mediators = world.secretary_a, [world.mediator_a]
    village = world.village_a

    with travel(at(2025, 2, 10)):
        p1 = accept(
            register_case(secretary, village, title="P1 二月受理未结"), secretary, mediators
        )
    with travel(at(2025, 2, 12)):
        p2 = resolved(
            register_case(secretary, village, title="P2 三月回访有反弹"), secretary, mediators
        )
    with travel(at(2025, 2, 14)):
        p3 = resolved(
            register_case(secretary, village, title="P3 三月再次激化"), secretary, mediators
        )
    with travel(at(2025, 2, 15)):
        visit(p3, secretary)

    with travel(at(2025, 3, 3)):
        m1 = register_case(secretary, village, title="M1 红色案件", grade=Grade.RED)
    with travel(at(2025, 3, 5)):
        m2 = ready_to_close(
            register_case(secretary, village, title="M2 三月销号"), secretary, mediators
        )
    with travel(at(2025, 3, 8)):
        b1 = register_case(
            world.secretary_b, world.village_b, title="B1 他村红色案件", grade=Grade.RED
        )
    with travel(at(2025, 3, 10)):
        m3 = register_case(secretary, world.grid_a, title="M3 网格内信访风险", petition_risk=True)
    with travel(at(2025, 3, 12)):
        m4 = services.case_not_accept(
            case=register_case(secretary, village, title="M4 不予受理"),
            by=secretary,
            reason="不属于人民调解范围",
        )
    with travel(at(2025, 3, 15)):
        m5 = services.case_void(
            case=register_case(secretary, village, title="M5 重复登记", violence_risk=True),
            by=secretary,
            reason="重复登记",
        )
    with travel(at(2025, 3, 18, 10)):
        visit(p2, secretary, satisfaction="basic", rebound_signs=True)
    with travel(at(2025, 3, 18, 11)):
        visit(p3, secretary, kind="home_visit", satisfaction="not_satisfied", flared_again=True)
    with travel(at(2025, 3, 20)):
        m2 = close(m2, secretary)
    with travel(at(2025, 3, 25)):
        m6 = ready_to_close(
            register_case(secretary, village, title="M6 月末销号"), secretary, mediators
        )
    with travel(at(2025, 3, 26)):
        m7 = ready_to_close(
            register_case(secretary, village, title="M7 四月初销号"), secretary, mediators
        )
    with travel(at(2025, 3, 31, 23, 30)):
        m6 = close(m6, secretary)
    with travel(at(2025, 4, 1, 0, 10)):
        m7 = close(m7, secretary)
    with travel(at(2025, 4, 1, 7)):
        n1 = register_case(secretary, village, title="N1 四月新案", grade=Grade.RED)

    return March(
        p1_overdue_since_february=refresh(p1),
        p2_rebound_in_march=refresh(p2),
        p3_flared_in_march=refresh(p3),
        m1_red=refresh(m1),
        m2_closed_on_the_20th=refresh(m2),
        m3_petition_risk_overdue=refresh(m3),
        m4_not_accepted=refresh(m4),
        m5_voided=refresh(m5),
        m6_closed_at_2330_on_the_31st=refresh(m6),
        m7_closed_at_0010_on_1_april=refresh(m7),
        n1_april=refresh(n1),
        b1_other_village=refresh(b1),
    )


def sweep_at(moment: datetime.datetime) -> int:
    with travel(moment):
        return sweep_monthly_reviews()


def march_reviews(world) -> dict[str, MonthlyReview]:
    """Run the sweep at the review moment and return March's reviews by village code."""
    sweep_at(REVIEW_MOMENT)
    return {
        review.village.code: review
        for review in MonthlyReview.objects.filter(month=MARCH).select_related("village")
    }
