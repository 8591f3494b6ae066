"""What each role may do to a case (DOMAIN §1). One table, read by every entry point.

The workflow (which actions a case's *status* allows) lives in ``cases.workflow``;
this module answers the other half: may *this user* do it, and who answers a request
to go up a level.
"""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from cases.models import (
    AREA_LEVEL_FOR_HANDLING,
    LEVEL_SEQUENCE,
    Case,
    EscalationStatus,
    HandlingLevel,
)
from grids.models import LEVEL_ORDER, AreaLevel


class Action(models.TextChoices):
    REGISTER = "register", _("登记案件")
    EDIT = "edit", _("修改案件信息")
    ACCEPT = "accept", _("受理并指派")
    NOT_ACCEPT = "not_accept", _("不予受理")
    WITHDRAW = "withdraw", _("撤回")
    RECORD_SESSION = "record_session", _("记录调解")
    RECORD_INVESTIGATION = "record_investigation", _("记录调查")
    CHANGE_GRADE = "change_grade", _("调整等级")
    ESCALATE = "escalate", _("提级调处")
    DECIDE_ESCALATION = "decide_escalation", _("接收/退回上报")
    RECORD_AGREEMENT = "record_agreement", _("记录调解协议")
    SIGN_AGREEMENT = "sign_agreement", _("记录协议签署")
    RECORD_PERFORMANCE = "record_performance", _("记录履行情况")
    RECORD_FOLLOW_UP = "record_follow_up", _("记录回访")
    FAIL = "fail", _("调解不成")
    RESOLVE_OTHERWISE = "resolve_otherwise", _("登记其他方式化解")
    RECORD_REFUSAL = "record_refusal", _("登记当事人拒绝调解")
    WAIVE_FOLLOW_UP = "waive_follow_up", _("免除回访")
    EXTEND_TERM = "extend_term", _("延长调解期限")
    EXTEND_PETITION = "extend_petition", _("信访件延期办理")
    CLOSE = "close", _("销号")
    VOID = "void", _("作废")
    REVEAL_ID_NUMBER = "reveal_id_number", _("查看完整身份证号码")
    REVEAL_MOBILE = "reveal_mobile", _("查看完整手机号码")
    # Not a workflow step (no entry in workflow.ALLOWED_FROM): cases.attachments checks it.
    ATTACH = "attach", _("上传附件")
    # Registering, accepting, one session and an oral agreement at once: a composite of
    # the steps above (cases.services.on_the_spot), each checked in its turn.
    SETTLE_ON_SPOT = "settle_on_spot", _("随手调")


_HANDLING = {
    Action.ACCEPT,
    Action.RECORD_SESSION,
    Action.RECORD_INVESTIGATION,
    Action.RECORD_AGREEMENT,
    Action.SIGN_AGREEMENT,
    Action.RECORD_PERFORMANCE,
    Action.RECORD_FOLLOW_UP,
    Action.ESCALATE,
    Action.FAIL,
    Action.RESOLVE_OTHERWISE,
    Action.RECORD_REFUSAL,
    Action.ATTACH,
    Action.EXTEND_TERM,
}

# 随手调 is the grid member's way with a blue dispute (seed 001: "蓝色由网格员随手调");
# at the village and above a case is registered and mediated step by step.
_GRID_ONLY = {Action.SETTLE_ON_SPOT}
# The steps that belong to the level handling the case (三三调处, seed 001): the grid
# member for blue, the village committee team for yellow, the town's professional team
# for red, and whoever a case was handed up to. Below that level a user still sees the
# case (scoping is by the case's area) but only reads it. Follow-up visits are left out:
# the follow-up responsibility rules may give them to a lower level.
LEVEL_BOUND: set[Action] = {
    *(_HANDLING - {Action.RECORD_FOLLOW_UP}),
    Action.NOT_ACCEPT,
    Action.CHANGE_GRADE,
    # Waiving a visit is a decision of the level that handles the case, not of whoever
    # was asked to make the visit.
    Action.WAIVE_FOLLOW_UP,
}

ROLE_ACTIONS: dict[str, set[Action]] = {
    # Finds disputes on patrol, settles minor ones on the spot, makes follow-up calls.
    Role.GRID_MEMBER: {
        Action.REGISTER,
        Action.REVEAL_MOBILE,
        Action.SETTLE_ON_SPOT,
        Action.WAIVE_FOLLOW_UP,
        *_HANDLING,
    },
    # Keeps the village ledger: everything about the village's cases.
    Role.VILLAGE_SECRETARY: set(Action) - _GRID_ONLY,
    # Records the mediation of the cases assigned to them: all of the handling but the
    # decision to accept, and the parties' full numbers for the agreement.
    Role.MEDIATOR: {
        *(_HANDLING - {Action.ACCEPT}),
        Action.REVEAL_ID_NUMBER,
        Action.REVEAL_MOBILE,
    },
    # The back office corrects and completes anything in its area.
    Role.CLERK: set(Action) - _GRID_ONLY,
    # Supervisors watch, grade, take escalations and cross cases off; they do not need
    # people's ID numbers for that.
    Role.SUPERVISOR: {
        Action.CHANGE_GRADE,
        Action.DECIDE_ESCALATION,
        Action.CLOSE,
        Action.WAIVE_FOLLOW_UP,
        Action.VOID,
        # The head of the handling office approves a petition's extension (信访工作条例).
        Action.EXTEND_PETITION,
    },
}


# Who answers a request to go up to each level (at that level's area): the village
# secretary for the village, the clerks and supervisors of the town or district.
ESCALATION_RECEIVER_ROLES: dict[HandlingLevel, list[str]] = {
    HandlingLevel.VILLAGE: [Role.VILLAGE_SECRETARY],
    HandlingLevel.TOWN: [Role.CLERK, Role.SUPERVISOR],
    HandlingLevel.DISTRICT: [Role.CLERK, Role.SUPERVISOR],
}


def role_allows(user, action: Action) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return action in ROLE_ACTIONS.get(user.role, set())


def user_may(user, action: Action, case: Case | None = None) -> bool:
    """May ``user`` take ``action`` on ``case``? The case is assumed already visible to them."""
    return permission_refusal(user, action, case) is None


def permission_refusal(user, action: Action, case: Case | None = None) -> str | None:
    """Why ``user`` may not take ``action`` on ``case``, in words for them, or None when
    they may. ``check_allowed`` raises it; the pages use ``user_may`` to hide the step."""
    if not role_allows(user, action):
        return gettext("您没有权限%(action)s。") % {"action": action.label}
    if case is None or user.is_superuser:
        return None
    if action in LEVEL_BOUND and not at_handling_level(user, case):
        return gettext("该案件由%(level)s处置,本级可查看,不能%(action)s。") % {
            "level": case.get_level_display(),
            "action": action.label,
        }
    if action == Action.DECIDE_ESCALATION and not _may_receive_escalation(user, case):
        return gettext("您没有权限%(action)s。") % {"action": action.label}
    return None


def at_handling_level(user, case: Case) -> bool:
    """Is ``user``'s area at or above the level that handles ``case``? A mediator's
    account hangs where they serve, so the same rule places them."""
    return at_level(user, case.level)


def at_level(user, level: str) -> bool:
    """Is ``user``'s area at or above the handling ``level``?"""
    if user.is_superuser:
        return True
    if user.area_id is None:
        return False
    return _area_rank(user.area.level) <= _area_rank(AREA_LEVEL_FOR_HANDLING[level])


def read_only_note(user, case: Case) -> str | None:
    """What the case page tells someone below the level handling ``case`` who would
    otherwise record its mediation: they follow it, the handling level records it."""
    if at_handling_level(user, case) or not any(role_allows(user, a) for a in LEVEL_BOUND):
        return None
    handler = case.get_level_display()
    if case.organisation_id:
        handler = f"{handler}({case.organisation})"
    return gettext("该案件由%(handler)s处置,本级可查看进展,调解、协议等由其记录。") % {
        "handler": handler
    }


def _area_rank(level: str) -> int:
    # A micro-grid's grid member works at grid level: nothing is handled below a grid.
    return min(LEVEL_ORDER.index(AreaLevel(level)), LEVEL_ORDER.index(AreaLevel.GRID))


def _may_receive_escalation(user, case: Case) -> bool:
    pending = next(
        (e for e in case.escalations.all() if e.status == EscalationStatus.PROPOSED),
        None,
    )
    if pending is None or user.area_id is None:
        return False
    to_level = HandlingLevel(pending.to_level)
    if to_level not in ESCALATION_RECEIVER_ROLES:
        return False
    receiving_area_level = AREA_LEVEL_FOR_HANDLING[to_level]
    if user.role == Role.VILLAGE_SECRETARY and to_level != HandlingLevel.VILLAGE:
        return False
    # The receiving level, or anyone above it, answers the request.
    return _area_rank(user.area.level) <= _area_rank(receiving_area_level)


def next_level(level: str) -> HandlingLevel | None:
    index = LEVEL_SEQUENCE.index(HandlingLevel(level))
    return LEVEL_SEQUENCE[index + 1] if index + 1 < len(LEVEL_SEQUENCE) else None
