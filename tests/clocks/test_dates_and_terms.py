"""受理日期 beside 登记日期, the 30-day mediation term and its extension, and the one
statement of "overdue" that the grade's limit, the term and the petition clocks share."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    CaseTermExtension,
    ClockPolicy,
    EventKind,
    ExtensionKind,
    Grade,
    GradePolicy,
)
from cases.policy import Action
from cases.workflow import workflow_refusal
from reports import statistics
from reports.periods import Period
from tests.api.conftest import token_client
from tests.builders import (
    accept,
    mediating,
    petition_case,
    record_session,
    refresh,
    resolved,
    visit,
)
from tests.factories import register_case
from tests.followups.helpers import local

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
MARCH_2 = datetime.date(2026, 3, 2)


def travel(moment):
    return time_machine.travel(moment, tick=False)


def on(day: datetime.date, hour: int = 9):
    return travel(local(day.year, day.month, day.day, hour, 0))


def red_case_mediating(world, received=MARCH_2, accepted=None) -> Case:
    with on(accepted or received):
        case = register_case(world.secretary_a, grade=Grade.RED, received_on=received)
        # Red: the town's clerk accepts it for the town's professional team (三三调处).
        services.case_accept(
            case=case,
            by=world.clerk_a,
            owner=world.clerk_a,
            mediators=[world.town_mediator_a],
            accepted_on=accepted,
        )
        return refresh(record_session(case, world.clerk_a, [world.town_mediator_a]).case)


# ---------------------------------------------------------------------------
# 受理日期
# ---------------------------------------------------------------------------


def test_accepting_records_the_acceptance_date_given_and_starts_the_term_from_it(client, world):
    with on(MARCH_2 + 5 * DAY):
        case = register_case(world.secretary_a, received_on=MARCH_2)
        client.force_login(world.secretary_a)
        response = client.post(
            reverse("cases:accept", args=[case.pk]),
            {
                "owner": world.secretary_a.pk,
                "mediators": [world.mediator_a.pk],
                "accepted_on": "2026-03-04",
            },
        )
    assert response.status_code == 302
    case = refresh(case)
    assert (case.received_on, case.accepted_on) == (MARCH_2, datetime.date(2026, 3, 4))
    assert case.term_ends_on == datetime.date(2026, 4, 3)  # 30 days from acceptance


def test_an_acceptance_without_a_date_is_dated_today(world):
    with on(MARCH_2 + 3 * DAY):
        case = accept(register_case(world.secretary_a, received_on=MARCH_2), world.secretary_a)
    assert case.accepted_on == MARCH_2 + 3 * DAY


def test_an_acceptance_dated_before_registration_is_refused_alike_by_page_and_api(client, world):
    case = register_case(world.secretary_a)
    day_before = (case.received_on - DAY).isoformat()
    client.force_login(world.secretary_a)
    page = client.post(
        reverse("cases:accept", args=[case.pk]),
        {"owner": world.secretary_a.pk, "accepted_on": day_before},
    )
    api = token_client(world.secretary_a).post(
        f"/api/v1/cases/{case.pk}/accept/",
        {"owner": "secretary_a", "accepted_on": day_before},
        format="json",
    )
    message = f"受理日期不能早于登记日期({case.received_on.isoformat()})。"
    assert page.context["form"].errors["accepted_on"] == [message]
    assert page.context["form"]["accepted_on"].value() == day_before  # what was typed stays
    assert api.status_code == 400
    assert api.json()["errors"][0] == {
        "field": "accepted_on",
        "message": message,
        "code": "invalid",
    }
    assert refresh(case).accepted_on is None


def test_an_escalation_accepted_above_keeps_the_first_acceptance_date(world):
    with on(MARCH_2):
        case = mediating(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
        services.escalation_propose(case=case, by=world.secretary_a, reason="三次调解未成")
    with on(MARCH_2 + 10 * DAY):
        services.escalation_decide(case=case, by=world.supervisor_a, accept=True, note="接收")
    assert refresh(case).accepted_on == MARCH_2


# ---------------------------------------------------------------------------
# The mediation term and the one "overdue"
# ---------------------------------------------------------------------------


def test_with_the_default_policies_the_grades_limit_comes_first(world):
    case = red_case_mediating(world)
    assert case.deadline == case.term_ends_on == MARCH_2 + 30 * DAY
    assert case.due_on == MARCH_2 + 30 * DAY


def test_where_an_office_gives_red_cases_longer_the_term_makes_the_case_overdue(world):
    GradePolicy.objects.filter(grade=Grade.RED).update(time_limit_days=45)
    case = red_case_mediating(world)
    assert case.deadline == MARCH_2 + 45 * DAY
    assert case.due_on == case.term_ends_on == MARCH_2 + 30 * DAY
    assert case.is_overdue(MARCH_2 + 31 * DAY)
    assert Case.objects.overdue(MARCH_2 + 31 * DAY).filter(pk=case.pk).exists()
    assert not Case.objects.overdue(MARCH_2 + 30 * DAY).filter(pk=case.pk).exists()


def test_an_extension_both_parties_agreed_to_moves_the_term_and_the_grades_limit(client, world):
    case = red_case_mediating(world)
    client.force_login(world.clerk_a)
    with on(MARCH_2 + 25 * DAY):
        response = client.post(
            reverse("cases:extend_term", args=[case.pk]),
            {"days": "15", "parties_consented": "on", "reason": "双方同意继续协商赔偿数额"},
        )
    assert response.status_code == 302
    case = refresh(case)
    assert case.term_ends_on == MARCH_2 + 45 * DAY
    assert case.due_on == MARCH_2 + 45 * DAY
    assert not case.is_overdue(MARCH_2 + 40 * DAY)
    assert case.is_overdue(MARCH_2 + 46 * DAY)
    extension = CaseTermExtension.objects.get(case=case)
    assert (extension.kind, extension.days, extension.parties_consented) == (
        ExtensionKind.MEDIATION_TERM,
        15,
        True,
    )
    assert (extension.previous_end, extension.new_end) == (MARCH_2 + 30 * DAY, MARCH_2 + 45 * DAY)
    assert extension.extended_by == world.clerk_a
    event = CaseEvent.objects.get(case=case, kind=EventKind.TERM_EXTENDED)
    assert event.note == "双方同意继续协商赔偿数额"
    with on(MARCH_2 + 25 * DAY):
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "2026-04-16" in page and "双方当事人同意" in page


def test_the_api_extends_the_term_through_the_same_service(world):
    case = red_case_mediating(world)
    with on(MARCH_2 + 20 * DAY):
        response = token_client(world.clerk_a).post(
            f"/api/v1/cases/{case.pk}/extend-term/",
            {"days": 10, "parties_consented": True, "reason": "双方同意"},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["term_ends_on"] == (MARCH_2 + 40 * DAY).isoformat()
    assert response.json()["due_on"] == (MARCH_2 + 40 * DAY).isoformat()


def test_the_term_is_extended_no_more_often_than_the_policy_allows(world):
    case = red_case_mediating(world)
    services.case_extend_term(
        case=case, by=world.clerk_a, days=10, reason="双方同意", parties_consented=True
    )
    with pytest.raises(services.WorkflowError) as refusal:
        services.case_extend_term(
            case=case, by=world.clerk_a, days=5, reason="再延", parties_consented=True
        )
    assert refusal.value.message == "调解期限已按规则延长,不能再延长。"

    ClockPolicy.objects.filter(pk=1).update(term_extensions_max=3)
    with pytest.raises(Exception) as too_long:
        services.case_extend_term(
            case=case, by=world.clerk_a, days=21, reason="再延", parties_consented=True
        )
    assert too_long.value.message_dict == {"days": ["最多还能延长20天。"]}
    assert refresh(case).term_ends_on == MARCH_2 + 40 * DAY


def test_a_reopened_case_is_mediated_in_a_new_term(world):
    with on(MARCH_2):
        case = resolved(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    with on(MARCH_2 + 40 * DAY):
        visit(case, world.secretary_a, kind="phone", flared_again=True)
    case = refresh(case)
    assert case.term_ends_on == MARCH_2 + 70 * DAY
    assert not case.is_overdue(MARCH_2 + 41 * DAY)


# ---------------------------------------------------------------------------
# Petition clocks in the same rule
# ---------------------------------------------------------------------------


def test_a_petition_not_decided_in_15_days_is_overdue_in_the_ledger_filter(client, world):
    with on(MARCH_2):
        case = petition_case(world.secretary_a, grade=Grade.RED)
    assert case.deadline == MARCH_2 + 30 * DAY
    assert case.petition_route_by == case.due_on == MARCH_2 + 15 * DAY
    client.force_login(world.secretary_a)
    with on(MARCH_2 + 16 * DAY):
        listed = client.get(reverse("cases:list"), {"overdue": "on"}).content.decode()
        api = token_client(world.secretary_a).get("/api/v1/cases/", {"overdue": "true"})
    assert case.number in listed
    assert [row["number"] for row in api.json()["results"]] == [case.number]


def test_accepting_a_petition_starts_its_60_day_handling_clock(world):
    with on(MARCH_2):
        case = petition_case(world.secretary_a, grade=Grade.RED)
    with on(MARCH_2 + 10 * DAY):
        case = accept(case, world.clerk_a, [world.town_mediator_a])
    assert case.petition_handle_by == MARCH_2 + 70 * DAY
    assert case.petition_route_by == MARCH_2 + 15 * DAY  # kept on record
    assert case.due_on == MARCH_2 + 30 * DAY  # the grade's limit is still the earliest


def test_a_petition_is_extended_once_with_a_reason_by_page_and_api(client, world):
    with on(MARCH_2):
        case = mediating(petition_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    client.force_login(world.secretary_a)
    page = client.post(
        reverse("cases:extend_petition", args=[case.pk]), {"days": "30", "reason": ""}
    )
    assert page.context["form"].errors["reason"] == ["请填写原因。"]
    page = client.post(
        reverse("cases:extend_petition", args=[case.pk]),
        {"days": "30", "reason": "须会同国土部门核查"},
    )
    assert page.status_code == 302
    assert refresh(case).petition_handle_by == MARCH_2 + 90 * DAY
    again = token_client(world.secretary_a).post(
        f"/api/v1/cases/{case.pk}/petition/extend/", {"days": 10, "reason": "再次"}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["errors"][0]["message"] == "信访件只能延期一次,该案件已延期。"
    assert refresh(case).petition_handle_by == MARCH_2 + 90 * DAY


def test_a_case_not_from_a_petition_has_no_petition_extension(world):
    case = mediating(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    assert workflow_refusal(case, Action.EXTEND_PETITION) == "该案件不是信访件,没有信访办理期限。"
    assert Action.EXTEND_PETITION not in services.available_actions(world.secretary_a, case)


def test_the_statistics_count_a_petition_past_its_routing_clock_as_overdue(world):
    with on(MARCH_2):
        petition_case(world.secretary_a, grade=Grade.RED)
    march = Period.month(2026, 3)
    on_day_15 = statistics.figures_for(world.village_a, march, today=MARCH_2 + 15 * DAY)
    on_day_16 = statistics.figures_for(world.village_a, march, today=MARCH_2 + 16 * DAY)
    assert (on_day_15["overdue"].value, on_day_16["overdue"].value) == (0, 1)
