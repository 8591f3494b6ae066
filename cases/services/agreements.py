"""The agreement (arts. 28-30). An oral agreement is in force when reached; a written one
when every party has signed, sealed or fingerprinted it, the mediator has signed and a
people's mediation committee has sealed it. Only then is the case 调解成功 and the
follow-up visits scheduled; until then it is 协议待签. Afterwards the judicial
confirmation and performance are brought up to date."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import followups
from cases.models import (
    Agreement,
    AgreementForm,
    AgreementSignature,
    Case,
    EventKind,
    JudicialConfirmation,
    Performance,
    SignatureMethod,
    Status,
)
from cases.policy import Action
from cases.signing import may_seal, signing_mediators, signing_state
from cases.workflow import (
    check_allowed,
    history_value,
    lock_case,
    move_case,
    record_event,
    validate_instance,
)
from common.validators import validate_not_future_date

AGREEMENT_FIELDS = (
    "form",
    "reached_on",
    "facts",
    "terms",
    "performance_method",
    "performance_due_on",
    "amount",
    "rebound_risk",
)
# What a signing step reads: ``signatures`` is a list of {"party", "how", "signed_on"};
# the mediator's signature and the committee's seal each come with their date.
SIGNING_FIELDS = (
    "signatures",
    "mediator",
    "mediator_signed_on",
    "seal_organisation",
    "sealed_on",
)
AGREEMENT_UPDATE_FIELDS = (
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
    if agreement.performance != Performance.NOT_YET_DUE and agreement.effective_on is None:
        raise ValidationError({"performance": _("协议生效后才能记录履行情况。")})
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


def _check_date(agreement: Agreement, field: str, value: datetime.date | None) -> None:
    """A signing or sealing date: given, not in the future, not before the agreement."""
    if value is None:
        raise ValidationError({field: _("请填写日期。")})
    try:
        validate_not_future_date(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    if value < agreement.reached_on:
        raise ValidationError({field: _("签署日期不能早于达成日期。")})


def _record_signatures(agreement: Agreement, case: Case, by, rows) -> list[str]:
    done = set(agreement.signatures.values_list("party_id", flat=True))
    recorded = []
    for row in rows:
        party = row["party"]
        if party.case_id != case.pk:
            raise ValidationError({"signatures": _("所选当事人不是本案当事人。")})
        if party.pk in done:
            raise ValidationError(
                {"signatures": _("%(name)s 已签署,不能重复记录。") % {"name": party.name}}
            )
        if row.get("how") not in SignatureMethod.values:
            raise ValidationError({"signatures": _("请选择签署方式(签名、盖章或按指印)。")})
        _check_date(agreement, "signatures", row.get("signed_on"))
        signature = AgreementSignature(
            agreement=agreement,
            party=party,
            how=row["how"],
            signed_on=row["signed_on"],
            recorded_by=by,
        )
        validate_instance(signature, exclude=["agreement", "party", "recorded_by"])
        signature.save()
        done.add(party.pk)
        recorded.append(
            _("%(name)s %(how)s(%(on)s)")
            % {"name": party.name, "how": signature.get_how_display(), "on": row["signed_on"]}
        )
    return recorded


def _record_mediator(agreement: Agreement, case: Case, mediator, signed_on) -> list[str]:
    if mediator is None:
        if signed_on is not None:
            raise ValidationError({"mediator": _("请选择签名的调解员。")})
        return []
    if agreement.mediator_signer_id is not None:
        raise ValidationError({"mediator": _("调解员已签名,不能重复记录。")})
    if not signing_mediators(case).filter(pk=mediator.pk).exists():
        raise ValidationError({"mediator": _("请选择参与本案调解的调解员。")})
    _check_date(agreement, "mediator_signed_on", signed_on)
    agreement.mediator_signer = mediator
    agreement.mediator_signed_on = signed_on
    return [_("调解员 %(name)s 签名(%(on)s)") % {"name": mediator.name, "on": signed_on}]


def _record_seal(agreement: Agreement, case: Case, by, organisation, sealed_on) -> list[str]:
    if organisation is None:
        if sealed_on is not None:
            raise ValidationError({"seal_organisation": _("请选择盖章的人民调解委员会。")})
        return []
    if agreement.seal_organisation_id is not None:
        raise ValidationError({"seal_organisation": _("协议已盖章,不能重复记录。")})
    if not may_seal(organisation, case):
        raise ValidationError(
            {
                "seal_organisation": _(
                    "只有本案发生地的人民调解委员会才能在调解协议上盖章;"
                    "调解工作室、专家库、矛调中心和专业调处团队须以调委会名义出具协议。"
                )
            }
        )
    _check_date(agreement, "sealed_on", sealed_on)
    agreement.seal_organisation = organisation
    agreement.sealed_on = sealed_on
    agreement.sealed_by = by
    return [_("%(name)s 盖章(%(on)s)") % {"name": organisation.name, "on": sealed_on}]


def _record_signing(agreement: Agreement, case: Case, by, data: dict) -> list[str]:
    """Write what was signed and sealed; returns it in words for the timeline. When the
    last signature or the seal completes it, the agreement takes effect that day."""
    recorded = [
        *_record_signatures(agreement, case, by, data.get("signatures") or []),
        *_record_mediator(agreement, case, data.get("mediator"), data.get("mediator_signed_on")),
        *_record_seal(agreement, case, by, data.get("seal_organisation"), data.get("sealed_on")),
    ]
    state = signing_state(agreement)
    agreement.parties_signed = not state.unsigned
    agreement.mediator_signed = state.mediator_signed
    agreement.sealed = state.sealed
    if state.complete:
        agreement.signed_on = max(
            agreement.mediator_signed_on,
            agreement.sealed_on,
            *(s.signed_on for s in state.signed),
        )
        agreement.effective_on = agreement.signed_on
    agreement.save()
    return recorded


def _come_into_force(case: Case, by, agreement: Agreement, event: EventKind, note: str) -> None:
    """调解成功 from the moment the agreement is in force, and the follow-up clock with it."""
    move_case(case, by, Status.RESOLVED, event, note=note)
    followups.schedule_after_agreement(
        case,
        rebound_risk=agreement.rebound_risk,
        at=followups.effect_moment(agreement.effective_on),
    )


@transaction.atomic
def agreement_record(*, case: Case, by, data: dict) -> Agreement:
    """An agreement was reached. Oral: in force at once, the case 调解成功. Written: the
    case is 协议待签 until signed by all and sealed (what ``data`` brings of the signing
    is recorded with it, see ``SIGNING_FIELDS``)."""
    case = lock_case(case)
    check_allowed(by, case, Action.RECORD_AGREEMENT)
    agreement = Agreement(
        case=case, recorded_by=by, **{f: data[f] for f in AGREEMENT_FIELDS if f in data}
    )
    if agreement.form == AgreementForm.ORAL:
        # 口头协议登记: with nothing on paper, the register is the record of the terms.
        if not (agreement.terms or "").strip():
            raise ValidationError({"terms": _("口头协议须登记协议内容。")})
        agreement.effective_on = agreement.reached_on
    _validate_agreement(agreement, case)
    validate_instance(agreement, exclude=["case", "recorded_by"])
    agreement.save()
    note = agreement.get_form_display()
    if agreement.form == AgreementForm.WRITTEN:
        _record_signing(agreement, case, by, data)
    if agreement.effective_on is not None:
        _come_into_force(case, by, agreement, EventKind.AGREEMENT, note)
    else:
        move_case(case, by, Status.AGREEMENT_SIGNING, EventKind.AGREEMENT, note=note)
    return agreement


@transaction.atomic
def agreement_sign(*, case: Case, by, data: dict) -> Agreement:
    """Signatures and the seal as they are put on a written agreement (art. 29); the last
    of them brings it into force and the case becomes 调解成功."""
    case = lock_case(case)
    check_allowed(by, case, Action.SIGN_AGREEMENT)
    agreement = Agreement.objects.select_for_update().get(case=case, superseded_at__isnull=True)
    recorded = _record_signing(agreement, case, by, data)
    if not recorded:
        raise ValidationError({"signatures": _("请至少记录一方签署、调解员签名或盖章。")})
    record_event(case, EventKind.AGREEMENT_SIGNED, by, note=";".join(recorded))
    if agreement.effective_on is not None:
        _come_into_force(
            case,
            by,
            agreement,
            EventKind.AGREEMENT_IN_FORCE,
            _("协议自 %(on)s 起生效。") % {"on": agreement.effective_on.isoformat()},
        )
    return agreement


@transaction.atomic
def agreement_update(*, case: Case, by, data: dict) -> Agreement:
    """Judicial confirmation and performance, as they happen after the agreement."""
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
