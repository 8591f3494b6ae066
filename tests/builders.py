"""A case in state X for any test: built through the case services, as an office would
bring it there, so it carries the numbers, deadlines, events and scheduled visits of a
real one.

Three layers, each calling the one above:
- the data a step takes (``oral_agreement``, ``signatures``, ``follow_up``...);
- one step each (``accept``, ``record_session``, ``record_agreement``, ``sign``, ``fulfil``,
  ``visit``, ``close``), at whatever "now" the test has travelled to;
- a case brought to a state (``mediating``, ``resolved``, ``ready_to_close``), and the
  same on the ``world`` fixture's 枫源村 (``accepted_case``, ``mediating_case``,
  ``resolved_case``), a red one at the town (``accepted_at_town``) and grid A (``accepted_grid_case``, ``failed_three_times_at_grid``),
  and village B with a case in every state (``village_b_in_every_state``).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from cases import services
from cases.models import (
    AgreementForm,
    Case,
    CaseSource,
    FollowUp,
    FollowUpKind,
    Grade,
    Method,
    Place,
    SessionResult,
    SignatureMethod,
)
from grids.models import AreaLevel
from mediators.models import Organisation, OrganisationKind
from tests.factories import OrganisationFactory, party_rows, register_case

SESSION_CONTENT = "双方陈述了各自意见。"


def today() -> datetime.date:
    return timezone.localdate()


def now_minute() -> datetime.datetime:
    """Now, to the minute: what a datetime-local input sends, and never in the future."""
    return timezone.localtime().replace(second=0, microsecond=0)


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# ---------------------------------------------------------------------------
# The data a step takes
# ---------------------------------------------------------------------------


def oral_agreement(**overrides) -> dict:
    """An oral agreement reached today: in effect at once, without signatures."""
    return {
        "form": AgreementForm.ORAL,
        "reached_on": today(),
        "facts": "双方对院墙位置有争议。",
        "terms": "院墙按原址重建,费用各半。",
        **overrides,
    }


def written_agreement(**overrides) -> dict:
    """A written agreement, not in effect until signed and sealed (``signatures``)."""
    return oral_agreement(form=AgreementForm.WRITTEN, **overrides)


def committee_for(case: Case) -> Organisation:
    """The people's mediation committee of the case's village, which seals its agreement."""
    village = case.area if case.area.level == AreaLevel.VILLAGE else case.area.parent
    return Organisation.objects.filter(
        area=village, kind=OrganisationKind.VILLAGE_COMMITTEE
    ).first() or OrganisationFactory(
        name=f"{village.name}人民调解委员会", area=village, kind=OrganisationKind.VILLAGE_COMMITTEE
    )


def signatures(case: Case, mediator, signed_on: datetime.date | None = None) -> dict:
    """Every party signs, ``mediator`` signs and the village committee seals, on one day
    (today unless ``signed_on``): what ``services.agreement_sign`` takes."""
    day = signed_on or today()
    return {
        "signatures": [
            {"party": party, "how": SignatureMethod.SIGNED, "signed_on": day}
            for party in case.parties.order_by("pk")
        ],
        "mediator": mediator,
        "mediator_signed_on": day,
        "seal_organisation": committee_for(case),
        "sealed_on": day,
    }


def follow_up(**overrides) -> dict:
    """A phone call made now that finds the agreement kept and the parties satisfied."""
    return {
        "kind": FollowUpKind.PHONE,
        "done_at": now_minute(),
        "performance": "yes",
        "satisfaction": "satisfied",
        "notes": "电话回访,双方表示满意。",
        **overrides,
    }


# ---------------------------------------------------------------------------
# One step each
# ---------------------------------------------------------------------------


def accept(case: Case, by, mediators=(), *, owner=None, note: str = "受理") -> Case:
    """Accepted by ``by``, who owns it unless ``owner`` is given."""
    return services.case_accept(
        case=case, by=by, owner=owner or by, mediators=list(mediators), note=note
    )


def record_session(
    case: Case,
    by,
    mediators,
    result: str = SessionResult.CONTINUE,
    *,
    held_at: datetime.datetime | None = None,
    parties_present=(),
):
    """A face-to-face session in the mediation room, held now unless ``held_at`` says."""
    return services.session_record(
        case=case,
        by=by,
        held_at=held_at or now_minute(),
        place=Place.MEDIATION_ROOM,
        method=Method.FACE_TO_FACE,
        content=SESSION_CONTENT,
        result=result,
        mediators=list(mediators),
        parties_present=list(parties_present),
    )


def record_agreement(case: Case, by, **fields) -> Case:
    """An oral agreement (``oral_agreement``), with ``fields`` changed."""
    services.agreement_record(case=case, by=by, data=oral_agreement(**fields))
    return refresh(case)


def sign(case: Case, by, mediator, signed_on: datetime.date | None = None) -> Case:
    """A written agreement signed by all and sealed (``signatures``): now in force."""
    services.agreement_sign(case=case, by=by, data=signatures(case, mediator, signed_on))
    return refresh(case)


def fulfil(case: Case, by) -> None:
    services.agreement_update(case=case, by=by, data={"performance": "fulfilled"})


def visit(case: Case, by, **findings) -> FollowUp:
    """A follow-up visit (``follow_up``), with ``findings`` changed."""
    return services.follow_up_record(case=case, by=by, data=follow_up(**findings))


def close(case: Case, by) -> Case:
    return services.case_close(case=case, by=by)


# ---------------------------------------------------------------------------
# A registered case brought to a state
# ---------------------------------------------------------------------------


def mediating(case: Case, by, mediators) -> Case:
    """Accepted, and one session that goes on another day."""
    accept(case, by, mediators)
    return record_session(case, by, mediators).case


def resolved(case: Case, by, mediators, *, owner=None, **agreement) -> Case:
    """Accepted, one session that settles it, and an oral agreement (in effect at once)
    with ``agreement``'s fields changed; not yet fulfilled."""
    accept(case, by, mediators, owner=owner)
    record_session(case, by, mediators, SessionResult.RESOLVED)
    return record_agreement(case, by, **agreement)


def in_signing(case: Case, by, mediators) -> Case:
    """Accepted, one session that settles it, and a written agreement nobody has signed
    yet: 协议待签."""
    accept(case, by, mediators)
    record_session(case, by, mediators, SessionResult.RESOLVED)
    services.agreement_record(case=case, by=by, data=written_agreement())
    return refresh(case)


def ready_to_close(case: Case, by, mediators) -> Case:
    """Resolved, the agreement fulfilled, the phone call and the home visit made: 销号
    is allowed."""
    resolved(case, by, mediators)
    fulfil(case, by)
    visit(case, by)
    visit(case, by, kind=FollowUpKind.HOME_VISIT, notes="上门走访,协议已履行。")
    return refresh(case)


# ---------------------------------------------------------------------------
# The same on the world fixture: registered by 枫源村's secretary, 宝大叔 mediating
# ---------------------------------------------------------------------------


def accepted_case(world, area=None, *, owner=None, **case_fields) -> Case:
    """Registered in ``area`` (枫源村 unless given) with ``case_fields``, and accepted."""
    case = register_case(world.secretary_a, area or world.village_a, **case_fields)
    return accept(case, world.secretary_a, [world.mediator_a], owner=owner)


def mediating_case(world, area=None, **case_fields) -> Case:
    case = accepted_case(world, area, **case_fields)
    return record_session(case, world.secretary_a, [world.mediator_a]).case


def resolved_case(world, area=None, *, owner=None, agreement=None, **case_fields) -> Case:
    """Registered in ``area`` with ``case_fields`` and resolved (``resolved``), the
    agreement's fields changed by the ``agreement`` dict."""
    case = register_case(world.secretary_a, area or world.village_a, **case_fields)
    return resolved(case, world.secretary_a, [world.mediator_a], owner=owner, **(agreement or {}))


def accepted_at_town(world, area=None, **case_fields) -> Case:
    """A red case registered by 枫源村's secretary (in ``area`` if given), accepted by the
    town's clerk and handed to 枫桥镇's professional team with 司法所老周 mediating."""
    case = register_case(world.secretary_a, area or world.village_a, grade=Grade.RED, **case_fields)
    return accept(case, world.clerk_a, [world.town_mediator_a])


def accepted_grid_case(world) -> Case:
    """A blue case in grid A, accepted and mediated on the spot by the grid member."""
    case = register_case(world.grid_member_a, world.grid_a, grade=Grade.BLUE)
    return accept(case, world.grid_member_a, [world.mediator_a])


def failed_three_times_at_grid(world) -> Case:
    """``accepted_grid_case`` after three failed sessions: escalation is due."""
    case = accepted_grid_case(world)
    for _ in range(3):
        record_session(case, world.grid_member_a, [world.mediator_a], SessionResult.NOT_RESOLVED)
    return refresh(case)


@dataclass
class VillageB:
    """Cases of village B in every state a door needs, so that the 404 answered to
    village A can only come from the scoping, never from the case's state."""

    registered: Case
    mediating: Case
    escalated: Case
    signing: Case
    resolved: Case  # its visits still to be made
    ready_to_close: Case
    petition_mediating: Case


def petition_case(by, **overrides) -> Case:
    """Registered from a petition referral (信访转办): it runs on the petition clocks."""
    return register_case(by, source=CaseSource.objects.get(code="petition"), **overrides)


def village_b_in_every_state(world) -> VillageB:
    by, mediators = world.secretary_b, [world.mediator_b]
    registered = register_case(by, parties=party_rows("赵大宝", "钱小贝"), title="赵家村山林纠纷")
    escalated = mediating(register_case(by), by, mediators)
    services.escalation_propose(case=escalated, by=by, reason="村级调解未成")
    return VillageB(
        registered=registered,
        mediating=mediating(register_case(by), by, mediators),
        escalated=escalated,
        signing=in_signing(register_case(by), by, mediators),
        resolved=resolved(register_case(by), by, mediators),
        ready_to_close=ready_to_close(register_case(by), by, mediators),
        petition_mediating=mediating(petition_case(by), by, mediators),
    )


def cases_in_two_villages(world) -> dict:
    """Village A's own cases (one in 枫源村, one in its grid), one of 陈家村 next door,
    and the numbers of every case village B has so far (build those first)."""
    own = [register_case(world.secretary_a), register_case(world.secretary_a, world.grid_a)]
    a2 = register_case(world.secretary_a2)
    b_numbers = sorted(
        Case.objects.filter(area__in=[world.village_b, world.grid_b]).values_list(
            "number", flat=True
        )
    )
    return {"own": own, "a2": a2, "b_numbers": b_numbers}
