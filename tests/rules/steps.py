"""Cases at each point of the workflow, and each step as its page and its API endpoint
take it, for the rule tests."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Role
from cases import services
from cases.models import Agreement, Case
from tests.builders import (
    accept,
    mediating,
    now_minute,
    petition_case,
    record_session,
    resolved,
)
from tests.factories import UserFactory, register_case
from tests.web.helpers import datetime_input

# ---------------------------------------------------------------------------
# Cases at each point of the workflow, in village A, handled by its secretary
# ---------------------------------------------------------------------------


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def registered(world) -> Case:
    return register_case(world.secretary_a, received_on=days_ago(5))


def accepted(world) -> Case:
    return accept(registered(world), world.secretary_a, [world.mediator_a])


def in_mediation(world) -> Case:
    return mediating(registered(world), world.secretary_a, [world.mediator_a])


def agreed(world) -> Case:
    """Resolved by an oral agreement, in effect at once, not yet carried out."""
    return resolved(registered(world), world.secretary_a, [world.mediator_a])


def agreed_in_writing_unsigned(world) -> Case:
    case = in_mediation(world)
    services.agreement_record(
        case=case,
        by=world.secretary_a,
        data={
            "form": "written",
            "reached_on": days_ago(3),
            "facts": "双方对院墙位置有争议。",
            "terms": "院墙按原址重建,费用各半。",
        },
    )
    return Case.objects.get(pk=case.pk)


def _agreed_orally(world, days: int) -> Case:
    """An oral agreement reached (and so in effect) ``days`` days ago."""
    case = mediating(
        register_case(world.secretary_a, received_on=days_ago(days + 2)),
        world.secretary_a,
        [world.mediator_a],
    )
    services.agreement_record(
        case=case,
        by=world.secretary_a,
        data={
            "form": "oral",
            "reached_on": days_ago(days),
            "facts": "双方对院墙位置有争议。",
            "terms": "院墙按原址重建,费用各半。",
        },
    )
    return Case.objects.get(pk=case.pk)


def agreed_three_days_ago(world) -> Case:
    """An oral agreement reached (and so in effect) three days ago."""
    return _agreed_orally(world, 3)


def agreed_forty_days_ago(world) -> Case:
    """An oral agreement in effect for forty days: its 30-day window for applying for
    judicial confirmation closed ten days ago."""
    return _agreed_orally(world, 40)


def agreed_and_fulfilled(world) -> Case:
    case = agreed(world)
    services.agreement_update(case=case, by=world.secretary_a, data={"performance": "fulfilled"})
    return case


def agreed_in_grid_a_at_village_level(world) -> Case:
    """A yellow case that arose in grid A, handled (and resolved) by the village."""
    return resolved(
        register_case(world.secretary_a, world.grid_a, received_on=days_ago(5)),
        world.secretary_a,
        [world.mediator_a],
    )


def escalation_pending(world) -> Case:
    case = in_mediation(world)
    services.escalation_propose(case=case, by=world.secretary_a, reason="三次调解未成")
    return case


def at_the_district(world) -> Case:
    """In mediation at the county centre, with a district clerk (``clerk_district``) on
    ``world`` to handle it: only the district may take its steps now."""
    case = in_mediation(world)
    # Set directly: no step takes a village case to the district in one go.
    Case.objects.filter(pk=case.pk).update(level="district")
    world.clerk_district = UserFactory(
        username="clerk_district", role=Role.CLERK, area=world.district, is_staff=True
    )
    return Case.objects.get(pk=case.pk)


def red_registered(world) -> Case:
    """A red case registered by 枫源村's secretary: the town's to accept (三三调处)."""
    return register_case(world.secretary_a, grade="red", received_on=days_ago(5))


def red_at_the_town(world) -> Case:
    """A red case accepted by the town's clerk for its professional team."""
    return accept(red_registered(world), world.clerk_a, [world.town_mediator_a])


def red_agreed_at_the_town(world) -> Case:
    """Settled by the town's professional team with an oral agreement (in effect)."""
    case = red_at_the_town(world)
    by = world.town_mediator_user_a
    record_session(case, by, [world.town_mediator_a], "resolved")
    services.agreement_record(
        case=case, by=by, data={**good_agreement(world, case), "reached_on": timezone.localdate()}
    )
    return Case.objects.get(pk=case.pk)


def handed_up_to_the_town(world) -> Case:
    """Mediated at the village, handed up and taken by the town: 宝大叔 is still named."""
    case = escalation_pending(world)
    services.escalation_decide(case=case, by=world.supervisor_a, accept=True)
    return Case.objects.get(pk=case.pk)


def resolved_otherwise_and_closed(world) -> Case:
    """Settled by a department's action, then crossed off."""
    case = in_mediation(world)
    services.case_resolve_otherwise(
        case=case,
        by=world.secretary_a,
        means="administrative",
        action_taken="协调有关部门落实待遇。",
        resolved_on=timezone.localdate(),
    )
    return services.case_close(case=case, by=world.secretary_a)


def petition_in_mediation(world) -> Case:
    """A petition referral (信访转办) in mediation: it runs on the petition clocks."""
    return mediating(
        petition_case(world.secretary_a, received_on=days_ago(5)),
        world.secretary_a,
        [world.mediator_a],
    )


def term_extended(world) -> Case:
    """In mediation, its term extended once already (the policy's default limit)."""
    case = in_mediation(world)
    services.case_extend_term(
        case=case, by=world.secretary_a, days=10, reason="双方同意", parties_consented=True
    )
    return Case.objects.get(pk=case.pk)


def petition_extended(world) -> Case:
    case = petition_in_mediation(world)
    services.petition_extend(case=case, by=world.secretary_a, days=30, reason="需补充调查")
    return Case.objects.get(pk=case.pk)


def not_accepted(world) -> Case:
    case = registered(world)
    services.case_not_accept(case=case, by=world.secretary_a, reason="不属于人民调解范围")
    return case


def voided(world) -> Case:
    case = registered(world)
    services.case_void(case=case, by=world.secretary_a, reason="重复登记")
    return case


# ---------------------------------------------------------------------------
# The steps: the page that takes it, the endpoint that takes it, and a good submission
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    page: str  # URL name under cases:
    api: str  # path under /api/v1/cases/<pk>/
    page_data: Callable[[object, Case], dict]
    api_data: Callable[[object, Case], dict]


def _session_page(world, case):
    return {
        "held_at": datetime_input(now_minute()),
        "place": "mediation_room",
        "place_detail": "",
        "method": "face_to_face",
        "mediators": [world.mediator_a.pk],
        "content": "双方陈述了各自意见。",
        "result": "continue",
    }


def _session_api(world, case):
    return {
        "held_at": now_minute().isoformat(),
        "place": "mediation_room",
        "method": "face_to_face",
        "mediators": [world.mediator_a.pk],
        "content": "双方陈述了各自意见。",
        "result": "continue",
    }


def _investigation_page(world, case):
    return {
        "held_at": datetime_input(now_minute()),
        "place": "枫源村三组王家院坝",
        "interviewee_name": "王二叔",
        "interviewee_relation": "邻居,知情人",
        "investigators": [world.mediator_a.pk],
        "content": "界桩是十年前两家一起埋的。",
    }


def _investigation_api(world, case):
    return {**_investigation_page(world, case), "held_at": now_minute().isoformat()}


def good_agreement(world, case):
    return {
        "form": "oral",
        "reached_on": timezone.localdate().isoformat(),
        "facts": "双方对院墙位置有争议。",
        "terms": "院墙按原址重建,费用各半。",
    }


def _agreement_update_page(world, case):
    agreement = case.agreement or Agreement()
    data = {
        "judicial_confirmation": agreement.judicial_confirmation,
        "judicial_court": "",
        "judicial_applied_on": "",
        "judicial_ruling_number": "",
        "judicial_confirmation_on": "",
        "performance": agreement.performance,
        "performance_note": "",
    }
    return data


def _first_party(case):
    return case.parties.order_by("pk").first()


def _sign_page(world, case):
    """The first party signs today; the rest is left for another day."""
    party = _first_party(case)
    return {
        f"party_{party.pk}_how": "signed",
        f"party_{party.pk}_on": timezone.localdate().isoformat(),
    }


def _sign_api(world, case):
    party = _first_party(case)
    return {
        "signatures": [
            {"party": party.pk, "how": "signed", "signed_on": timezone.localdate().isoformat()}
        ]
    }


def _follow_up_page(world, case):
    return {
        "kind": "phone",
        "done_at": datetime_input(now_minute()),
        "performance": "yes",
        "satisfaction": "satisfied",
        "notes": "电话回访,双方表示满意。",
    }


def _follow_up_api(world, case):
    return {**_follow_up_page(world, case), "done_at": now_minute().isoformat()}


def _refusal_page(world, case):
    """The respondent refused, in person, today; the parties were told their routes."""
    return {
        "party": case.parties.get(role="respondent").pk,
        "refused_on": timezone.localdate().isoformat(),
        "note": "被申请人当面表示不接受调解。",
        "routes_explained": "on",
    }


def _refusal_api(world, case):
    return {**_refusal_page(world, case), "routes_explained": True}


def _waive_api(world, case):
    """The first visit still to be made, waived with a reason."""
    visit = case.follow_ups.filter(done_at__isnull=True, cancelled_at__isnull=True).first()
    return {"follow_up": visit.pk if visit else None, "reason": "当事人已外出务工,电话确认履行完毕"}


def _waive_page(world, case):
    data = _waive_api(world, case)
    return {**data, "follow_up": data["follow_up"] or ""}


def _reason(world, case):
    return {"reason": "当事人要求"}


def _resolution(world, case):
    return {
        "means": "administrative",
        "action_taken": "协调有关部门落实待遇。",
        "department": "县退役军人事务局",
        "resolved_on": timezone.localdate().isoformat(),
    }


STEPS = {
    "accept": Step(
        "accept",
        "accept",
        lambda world, case: {"owner": world.secretary_a.pk, "mediators": [world.mediator_a.pk]},
        lambda world, case: {"owner": "secretary_a", "mediators": [world.mediator_a.pk]},
    ),
    "not_accept": Step("not_accept", "not-accept", _reason, _reason),
    "withdraw": Step("withdraw", "withdraw", _reason, _reason),
    "void": Step("void", "void", _reason, _reason),
    "session": Step("session_create", "sessions", _session_page, _session_api),
    "investigation": Step(
        "investigation_create", "investigations", _investigation_page, _investigation_api
    ),
    "grade": Step(
        "change_grade",
        "grade",
        lambda world, case: {"grade": "blue", "reason": "已降温"},
        lambda world, case: {"grade": "blue", "reason": "已降温"},
    ),
    "escalate": Step("escalate", "escalate", _reason, _reason),
    "decide": Step(
        "decide_escalation",
        "escalation/decide",
        lambda world, case: {"accept": "yes", "note": ""},
        lambda world, case: {"accept": True},
    ),
    "agreement": Step("agreement_create", "agreement", good_agreement, good_agreement),
    "agreement_update": Step(
        "agreement_update",
        "agreement/update",
        _agreement_update_page,
        lambda world, case: {},
    ),
    "sign": Step("agreement_sign", "agreement/sign", _sign_page, _sign_api),
    "follow_up": Step("follow_up_create", "follow-ups", _follow_up_page, _follow_up_api),
    "fail": Step(
        "fail",
        "fail",
        lambda world, case: {"failure_reason": "sessions_failed", "routes_explained": "on"},
        lambda world, case: {"failure_reason": "sessions_failed", "routes_explained": True},
    ),
    "close": Step("close", "close", lambda world, case: {}, lambda world, case: {}),
    "resolve_otherwise": Step("resolve_otherwise", "resolve-otherwise", _resolution, _resolution),
    "refusal": Step("refusal", "refusal", _refusal_page, _refusal_api),
    "waive": Step("follow_up_waive", "follow-ups/waive", _waive_page, _waive_api),
    "extend_term": Step(
        "extend_term",
        "extend-term",
        lambda world, case: {"days": "10", "parties_consented": "on", "reason": "双方同意"},
        lambda world, case: {"days": 10, "parties_consented": True, "reason": "双方同意"},
    ),
    "extend_petition": Step(
        "extend_petition",
        "petition/extend",
        lambda world, case: {"days": "30", "reason": "需补充调查"},
        lambda world, case: {"days": 30, "reason": "需补充调查"},
    ),
}
