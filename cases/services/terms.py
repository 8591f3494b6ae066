"""Extending a case's clocks: the mediation term, only with both parties' consent and
within the policy's limits (ClockPolicy), and a petition's handling clock, once, with a
reason (信访工作条例). What the clocks are and which one makes a case overdue is
``Case.running_clocks``."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, CaseTermExtension, ClockPolicy, EventKind, ExtensionKind
from cases.policy import Action
from cases.workflow import check_allowed, lock_case, record_event, require_reason


def term_restart(case: Case, start: datetime.date) -> None:
    """A new mediation term from ``start`` (the case not saved): for a case reopened
    because its dispute flared again, which is mediated afresh; earlier extensions were
    for the earlier mediation."""
    case.term_extended_days = 0
    case.term_ends_on = start + datetime.timedelta(days=ClockPolicy.current().mediation_term_days)


def _check_days(days, limit: int) -> int:
    if days is None or days < 1:
        raise ValidationError({"days": _("请填写延长的天数(至少1天)。")})
    if days > limit:
        raise ValidationError({"days": _("最多还能延长%(limit)d天。") % {"limit": limit}})
    return days


def _record(case, by, kind, days, reason, previous_end, new_end, consented) -> CaseTermExtension:
    extension = CaseTermExtension.objects.create(
        case=case,
        kind=kind,
        days=days,
        reason=reason,
        parties_consented=consented,
        previous_end=previous_end,
        new_end=new_end,
        extended_by=by,
    )
    record_event(
        case,
        EventKind.TERM_EXTENDED,
        by,
        note=reason,
        changes={
            str(extension.get_kind_display()): [previous_end.isoformat(), new_end.isoformat()]
        },
    )
    return extension


@transaction.atomic
def case_extend_term(
    *, case: Case, by, days: int, reason: str, parties_consented: bool
) -> CaseTermExtension:
    """Extend the mediation term by ``days``: both parties must have agreed, and the
    extensions together stay within the policy's number and days. The grade's limit moves
    with it (``Case.running_clocks`` says why)."""
    case = lock_case(case)
    check_allowed(by, case, Action.EXTEND_TERM)
    reason = require_reason(reason)
    if not parties_consented:
        raise ValidationError({"parties_consented": _("延长调解期限须经双方当事人同意。")})
    policy = ClockPolicy.current()
    days = _check_days(days, policy.term_extension_max_days - case.term_extended_days)
    previous_end = case.term_ends_on
    case.term_extended_days += days
    case.term_ends_on = previous_end + datetime.timedelta(days=days)
    case.save()
    return _record(
        case, by, ExtensionKind.MEDIATION_TERM, days, reason, previous_end, case.term_ends_on, True
    )


@transaction.atomic
def petition_extend(*, case: Case, by, days: int, reason: str) -> CaseTermExtension:
    """Extend a petition's handling clock once, by at most the policy's days (30)."""
    case = lock_case(case)
    check_allowed(by, case, Action.EXTEND_PETITION)
    reason = require_reason(reason)
    days = _check_days(days, ClockPolicy.current().petition_extension_days)
    previous_end = case.petition_handle_by
    case.petition_handle_by = previous_end + datetime.timedelta(days=days)
    case.save()
    return _record(
        case, by, ExtensionKind.PETITION, days, reason, previous_end, case.petition_handle_by, False
    )
