"""The agreement (arts. 28-29): recording it resolves the case and schedules the
follow-up visits; afterwards its signatures, judicial confirmation and performance are
brought up to date."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import followups
from cases.models import (
    Agreement,
    AgreementForm,
    Case,
    EventKind,
    JudicialConfirmation,
    Status,
)
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
    "judicial_court",
    "judicial_applied_on",
    "judicial_ruling_number",
    "judicial_confirmation_on",
    "performance",
    "performance_note",
)
# Judicial confirmation (art. 33), as the 司法所 records it: the result and the court's
# application date, ruling number and court.
JUDICIAL_FIELDS = tuple(f for f in AGREEMENT_UPDATE_FIELDS if f.startswith("judicial_"))
# The results a court gives; each is on a ruling (裁定书) that names its court and number.
RULED = (JudicialConfirmation.CONFIRMED, JudicialConfirmation.REJECTED)


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
    # Meaning to apply is not applying: the parties may say so before the agreement is
    # signed, and are reminded once it is in effect.
    not_yet_applied = (JudicialConfirmation.NOT_APPLIED, JudicialConfirmation.INTENDED)
    if agreement.judicial_confirmation not in not_yet_applied and agreement.effective_on is None:
        raise ValidationError({"judicial_confirmation": _("协议生效后才能申请司法确认。")})
    if (
        agreement.judicial_confirmation_on
        and agreement.effective_on
        and (agreement.judicial_confirmation_on < agreement.effective_on)
    ):
        raise ValidationError({"judicial_confirmation_on": _("司法确认日期不能早于协议生效日期。")})
    _validate_application(agreement)


def _validate_application(agreement: Agreement) -> None:
    """Art. 33: the parties apply jointly within 30 days of the agreement taking effect;
    a court does not hear a late application, so the ledger does not record one."""
    applied_on = agreement.judicial_applied_on
    if applied_on is None:
        return
    if agreement.effective_on is None:
        raise ValidationError({"judicial_applied_on": _("协议生效后才能申请司法确认。")})
    if applied_on < agreement.effective_on:
        raise ValidationError({"judicial_applied_on": _("申请日期不能早于协议生效日期。")})
    deadline = agreement.judicial_confirmation_deadline
    if applied_on > deadline:
        raise ValidationError(
            {
                "judicial_applied_on": _(
                    "申请日期已超过司法确认申请期限(%(deadline)s):须在协议生效之日起30日内申请。"
                )
                % {"deadline": deadline.isoformat()}
            }
        )
    if agreement.judicial_confirmation_on and agreement.judicial_confirmation_on < applied_on:
        raise ValidationError({"judicial_confirmation_on": _("司法确认日期不能早于申请日期。")})


def _validate_ruling(agreement: Agreement) -> None:
    """A confirmation or a rejection is a court's ruling: the ledger names the court and
    the ruling's number."""
    if agreement.judicial_confirmation not in RULED:
        return
    missing = {}
    if not agreement.judicial_court.strip():
        missing["judicial_court"] = _("已确认或被驳回时,请填写受理法院。")
    if not agreement.judicial_ruling_number.strip():
        missing["judicial_ruling_number"] = _("已确认或被驳回时,请填写裁定书文号。")
    if missing:
        raise ValidationError(missing)


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
    changed = set()
    for field in AGREEMENT_UPDATE_FIELDS:
        if field in data and getattr(agreement, field) != data[field]:
            changed.add(field)
            before = _display(agreement, field)
            setattr(agreement, field, data[field])
            label = str(agreement._meta.get_field(field).verbose_name)
            changes[label] = [before, _display(agreement, field)]
    _apply_effect(agreement)
    _validate_agreement(agreement, case)
    # Checked when the judicial record changes, so that an agreement confirmed before the
    # court and number were kept can still have its performance brought up to date.
    if changed.intersection(JUDICIAL_FIELDS):
        _validate_ruling(agreement)
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
