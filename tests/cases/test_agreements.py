"""The agreement (DOMAIN §4): when an oral or written agreement takes effect, the
signing date, judicial confirmation, and what an update records."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import (
    Agreement,
    CaseEvent,
    EventKind,
    JudicialConfirmation,
    Status,
)
from tests.builders import (
    mediating_case,
    oral_agreement,
    refresh,
    resolved_case,
    signatures,
    today,
    written_agreement,
)
from tests.cases.helpers import days, row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


# ---------------------------------------------------------------------------
# What an update records
# ---------------------------------------------------------------------------


def test_the_agreement_update_records_what_changed(world):
    case = resolved_case(world, agreement=written_agreement())

    services.agreement_update(
        case=case, by=world.secretary_a, data={**signatures(), "performance": "fulfilled"}
    )

    event = CaseEvent.objects.get(case=case, kind=EventKind.PERFORMANCE)
    assert event.changes["已加盖调委会印章"] == ["否", "是"]
    assert event.changes["履行情况"] == ["未到履行期", "已履行"]
    assert event.changes["签署日期"] == ["", today().isoformat()]


def test_an_agreement_update_that_changes_nothing_records_no_event(world):
    case = resolved_case(world)
    count = CaseEvent.objects.filter(case=case).count()

    services.agreement_update(case=case, by=world.secretary_a, data={"sealed": False})

    assert CaseEvent.objects.filter(case=case).count() == count


# ---------------------------------------------------------------------------
# When it takes effect, judicial confirmation
# ---------------------------------------------------------------------------


def test_an_unsigned_written_agreement_is_not_in_effect(world):
    case = resolved_case(world, agreement=written_agreement())

    agreement = case.agreement
    assert agreement.effective_on is None
    assert agreement.judicial_confirmation_deadline is None


@pytest.mark.parametrize("missing", ["parties_signed", "mediator_signed", "sealed"])
def test_a_written_agreement_missing_one_signature_or_the_seal_is_not_in_effect(world, missing):
    case = resolved_case(world, agreement=written_agreement())

    agreement = services.agreement_update(
        case=case, by=world.secretary_a, data={**signatures(), missing: False}
    )

    assert agreement.effective_on is None
    assert Agreement.objects.get(pk=agreement.pk).effective_on is None


def test_a_fully_signed_and_sealed_written_agreement_without_a_signing_date_is_refused(world):
    case = mediating_case(world)
    counts = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(
            case=case,
            by=world.secretary_a,
            data=written_agreement(**{**signatures(), "signed_on": None}),
        )

    assert excinfo.value.message_dict == {"signed_on": ["各方已签名盖章时,请填写签署日期。"]}
    assert refresh(case).status == Status.MEDIATING
    assert row_counts() == counts


def test_a_written_agreement_takes_effect_on_the_signing_date_once_complete(world):
    case = mediating_case(world, received_on=today() - days(20))
    signed = today() - days(2)

    agreement = services.agreement_record(
        case=case,
        by=world.secretary_a,
        data=written_agreement(reached_on=today() - days(5), **signatures(signed)),
    )

    assert agreement.effective_on == signed
    assert agreement.judicial_confirmation_deadline == signed + days(30)


def test_signing_later_brings_a_written_agreement_into_effect(world):
    case = resolved_case(world, agreement=written_agreement())

    services.agreement_update(case=case, by=world.secretary_a, data=signatures())

    agreement = Agreement.objects.get(case=case)
    assert agreement.effective_on == today()
    assert agreement.judicial_confirmation_deadline == today() + days(30)


def test_a_signing_date_before_the_agreement_was_reached_is_refused(world):
    case = mediating_case(world, received_on=today() - days(20))

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(
            case=case,
            by=world.secretary_a,
            data=written_agreement(reached_on=today() - days(1), **signatures(today() - days(2))),
        )

    assert excinfo.value.message_dict == {"signed_on": ["签署日期不能早于达成日期。"]}
    assert not Agreement.objects.exists()


def test_an_agreement_reached_before_the_case_was_received_is_refused(world):
    case = mediating_case(world, received_on=today() - days(3))

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(
            case=case, by=world.secretary_a, data=oral_agreement(reached_on=today() - days(4))
        )

    assert excinfo.value.message_dict == {"reached_on": ["达成日期不能早于登记日期。"]}


def test_an_oral_agreement_takes_effect_the_day_it_is_reached_without_signatures(world):
    reached = today() - days(4)
    case = mediating_case(world, received_on=today() - days(10))

    agreement = services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(reached_on=reached)
    )

    assert agreement.parties_signed is False
    assert agreement.effective_on == reached
    assert agreement.judicial_confirmation_deadline == reached + days(30)


def test_judicial_confirmation_is_refused_before_the_agreement_takes_effect(world):
    case = resolved_case(world, agreement=written_agreement())
    events = CaseEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_update(
            case=case,
            by=world.secretary_a,
            data={"judicial_confirmation": JudicialConfirmation.APPLIED},
        )

    assert excinfo.value.message_dict == {"judicial_confirmation": ["协议生效后才能申请司法确认。"]}
    agreement = Agreement.objects.get(case=case)
    assert agreement.judicial_confirmation == JudicialConfirmation.NOT_APPLIED
    assert CaseEvent.objects.count() == events


def test_judicial_confirmation_can_be_applied_for_and_confirmed_after_effect(world):
    case = resolved_case(world)

    services.agreement_update(
        case=case, by=world.secretary_a, data={"judicial_confirmation": "applied"}
    )
    services.agreement_update(
        case=case,
        by=world.secretary_a,
        data={
            "judicial_confirmation": "confirmed",
            "judicial_confirmation_on": today(),
            # A ruling names its court and number (tests/cases/test_judicial_confirmation.py).
            "judicial_court": "诸暨市人民法院",
            "judicial_ruling_number": "(2026)浙0681民特12号",
        },
    )

    agreement = Agreement.objects.get(case=case)
    assert agreement.judicial_confirmation == JudicialConfirmation.CONFIRMED
    assert agreement.judicial_confirmation_on == today()
    changes = [e.changes for e in CaseEvent.objects.filter(case=case, kind=EventKind.PERFORMANCE)]
    assert changes[0] == {"司法确认": ["未申请", "已申请"]}


def test_a_judicial_confirmation_dated_before_the_agreement_took_effect_is_refused(world):
    case = mediating_case(world, received_on=today() - days(10))
    services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(reached_on=today() - days(2))
    )

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_update(
            case=case,
            by=world.secretary_a,
            data={
                "judicial_confirmation": "confirmed",
                "judicial_confirmation_on": today() - days(3),
            },
        )

    assert excinfo.value.message_dict == {
        "judicial_confirmation_on": ["司法确认日期不能早于协议生效日期。"]
    }
