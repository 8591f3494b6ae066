"""Settled other than by mediation (其他方式化解): a department's decision, relief, a
lawsuit or an arbitration the parties were guided to. Seed 001's veterans got the
benefits they were owed and the pupil's family compensation and relief, with no mediation
agreement: such a case is settled, but supervisors count it apart from 调解成功."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, EventKind, ResolutionMeans, Status
from cases.policy import Action
from cases.workflow import check_allowed, clean_note, lock_case, move_case
from common.validators import control_characters_error, validate_not_future_date

# What the step reads, named as the form's and the API's fields (and their refusals).
RESOLUTION_FIELDS = (
    "means",
    "means_detail",
    "action_taken",
    "department",
    "resolved_on",
    "note",
)
ONE_LINE_MAX_LENGTH = 100


def _one_line(value: str, field: str) -> str:
    value = (value or "").strip()
    error = control_characters_error(value, multiline=False)
    if error:
        raise ValidationError({field: error})
    if len(value) > ONE_LINE_MAX_LENGTH:
        raise ValidationError(
            {field: _("最多填写 %(limit_value)d 个字。") % {"limit_value": ONE_LINE_MAX_LENGTH}}
        )
    return value


def _resolved_on(value, case: Case) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError({"resolved_on": _("请填写化解日期。")})
    try:
        validate_not_future_date(value)
    except ValidationError as error:
        raise ValidationError({"resolved_on": error}) from None
    if value < case.received_on:
        raise ValidationError({"resolved_on": _("化解日期不能早于登记日期。")})
    return value


@transaction.atomic
def case_resolve_otherwise(
    *,
    case: Case,
    by,
    means: str,
    action_taken: str,
    department: str = "",
    resolved_on: datetime.date | None = None,
    note: str = "",
    means_detail: str = "",
) -> Case:
    """Record that the dispute was settled by ``means`` (what was done, by whom, when)
    and end the case's mediation; it is then crossed off like a failed one."""
    case = lock_case(case)
    check_allowed(by, case, Action.RESOLVE_OTHERWISE)
    if means not in ResolutionMeans.values:
        raise ValidationError({"means": _("请选择化解途径。")})
    means_detail = _one_line(means_detail, "means_detail")
    if means == ResolutionMeans.OTHER and not means_detail:
        raise ValidationError({"means_detail": _("选择“其他”时,请说明化解途径。")})
    action_taken = clean_note(action_taken, "action_taken")
    if not action_taken:
        raise ValidationError({"action_taken": _("请填写采取了哪些措施、结果如何。")})
    department = _one_line(department, "department")
    case.resolution_means = means
    case.resolution_means_detail = means_detail if means == ResolutionMeans.OTHER else ""
    case.resolution_action = action_taken
    case.resolution_department = department
    case.resolved_on = _resolved_on(resolved_on, case)
    case.outcome_reason = clean_note(note)
    means_label = case.get_resolution_means_display()
    if case.resolution_means_detail:
        means_label = f"{means_label}({case.resolution_means_detail})"
    return move_case(
        case,
        by,
        Status.RESOLVED_OTHERWISE,
        EventKind.RESOLVED_OTHERWISE,
        note=" ".join(part for part in (means_label, department) if part),
        lapses=_("已以其他方式化解,上报撤销。"),
    )
