"""The agreement (arts. 28-29): recording it resolves the case and schedules the
follow-up visits; afterwards its signatures, judicial confirmation and performance are
brought up to date."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import followups
from cases.models import Agreement, AgreementForm, Case, EventKind, Status
from cases.policy import Action
from cases.workflow import (
    check_allowed,
    history_value,
    lock_case,
    move_case,
    record_event,
    validate_instance,
)

AGREEMENT_FIELDS = (
    "form",
    "reached_on",
    "facts",
    "terms",
    "performance_method",
    "performance_due_on",
    "amount",
    "parties_signed",
    "mediator_signed",
    "sealed",
    "signed_on",
    "rebound_risk",
)
AGREEMENT_UPDATE_FIELDS = (
    "parties_signed",
    "mediator_signed",
    "sealed",
    "signed_on",
    "judicial_confirmation",
    "judicial_confirmation_on",
    "performance",
    "performance_note",
)


def _apply_effect(agreement: Agreement) -> None:
    """Arts. 28-29: an oral agreement takes effect when reached; a written one when every
    party and the mediator have signed and the committee's seal is on it."""
    if agreement.form == AgreementForm.ORAL:
        agreement.effective_on = agreement.reached_on
        return
    complete = agreement.parties_signed and agreement.mediator_signed and agreement.sealed
    if complete and not agreement.signed_on:
        raise ValidationError({"signed_on": _("各方已签名盖章时,请填写签署日期。")})
    if agreement.signed_on and agreement.reached_on and agreement.signed_on < agreement.reached_on:
        raise ValidationError({"signed_on": _("签署日期不能早于达成日期。")})
    agreement.effective_on = agreement.signed_on if complete else None


def _validate_agreement(agreement: Agreement, case: Case) -> None:
    if agreement.reached_on and agreement.reached_on < case.received_on:
        raise ValidationError({"reached_on": _("达成日期不能早于登记日期。")})
    if (
        agreement.performance_due_on
        and agreement.reached_on
        and agreement.performance_due_on < agreement.reached_on
    ):
        raise ValidationError({"performance_due_on": _("履行期限不能早于达成日期。")})
    if agreement.judicial_confirmation != "not_applied" and agreement.effective_on is None:
        raise ValidationError({"judicial_confirmation": _("协议生效后才能申请司法确认。")})
    if (
        agreement.judicial_confirmation_on
        and agreement.effective_on
        and (agreement.judicial_confirmation_on < agreement.effective_on)
    ):
        raise ValidationError({"judicial_confirmation_on": _("司法确认日期不能早于协议生效日期。")})


@transaction.atomic
def agreement_record(*, case: Case, by, data: dict) -> Agreement:
    """An agreement was reached: the case becomes 调解成功."""
    case = lock_case(case)
    check_allowed(by, case, Action.RECORD_AGREEMENT)
    agreement = Agreement(
        case=case, recorded_by=by, **{f: data[f] for f in AGREEMENT_FIELDS if f in data}
    )
    _apply_effect(agreement)
    _validate_agreement(agreement, case)
    validate_instance(agreement, exclude=["case", "recorded_by"])
    agreement.save()
    move_case(case, by, Status.RESOLVED, EventKind.AGREEMENT, note=agreement.get_form_display())
    followups.schedule_after_agreement(case, rebound_risk=agreement.rebound_risk, at=timezone.now())
    return agreement


@transaction.atomic
def agreement_update(*, case: Case, by, data: dict) -> Agreement:
    """Signatures, judicial confirmation and performance, as they happen after the agreement."""
    case = lock_case(case)
    # The workflow refuses a case with no agreement in force (WorkflowError), so the
    # one below is there, and the case's lock keeps it so.
    check_allowed(by, case, Action.RECORD_PERFORMANCE)
    agreement = Agreement.objects.select_for_update().get(case=case, superseded_at__isnull=True)
    changes = {}
    for field in AGREEMENT_UPDATE_FIELDS:
        if field in data and getattr(agreement, field) != data[field]:
            before = _display(agreement, field)
            setattr(agreement, field, data[field])
            label = str(agreement._meta.get_field(field).verbose_name)
            changes[label] = [before, _display(agreement, field)]
    _apply_effect(agreement)
    _validate_agreement(agreement, case)
    validate_instance(agreement, exclude=["case", "recorded_by"])
    agreement.save()
    if changes:
        record_event(case, EventKind.PERFORMANCE, by, changes=changes)
    return agreement


def _display(instance, field_name: str) -> str:
    getter = getattr(instance, f"get_{field_name}_display", None)
    if getter is not None:
        return str(getter())
    value = getattr(instance, field_name)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return history_value(value)
