"""What became of a case, as supervisors count it (DOMAIN §5).

One statement of the outcome classes, used by the ledger's "调解结果" column, the
statistics, the dashboard and the ledger filter behind each figure, so that a figure and
the rows it links to can never disagree. Each outcome is a ``Q`` on the case's current
state; together they partition every case that is not voided.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Agreement,
    Escalation,
    EscalationStatus,
    FailureReason,
    MediationSession,
    SessionResult,
    Status,
)


class Outcome(models.TextChoices):
    AWAITING_ACCEPTANCE = "awaiting", _("待受理")
    IN_PROGRESS = "in_progress", _("正在调解")
    SUCCESSFUL = "successful", _("调解成功")
    FAST_TRACKED = "fast_tracked", _("转速裁解决")
    RESOLVED_OTHERWISE = "resolved_otherwise", _("其他方式化解")
    FAILED = "failed", _("调解不成")
    WITHDRAWN = "withdrawn", _("撤回")
    NOT_ACCEPTED = "not_accepted", _("不予受理")


IN_PROGRESS_STATUSES = (Status.ACCEPTED, Status.MEDIATING, Status.AGREEMENT_SIGNING)
_ENDED_WITHOUT_AGREEMENT = Q(status__in=[Status.FAILED, Status.CLOSED]) & ~Q(failure_reason="")
# A case crossed off after it was settled otherwise keeps how it was settled.
_CLOSED_AFTER_SETTLEMENT = Q(status=Status.CLOSED, failure_reason="")

OUTCOME_Q: dict[str, Q] = {
    Outcome.AWAITING_ACCEPTANCE: Q(status=Status.REGISTERED),
    # 协议待签 is still in progress: 调解成功 only once the agreement is in force.
    Outcome.IN_PROGRESS: Q(status__in=IN_PROGRESS_STATUSES),
    # A case crossed off without a failure reason was crossed off after its agreement,
    # unless it was settled otherwise.
    Outcome.SUCCESSFUL: Q(status=Status.RESOLVED)
    | (_CLOSED_AFTER_SETTLEMENT & Q(resolution_means="")),
    Outcome.FAST_TRACKED: _ENDED_WITHOUT_AGREEMENT & Q(failure_reason=FailureReason.FAST_TRACKED),
    Outcome.FAILED: _ENDED_WITHOUT_AGREEMENT & ~Q(failure_reason=FailureReason.FAST_TRACKED),
    # Settled, but not by mediation: never 调解成功, never 调解不成.
    Outcome.RESOLVED_OTHERWISE: Q(status=Status.RESOLVED_OTHERWISE)
    | (_CLOSED_AFTER_SETTLEMENT & ~Q(resolution_means="")),
    Outcome.WITHDRAWN: Q(status=Status.WITHDRAWN),
    Outcome.NOT_ACCEPTED: Q(status=Status.NOT_ACCEPTED),
}

# 受理: every case taken on, whatever came of it. A case withdrawn before anyone accepted
# it (it has no owner yet) was never taken on.
ACCEPTED_Q = (
    OUTCOME_Q[Outcome.IN_PROGRESS]
    | OUTCOME_Q[Outcome.SUCCESSFUL]
    | OUTCOME_Q[Outcome.FAST_TRACKED]
    | OUTCOME_Q[Outcome.RESOLVED_OTHERWISE]
    | OUTCOME_Q[Outcome.FAILED]
    | Q(status=Status.WITHDRAWN, owner__isnull=False)
)
# 已办结: accepted and no longer being mediated.
CONCLUDED_Q = (
    OUTCOME_Q[Outcome.SUCCESSFUL]
    | OUTCOME_Q[Outcome.FAST_TRACKED]
    | OUTCOME_Q[Outcome.RESOLVED_OTHERWISE]
    | OUTCOME_Q[Outcome.FAILED]
)


SUCCESSFUL_Q = OUTCOME_Q[Outcome.SUCCESSFUL]

# Accepted escalations are rare: an uncorrelated subquery that PostgreSQL hashes once.
# Sessions and agreements are many: a correlated EXISTS on their case index, reached only
# for the rows that passed the cheaper tests before it (the ``AND`` inside an aggregate's
# FILTER is evaluated left to right), so the cost follows the successful cases counted.
_ESCALATED_CASES = Escalation.objects.filter(status=EscalationStatus.ACCEPTED).values("case_id")
_REOPENED = Exists(Agreement.objects.filter(case=OuterRef("pk"), superseded_at__isnull=False))
_FAILED_SESSION = Exists(
    MediationSession.objects.filter(case=OuterRef("pk"), result=SessionResult.NOT_RESOLVED)
)
_SESSION_AT_ANOTHER_LEVEL = Exists(
    MediationSession.objects.filter(case=OuterRef("pk")).exclude(level=OuterRef("level"))
)

# 初次化解: settled by the first round of mediation — no session ended "not resolved",
# never handed up a level, never reopened after the dispute flared again.
FIRST_TIME_Q = SUCCESSFUL_Q & ~Q(pk__in=_ESCALATED_CASES) & ~Q(_REOPENED) & ~Q(_FAILED_SESSION)
# 就地化解: settled where it was handled — never handed up by an accepted escalation, and
# every session held at the level that settled it (a re-grade that raised the level after
# sessions at the lower level counts as leaving the spot too).
ON_THE_SPOT_Q = SUCCESSFUL_Q & ~Q(pk__in=_ESCALATED_CASES) & ~Q(_SESSION_AT_ANOTHER_LEVEL)

# The extra outcome-like classes the ledger filter offers beside ``Outcome``.
ACCEPTED = "accepted"
CONCLUDED = "concluded"
CLASS_Q: dict[str, Q] = {
    **{str(key): q for key, q in OUTCOME_Q.items()},
    ACCEPTED: ACCEPTED_Q,
    CONCLUDED: CONCLUDED_Q,
}
RESOLUTION_Q: dict[str, Q] = {"first_time": FIRST_TIME_Q, "on_the_spot": ON_THE_SPOT_Q}
RESOLUTION_CHOICES = [("first_time", _("初次化解")), ("on_the_spot", _("就地化解"))]


def outcome_of(status: str, failure_reason: str, resolution_means: str = "") -> Outcome | None:
    """The outcome of one case from its status, failure reason and means of settlement
    (``None`` if voided); the Python twin of ``OUTCOME_Q`` for code that holds the row."""
    if status == Status.REGISTERED:
        return Outcome.AWAITING_ACCEPTANCE
    if status in IN_PROGRESS_STATUSES:
        return Outcome.IN_PROGRESS
    if status == Status.RESOLVED_OTHERWISE or (
        status == Status.CLOSED and not failure_reason and resolution_means
    ):
        return Outcome.RESOLVED_OTHERWISE
    if status == Status.RESOLVED or (status == Status.CLOSED and not failure_reason):
        return Outcome.SUCCESSFUL
    if status in (Status.FAILED, Status.CLOSED):
        if failure_reason == FailureReason.FAST_TRACKED:
            return Outcome.FAST_TRACKED
        return Outcome.FAILED
    if status == Status.WITHDRAWN:
        return Outcome.WITHDRAWN
    if status == Status.NOT_ACCEPTED:
        return Outcome.NOT_ACCEPTED
    return None
