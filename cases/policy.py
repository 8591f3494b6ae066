"""What each role may do to a case (DOMAIN §1). One table, read by every entry point.

The workflow (which actions a case's *status* allows) lives in ``cases.workflow``;
this module answers the other half: may *this user* do it, and who answers a request
to go up a level.
"""

from django.db import models
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
    CHANGE_GRADE = "change_grade", _("调整等级")
    ESCALATE = "escalate", _("提级调处")
    DECIDE_ESCALATION = "decide_escalation", _("接收/退回上报")
    RECORD_AGREEMENT = "record_agreement", _("记录调解协议")
    RECORD_PERFORMANCE = "record_performance", _("记录履行情况")
    RECORD_FOLLOW_UP = "record_follow_up", _("记录回访")
    FAIL = "fail", _("调解不成")
    EXTEND_TERM = "extend_term", _("延长调解期限")
    EXTEND_PETITION = "extend_petition", _("信访件延期办理")
    CLOSE = "close", _("销号")
    VOID = "void", _("作废")
    REVEAL_ID_NUMBER = "reveal_id_number", _("查看完整身份证号码")
    REVEAL_MOBILE = "reveal_mobile", _("查看完整手机号码")
    # Not a workflow step (no entry in workflow.ALLOWED_FROM): cases.attachments checks it.
    ATTACH = "attach", _("上传附件")


_HANDLING = {
    Action.ACCEPT,
    Action.RECORD_SESSION,
    Action.RECORD_AGREEMENT,
    Action.RECORD_PERFORMANCE,
    Action.RECORD_FOLLOW_UP,
    Action.ESCALATE,
    Action.FAIL,
    Action.ATTACH,
    Action.EXTEND_TERM,
}

ROLE_ACTIONS: dict[str, set[Action]] = {
    # Finds disputes on patrol, settles minor ones on the spot, makes follow-up calls.
    Role.GRID_MEMBER: {Action.REGISTER, Action.REVEAL_MOBILE, *_HANDLING},
    # Keeps the village ledger: everything about the village's cases.
    Role.VILLAGE_SECRETARY: set(Action),
    # Records the mediation of the cases assigned to them: all of the handling but the
    # decision to accept, and the parties' full numbers for the agreement.
    Role.MEDIATOR: {
        *(_HANDLING - {Action.ACCEPT}),
        Action.REVEAL_ID_NUMBER,
        Action.REVEAL_MOBILE,
    },
    # The back office corrects and completes anything in its area.
    Role.CLERK: set(Action),
    # Supervisors watch, grade, take escalations and cross cases off; they do not need
    # people's ID numbers for that.
    Role.SUPERVISOR: {
        Action.CHANGE_GRADE,
        Action.DECIDE_ESCALATION,
        Action.CLOSE,
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
    if not role_allows(user, action):
        return False
    if case is None or user.is_superuser:
        return True
    if user.role == Role.GRID_MEMBER and action in _HANDLING - {Action.RECORD_FOLLOW_UP}:
        # Grid members mediate on the spot only while the case sits at grid level.
        return case.level == HandlingLevel.GRID
    if action == Action.DECIDE_ESCALATION:
        return _may_receive_escalation(user, case)
    return True


def _area_rank(level: str) -> int:
    return LEVEL_ORDER.index(AreaLevel(level))


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
