"""Judicial confirmation (People's Mediation Law art. 33, DOMAIN §4): the parties apply
jointly within 30 days of the agreement taking effect; the ledger keeps their intent,
the court, the application date, the ruling's number and the result. The rules are the
agreement service's; tests/rules/test_workflow_rules.py tries each at the page, the API
and the admin."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import (
    Agreement,
    CaseEvent,
    EventKind,
    JudicialConfirmation,
)
from tests.builders import mediating_case, oral_agreement, resolved_case, today, written_agreement
from tests.cases.helpers import days, row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]

COURT = "诸暨市人民法院"
RULING = "(2026)浙0681民特12号"


def agreed_days_ago(world, n: int):
    """A case resolved by an oral agreement reached, and so in effect, ``n`` days ago."""
    case = mediating_case(world, received_on=today() - days(n + 2))
    services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(reached_on=today() - days(n))
    )
    return case


def update(world, case, **data) -> Agreement:
    return services.agreement_update(case=case, by=world.secretary_a, data=data)


def refusal(world, case, **data) -> dict:
    counts = row_counts()
    before = Agreement.objects.values().get(case=case)
    with pytest.raises(ValidationError) as excinfo:
        update(world, case, **data)
    assert row_counts() == counts
    assert Agreement.objects.values().get(case=case) == before
    return excinfo.value.message_dict


# ---------------------------------------------------------------------------
# Intent, application, ruling
# ---------------------------------------------------------------------------


def test_the_parties_intent_to_apply_can_be_recorded_before_a_written_agreement_is_signed(
    world,
):
    case = resolved_case(world, agreement=written_agreement())

    agreement = update(world, case, judicial_confirmation=JudicialConfirmation.INTENDED)

    assert agreement.effective_on is None
    assert Agreement.objects.get(pk=agreement.pk).judicial_confirmation == "intended"


def test_an_application_on_the_last_day_of_the_window_is_recorded(world):
    case = agreed_days_ago(world, 30)

    agreement = update(
        world,
        case,
        judicial_confirmation="applied",
        judicial_applied_on=today(),
        judicial_court=COURT,
    )

    assert agreement.judicial_confirmation_deadline == today()
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.judicial_applied_on, stored.judicial_court) == (today(), COURT)


def test_an_application_after_the_window_closed_is_refused_naming_the_deadline(world):
    case = agreed_days_ago(world, 31)
    deadline = today() - days(1)

    assert refusal(world, case, judicial_confirmation="applied", judicial_applied_on=today()) == {
        "judicial_applied_on": [
            f"申请日期已超过司法确认申请期限({deadline.isoformat()}):须在协议生效之日起30日内申请。"
        ]
    }


def test_an_application_dated_before_the_agreement_took_effect_is_refused(world):
    case = agreed_days_ago(world, 3)

    assert refusal(
        world, case, judicial_confirmation="applied", judicial_applied_on=today() - days(4)
    ) == {"judicial_applied_on": ["申请日期不能早于协议生效日期。"]}


def test_an_application_dated_in_the_future_is_refused(world):
    case = agreed_days_ago(world, 3)

    assert refusal(
        world, case, judicial_confirmation="applied", judicial_applied_on=today() + days(1)
    ) == {"judicial_applied_on": ["日期不能晚于今天。"]}


def test_an_application_date_is_refused_while_a_written_agreement_is_not_in_effect(world):
    case = resolved_case(world, agreement=written_agreement())

    assert refusal(world, case, judicial_confirmation="intended", judicial_applied_on=today()) == {
        "judicial_applied_on": ["协议生效后才能申请司法确认。"]
    }


@pytest.mark.parametrize("result", ["confirmed", "rejected"])
def test_a_ruling_without_its_court_and_number_is_refused_naming_both(world, result):
    case = agreed_days_ago(world, 3)

    assert refusal(
        world, case, judicial_confirmation=result, judicial_applied_on=today() - days(2)
    ) == {
        "judicial_court": ["已确认或被驳回时,请填写受理法院。"],
        "judicial_ruling_number": ["已确认或被驳回时,请填写裁定书文号。"],
    }


def test_a_ruling_dated_before_the_application_is_refused(world):
    case = agreed_days_ago(world, 5)

    assert refusal(
        world,
        case,
        judicial_confirmation="confirmed",
        judicial_applied_on=today() - days(2),
        judicial_confirmation_on=today() - days(3),
        judicial_court=COURT,
        judicial_ruling_number=RULING,
    ) == {"judicial_confirmation_on": ["司法确认日期不能早于申请日期。"]}


def test_a_confirmation_with_its_court_and_number_is_recorded_in_the_history(world):
    case = agreed_days_ago(world, 5)
    update(world, case, judicial_confirmation="applied", judicial_applied_on=today() - days(2))

    update(
        world,
        case,
        judicial_confirmation="confirmed",
        judicial_confirmation_on=today(),
        judicial_court=COURT,
        judicial_ruling_number=RULING,
    )

    agreement = Agreement.objects.get(case=case)
    assert (agreement.judicial_court, agreement.judicial_ruling_number) == (COURT, RULING)
    changes = [e.changes for e in CaseEvent.objects.filter(case=case, kind=EventKind.PERFORMANCE)]
    assert changes[0] == {
        "司法确认": ["未申请", "已申请"],
        "司法确认申请日期": ["", (today() - days(2)).isoformat()],
    }
    assert changes[1] == {
        "司法确认": ["已申请", "已确认"],
        "受理法院": ["", COURT],
        "裁定书文号": ["", RULING],
        "司法确认日期": ["", today().isoformat()],
    }


def test_an_agreement_confirmed_before_the_court_was_kept_can_still_record_performance(world):
    # Rows from before the court and ruling number were kept have them blank; updating
    # their performance does not touch the judicial record, so it is not re-checked.
    case = agreed_days_ago(world, 5)
    Agreement.objects.filter(case=case).update(judicial_confirmation="confirmed")

    agreement = update(world, case, performance="fulfilled")

    assert agreement.performance == "fulfilled"
    assert agreement.judicial_court == ""


def test_an_agreement_recorded_today_keeps_the_judicial_record_blank(world):
    case = mediating_case(world)

    agreement = services.agreement_record(case=case, by=world.secretary_a, data=oral_agreement())

    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.judicial_confirmation == JudicialConfirmation.NOT_APPLIED
    assert (stored.judicial_court, stored.judicial_applied_on, stored.judicial_ruling_number) == (
        "",
        None,
        "",
    )
