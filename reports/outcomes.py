"""What became of a case, as supervisors count it (DOMAIN §5).

One statement of the outcome classes, used by the ledger's "调解结果" column, the
statistics, the dashboard and the ledger filter behind each figure, so that a figure and
the rows it links to can never disagree. Each outcome is a ``Q`` on the case's current
state; together they partition every case that is not voided.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import FailureReason, Status


class Outcome(models.TextChoices):
    AWAITING_ACCEPTANCE = "awaiting", _("待受理")
    IN_PROGRESS = "in_progress", _("正在调解")
    SUCCESSFUL = "successful", _("调解成功")
    FAST_TRACKED = "fast_tracked", _("转速裁解决")
    FAILED = "failed", _("调解不成")
    WITHDRAWN = "withdrawn", _("撤回")
    NOT_ACCEPTED = "not_accepted", _("不予受理")


_ENDED_WITHOUT_AGREEMENT = Q(status__in=[Status.FAILED, Status.CLOSED]) & ~Q(failure_reason="")

OUTCOME_Q: dict[str, Q] = {
    Outcome.AWAITING_ACCEPTANCE: Q(status=Status.REGISTERED),
    Outcome.IN_PROGRESS: Q(status__in=[Status.ACCEPTED, Status.MEDIATING]),
    # A case crossed off without a failure reason was crossed off after its agreement.
    Outcome.SUCCESSFUL: Q(status=Status.RESOLVED) | Q(status=Status.CLOSED, failure_reason=""),
    Outcome.FAST_TRACKED: _ENDED_WITHOUT_AGREEMENT & Q(failure_reason=FailureReason.FAST_TRACKED),
    Outcome.FAILED: _ENDED_WITHOUT_AGREEMENT & ~Q(failure_reason=FailureReason.FAST_TRACKED),
    Outcome.WITHDRAWN: Q(status=Status.WITHDRAWN),
    Outcome.NOT_ACCEPTED: Q(status=Status.NOT_ACCEPTED),
}

# 受理: every case taken on, whatever came of it. A case withdrawn before anyone accepted
# it (it has no owner yet) was never taken on.
ACCEPTED_Q = (
    OUTCOME_Q[Outcome.IN_PROGRESS]
    | OUTCOME_Q[Outcome.SUCCESSFUL]
    | OUTCOME_Q[Outcome.FAST_TRACKED]
    | OUTCOME_Q[Outcome.FAILED]
    | Q(status=Status.WITHDRAWN, owner__isnull=False)
)
# 已办结: accepted and no longer being mediated.
CONCLUDED_Q = (
    OUTCOME_Q[Outcome.SUCCESSFUL] | OUTCOME_Q[Outcome.FAST_TRACKED] | OUTCOME_Q[Outcome.FAILED]
)


def outcome_of(status: str, failure_reason: str) -> Outcome | None:
    """The outcome of one case from its status and failure reason (``None`` if voided);
    the Python twin of ``OUTCOME_Q`` for code that already holds the row."""
    if status == Status.REGISTERED:
        return Outcome.AWAITING_ACCEPTANCE
    if status in (Status.ACCEPTED, Status.MEDIATING):
        return Outcome.IN_PROGRESS
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
