"""The agreement (人民调解法 arts. 28-33): an oral one is in force when reached, a written
one only once every party, the mediator and a people's mediation committee's seal are on
it; the case is 协议待签 until then and 调解成功 from that moment. Judicial confirmation
and what an update records."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from cases import services
from cases.models import (
    Agreement,
    AgreementSignature,
    Case,
    CaseEvent,
    EventKind,
    FollowUp,
    JudicialConfirmation,
    Status,
)
from cases.outcomes import OUTCOME_Q, Outcome
from mediators.models import Organisation, OrganisationKind
from tests.builders import (
    committee_for,
    mediating_case,
    oral_agreement,
    refresh,
    resolved_case,
    sign,
    signatures,
    today,
    written_agreement,
)
from tests.cases.helpers import days, kinds, refused, row_counts
from tests.factories import MediatorFactory, OrganisationFactory, register_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_escalation")]


def in_signing(world, reached_on=None, **case_fields) -> Case:
    """A written agreement reached today (or ``reached_on``), nobody has signed yet: 协议待签."""
    case = mediating_case(world, **case_fields)
    services.agreement_record(
        case=case, by=world.secretary_a, data=written_agreement(reached_on=reached_on or today())
    )
    return refresh(case)


def sign_refusal(world, case, **data) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_sign(case=case, by=world.secretary_a, data=data)
    return excinfo.value.message_dict


# ---------------------------------------------------------------------------
# 协议待签: a written agreement is not yet a success
# ---------------------------------------------------------------------------


def test_a_written_agreement_not_yet_signed_puts_the_case_in_signing_not_resolved(world):
    case = in_signing(world)

    assert case.status == Status.AGREEMENT_SIGNING
    assert case.agreement.effective_on is None
    assert case.agreement.judicial_confirmation_deadline is None
    assert kinds(case)[-1] == EventKind.AGREEMENT
    # No visits for an agreement not in force.
    assert not FollowUp.objects.filter(case=case).exists()


def test_a_case_in_signing_counts_as_in_progress_not_successful(world):
    case = in_signing(world)

    assert Case.objects.filter(OUTCOME_Q[Outcome.IN_PROGRESS], pk=case.pk).exists()
    assert not Case.objects.filter(OUTCOME_Q[Outcome.SUCCESSFUL], pk=case.pk).exists()


def test_a_case_in_signing_still_runs_against_its_deadline(world):
    case = in_signing(world)
    Case.objects.filter(pk=case.pk).update(deadline=today() - days(1), due_on=today() - days(1))

    assert refresh(case).is_overdue()
    assert Case.objects.overdue().filter(pk=case.pk).exists()


@pytest.mark.parametrize("missing", ["a party", "the mediator", "the seal"])
def test_a_written_agreement_missing_a_signature_or_the_seal_stays_in_signing(world, missing):
    case = in_signing(world)
    data = signatures(case, world.mediator_a)
    if missing == "a party":
        data["signatures"] = data["signatures"][:1]
    elif missing == "the mediator":
        data.update(mediator=None, mediator_signed_on=None)
    else:
        data.update(seal_organisation=None, sealed_on=None)

    agreement = services.agreement_sign(case=case, by=world.secretary_a, data=data)

    assert agreement.effective_on is None
    assert refresh(case).status == Status.AGREEMENT_SIGNING
    assert not FollowUp.objects.filter(case=case).exists()
    assert kinds(case)[-1] == EventKind.AGREEMENT_SIGNED


def test_the_last_signature_brings_the_agreement_into_force_and_the_case_succeeds(world):
    case = in_signing(world, reached_on=today() - days(5), received_on=today() - days(10))
    first, second = case.parties.order_by("pk")
    day = today() - days(3)
    data = signatures(case, world.mediator_a, signed_on=day)
    data["signatures"] = data["signatures"][:1]
    services.agreement_sign(case=case, by=world.secretary_a, data=data)

    agreement = services.agreement_sign(
        case=case,
        by=world.secretary_a,
        data={"signatures": [{"party": second, "how": "fingerprint", "signed_on": today()}]},
    )

    case = refresh(case)
    assert case.status == Status.RESOLVED
    assert agreement.effective_on == today()  # the day the last of them was put on it
    assert agreement.parties_signed and agreement.mediator_signed and agreement.sealed
    assert agreement.sealed_by == world.secretary_a
    assert agreement.seal_organisation == committee_for(case)
    assert [(s.party, s.how) for s in agreement.signatures.order_by("party_id")] == [
        (first, "signed"),
        (second, "fingerprint"),
    ]
    assert kinds(case)[-2:] == [EventKind.AGREEMENT_SIGNED, EventKind.AGREEMENT_IN_FORCE]
    assert FollowUp.objects.filter(case=case).count() == 2


def test_signing_a_written_agreement_when_it_is_recorded_resolves_the_case_at_once(world):
    case = mediating_case(world)

    agreement = services.agreement_record(
        case=case,
        by=world.secretary_a,
        data={**written_agreement(), **signatures(case, world.mediator_a)},
    )

    assert agreement.effective_on == today()
    assert refresh(case).status == Status.RESOLVED


def test_a_signing_date_before_the_agreement_was_reached_is_refused(world):
    case = mediating_case(world, received_on=today() - days(20))
    services.agreement_record(
        case=case, by=world.secretary_a, data=written_agreement(reached_on=today() - days(1))
    )
    counts = row_counts()

    assert sign_refusal(world, case, **signatures(case, world.mediator_a, today() - days(2))) == {
        "signatures": ["签署日期不能早于达成日期。"]
    }
    assert row_counts() == counts
    assert not AgreementSignature.objects.exists()


def test_a_signature_without_its_date_is_refused(world):
    case = in_signing(world)
    party = case.parties.first()

    assert sign_refusal(
        world, case, signatures=[{"party": party, "how": "signed", "signed_on": None}]
    ) == {"signatures": ["请填写日期。"]}


def test_a_party_of_another_case_cannot_sign(world):
    case = in_signing(world)
    other = register_case(world.secretary_a).parties.first()

    assert sign_refusal(
        world, case, signatures=[{"party": other, "how": "signed", "signed_on": today()}]
    ) == {"signatures": ["所选当事人不是本案当事人。"]}


def test_a_party_cannot_sign_twice(world):
    case = in_signing(world)
    row = {"party": case.parties.first(), "how": "signed", "signed_on": today()}
    services.agreement_sign(case=case, by=world.secretary_a, data={"signatures": [row]})

    assert sign_refusal(world, case, signatures=[row]) == {
        "signatures": [f"{row['party'].name} 已签署,不能重复记录。"]
    }


def test_a_mediator_who_did_not_mediate_the_case_cannot_sign_it(world):
    case = in_signing(world)

    assert sign_refusal(world, case, mediator=world.mediator_b, mediator_signed_on=today()) == {
        "mediator": ["请选择参与本案调解的调解员。"]
    }


def test_signing_with_nothing_signed_is_refused(world):
    case = in_signing(world)

    assert sign_refusal(world, case) == {"signatures": ["请至少记录一方签署、调解员签名或盖章。"]}


# ---------------------------------------------------------------------------
# Only a people's mediation committee covering the place heads and seals it
# ---------------------------------------------------------------------------

SEAL_REFUSAL = {
    "seal_organisation": [
        "只有本案发生地的人民调解委员会才能在调解协议上盖章;"
        "调解工作室、专家库、矛调中心和专业调处团队须以调委会名义出具协议。"
    ]
}


@pytest.mark.parametrize(
    "kind",
    [
        OrganisationKind.STUDIO,
        OrganisationKind.EXPERT_POOL,
        OrganisationKind.DISTRICT_CENTRE,
        OrganisationKind.PROFESSIONAL_TEAM,
    ],
)
def test_an_organisation_that_is_not_a_committee_cannot_seal_the_agreement(world, kind):
    case = in_signing(world)
    studio = OrganisationFactory(name="调解组织", kind=kind, area=world.village_a)

    assert sign_refusal(world, case, seal_organisation=studio, sealed_on=today()) == SEAL_REFUSAL
    assert refresh(case).agreement.seal_organisation is None


def test_the_committee_of_another_village_cannot_seal_the_agreement(world):
    case = in_signing(world)
    elsewhere = Organisation.objects.get(name="陈家村人民调解委员会", area=world.village_a2)

    assert sign_refusal(world, case, seal_organisation=elsewhere, sealed_on=today()) == SEAL_REFUSAL


def test_the_town_committee_covering_the_village_may_seal_the_agreement(world):
    case = in_signing(world)
    town = OrganisationFactory(
        name="枫桥镇人民调解委员会", kind=OrganisationKind.TOWN_COMMITTEE, area=world.town_a
    )

    agreement = services.agreement_sign(
        case=case, by=world.clerk_a, data={"seal_organisation": town, "sealed_on": today()}
    )

    assert agreement.seal_organisation == town
    assert agreement.sealed_by == world.clerk_a


# ---------------------------------------------------------------------------
# The ending a 司法所 accepts before the agreement is in force
# ---------------------------------------------------------------------------


def test_a_party_who_will_not_sign_ends_the_mediation_as_failed(world):
    case = in_signing(world)

    services.case_fail(
        case=case,
        by=world.secretary_a,
        failure_reason="sessions_failed",
        routes_explained=True,
        note="被申请人拒绝在协议上签名。",
    )

    assert refresh(case).status == Status.FAILED


def test_performance_is_refused_until_the_agreement_is_in_force(world):
    case = in_signing(world)

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_update(
            case=case, by=world.secretary_a, data={"performance": "fulfilled"}
        )

    assert excinfo.value.message_dict == {"performance": ["协议生效后才能记录履行情况。"]}


def test_signing_is_refused_once_the_agreement_is_in_force(world):
    case = resolved_case(world)

    refusal = refused(lambda: sign(case, world.secretary_a, world.mediator_a))

    assert refusal.messages == ["案件当前状态为“调解成功”,不能记录协议签署。"]


# ---------------------------------------------------------------------------
# Oral agreements (口头协议登记)
# ---------------------------------------------------------------------------


def test_an_oral_agreement_takes_effect_the_day_it_is_reached_without_signatures(world):
    reached = today() - days(4)
    case = mediating_case(world, received_on=today() - days(10))

    agreement = services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(reached_on=reached)
    )

    assert agreement.parties_signed is False
    assert agreement.effective_on == reached
    assert agreement.judicial_confirmation_deadline == reached + days(30)
    assert refresh(case).status == Status.RESOLVED


def test_an_oral_agreement_without_its_terms_is_refused(world):
    case = mediating_case(world)
    counts = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(case=case, by=world.secretary_a, data=oral_agreement(terms="   "))

    assert excinfo.value.message_dict == {"terms": ["口头协议须登记协议内容。"]}
    assert row_counts() == counts


def test_an_agreement_reached_before_the_case_was_received_is_refused(world):
    case = mediating_case(world, received_on=today() - days(3))

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(
            case=case, by=world.secretary_a, data=oral_agreement(reached_on=today() - days(4))
        )

    assert excinfo.value.message_dict == {"reached_on": ["达成日期不能早于登记日期。"]}


# ---------------------------------------------------------------------------
# Agreements recorded before the signing records existed
# ---------------------------------------------------------------------------


def test_agreements_recorded_before_the_signing_records_are_taken_as_in_force(world):
    case = in_signing(world)
    Agreement.objects.filter(case=case).update(signed_on=None)
    migration = importlib.import_module("cases.migrations.0024_agreement_signing")

    migration.take_earlier_agreements_as_in_force(apps, None)

    agreement = Agreement.objects.get(case=case)
    assert agreement.effective_on == agreement.reached_on
    assert agreement.effect_note == "本协议登记于逐项记录签署情况之前,按已生效处理。"


# ---------------------------------------------------------------------------
# What an update records, judicial confirmation
# ---------------------------------------------------------------------------


def test_the_agreement_update_records_what_changed(world):
    case = resolved_case(world)

    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})

    event = CaseEvent.objects.get(case=case, kind=EventKind.PERFORMANCE)
    assert event.changes == {"履行情况": ["未到履行期", "已履行"]}


def test_an_agreement_update_that_changes_nothing_records_no_event(world):
    case = resolved_case(world)
    count = CaseEvent.objects.filter(case=case).count()

    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "not_yet_due"})

    assert CaseEvent.objects.filter(case=case).count() == count


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


def test_a_new_mediator_of_the_case_may_sign_once_assigned(world):
    case = in_signing(world)
    helper = MediatorFactory(name="老杨", area=world.village_a)
    case.mediators.add(helper)

    agreement = services.agreement_sign(
        case=case, by=world.secretary_a, data={"mediator": helper, "mediator_signed_on": today()}
    )

    assert agreement.mediator_signer == helper
