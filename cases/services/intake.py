"""Intake: the decision to accept a case (and who owns and mediates it), not to accept
it, or the applicant's withdrawal."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, EventKind, Status
from cases.policy import Action, at_handling_level
from cases.services.grading import team_kind_for
from cases.workflow import (
    check_allowed,
    clean_note,
    lock_case,
    move_case,
    record_event,
    require_reason,
    set_status,
)
from mediators.models import Mediator, Organisation, OrganisationKind


def mediators_available_for(case: Case):
    """Active mediators of the case's town (or district) and of the levels above it."""
    numbering = case.numbering_area
    return Mediator.objects.active().filter(
        Q(area__path__startswith=numbering.path) | Q(area__code__in=case.area.path_codes)
    )


def organisations_available_for(case: Case):
    """Active organisations of the case's own area and the levels above it."""
    return Organisation.objects.filter(is_active=True, area__code__in=case.area.path_codes)


def check_mediators(case: Case, mediators, field: str = "mediators") -> None:
    available = set(mediators_available_for(case).values_list("pk", flat=True))
    if any(m.pk not in available for m in mediators):
        raise ValidationError({field: _("所选调解员不在本辖区或已停用。")})


def handling_team(case: Case, organisation: Organisation | None) -> Organisation | None:
    """The organisation that takes ``case``: it must be of the kind its grade names (a red
    case goes to the town's professional team, never to a village committee); when none
    is chosen, the one active such team covering the case's area, if there is exactly one."""
    kind = team_kind_for(case)
    if not kind:
        return organisation
    words = {"grade": case.get_grade_display(), "team": OrganisationKind(kind).label}
    if organisation is None:
        teams = list(organisations_available_for(case).filter(kind=kind)[:2])
        if len(teams) == 1:
            return teams[0]
        if not teams:
            raise ValidationError(
                {
                    "organisation": _(
                        "%(grade)s纠纷须由%(team)s处置,本辖区还没有启用的此类调解组织,"
                        "请先在后台登记。"
                    )
                    % words
                }
            )
        raise ValidationError({"organisation": _("%(grade)s纠纷须由%(team)s处置,请选择。") % words})
    if organisation.kind != kind:
        raise ValidationError(
            {
                "organisation": _("%(grade)s纠纷须由%(team)s处置,不能交由%(kind)s。")
                % {**words, "kind": organisation.get_kind_display()}
            }
        )
    return organisation


def check_accepted_on(case: Case, accepted_on: datetime.date | None) -> datetime.date:
    """The acceptance date: not before registration, not in the future. Only the first
    acceptance sets it; a higher level accepting an escalation takes over the same case,
    whose 受理日期 and mediation term stay those of the first acceptance."""
    today = timezone.localdate()
    accepted_on = accepted_on or today
    if accepted_on > today:
        raise ValidationError({"accepted_on": _("受理日期不能晚于今天。")})
    if accepted_on < case.received_on:
        raise ValidationError(
            {
                "accepted_on": _("受理日期不能早于登记日期(%(received)s)。")
                % {"received": case.received_on.isoformat()}
            }
        )
    return accepted_on


@transaction.atomic
def case_accept(
    *,
    case: Case,
    by,
    owner,
    mediators=(),
    organisation=None,
    note: str = "",
    accepted_on: datetime.date | None = None,
) -> Case:
    """Accept the case (受理) on ``accepted_on`` (today when not given) and name who owns
    it and who mediates. The acceptance date starts the mediation term and a petition's
    handling clock (``Case._start_clocks``)."""
    case = lock_case(case)
    check_allowed(by, case, Action.ACCEPT)
    note = clean_note(note)
    accepted_on = check_accepted_on(case, accepted_on)
    if owner is None:
        raise ValidationError({"owner": _("请指定责任人。")})
    if not owner.is_active:
        raise ValidationError({"owner": _("“%(name)s”已停用,请选择其他选项。") % {"name": owner}})
    if owner.area_id is None or not case.area.is_within(owner.area):
        raise ValidationError({"owner": _("责任人必须是案件所在区域的工作人员。")})
    if not at_handling_level(owner, case):
        # The owner answers for the mediation, which only the handling level records.
        raise ValidationError(
            {
                "owner": _("该案件由%(level)s处置,责任人须是%(level)s或以上的工作人员。")
                % {"level": case.get_level_display()}
            }
        )
    check_mediators(case, mediators)
    if (
        organisation is not None
        and not organisations_available_for(case).filter(pk=organisation.pk).exists()
    ):
        raise ValidationError({"organisation": _("所选调解组织不在本辖区或已停用。")})
    organisation = handling_team(case, organisation)
    previous = set_status(case, Status.ACCEPTED)
    case.accepted_on = accepted_on
    case.owner = owner
    case.organisation = organisation
    case.save()
    case.mediators.set(mediators)
    record_event(
        case,
        EventKind.ACCEPTED,
        by,
        from_status=previous,
        note=note,
        changes={
            _("受理日期"): ["", accepted_on.isoformat()],
            _("责任人"): ["", str(owner)],
            _("调解员"): ["", "、".join(m.name for m in mediators)],
            **({_("调解组织"): ["", str(organisation)]} if organisation else {}),
        },
    )
    return case


@transaction.atomic
def case_not_accept(*, case: Case, by, reason: str) -> Case:
    case = lock_case(case)
    check_allowed(by, case, Action.NOT_ACCEPT)
    case.outcome_reason = require_reason(reason)
    return move_case(
        case, by, Status.NOT_ACCEPTED, EventKind.NOT_ACCEPTED, note=case.outcome_reason
    )


@transaction.atomic
def case_withdraw(*, case: Case, by, reason: str) -> Case:
    case = lock_case(case)
    check_allowed(by, case, Action.WITHDRAW)
    case.outcome_reason = require_reason(reason)
    return move_case(
        case,
        by,
        Status.WITHDRAWN,
        EventKind.WITHDRAWN,
        note=case.outcome_reason,
        lapses=_("案件撤回,上报撤销。"),
    )
