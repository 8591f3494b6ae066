"""A written agreement's signing (人民调解法 arts. 29-30): who may head and seal it, who
must still sign, and whether it is complete.

Only a people's mediation committee (人民调解委员会) issues an agreement under its seal.
A studio, an expert pool, the county centre or a professional team mediates under a
committee, and the agreement carries that committee's seal. The committee must cover
the place of the dispute: its area is the case's area or one above it.
"""

from dataclasses import dataclass

from django.db.models import Q

from cases.models import Agreement, AgreementForm, AgreementSignature, Case, Party
from mediators.models import Mediator, Organisation, OrganisationKind

COMMITTEE_KINDS = (
    OrganisationKind.VILLAGE_COMMITTEE,
    OrganisationKind.TOWN_COMMITTEE,
    OrganisationKind.INDUSTRY_COMMITTEE,
)


def may_seal(organisation: Organisation | None, case: Case) -> bool:
    """The one statement of the rule: an active committee covering the case's area."""
    return (
        organisation is not None
        and organisation.is_active
        and organisation.kind in COMMITTEE_KINDS
        and case.area.is_within(organisation.area)
    )


def sealing_committees(case: Case):
    """The committees that may seal ``case``'s agreement, nearest first (what a form offers)."""
    return (
        Organisation.objects.filter(
            is_active=True, kind__in=COMMITTEE_KINDS, area__in=case.area.ancestors()
        )
        .select_related("area")
        .order_by("-area__depth", "name")
    )


def default_sealing_committee(case: Case) -> Organisation | None:
    """The case's own organisation when it is a committee that may seal; otherwise the
    office chooses one (a studio or a team has no seal of its own)."""
    return case.organisation if may_seal(case.organisation, case) else None


@dataclass
class SigningState:
    """Where a written agreement's signing stands, in the terms the case page shows."""

    signed: list[AgreementSignature]
    unsigned: list[Party]
    mediator_signed: bool
    sealed: bool

    @property
    def complete(self) -> bool:
        return not self.unsigned and self.mediator_signed and self.sealed


def signing_state(agreement: Agreement) -> SigningState:
    signed = list(agreement.signatures.select_related("party").order_by("party_id"))
    done = {signature.party_id for signature in signed}
    unsigned = [p for p in agreement.case.parties.order_by("pk") if p.pk not in done]
    return SigningState(
        signed=signed,
        unsigned=unsigned,
        mediator_signed=agreement.mediator_signer_id is not None,
        sealed=agreement.seal_organisation_id is not None,
    )


def signing_mediators(case: Case):
    """Who may sign as the mediator: those assigned to the case or present at a session."""
    return (
        Mediator.objects.filter(Q(cases=case) | Q(sessions__case=case))
        .distinct()
        .order_by("name", "pk")
    )


def written_signing_state(agreement: Agreement | None) -> SigningState | None:
    """The signing state of a written agreement, None for none or an oral one."""
    if agreement is None or agreement.form != AgreementForm.WRITTEN:
        return None
    return signing_state(agreement)
