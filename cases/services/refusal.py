"""A party refuses mediation (人民调解法 art. 17: 当事人一方明确拒绝调解的,不得调解).

The one way a refusal is recorded: the case page's step, the fail step with the reason
"当事人拒绝调解", the admin and the API all come here, so no refusal is on file without
the party who refused and the day."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, EventKind, FailureReason, Party, Refusal, Status
from cases.policy import Action
from cases.workflow import check_allowed, clean_note, lock_case, move_case, validate_instance

# Art. 26, asked of every ending without agreement (the fail step says it too).
ROUTES_NOT_EXPLAINED = gettext_lazy(
    "调解不成时,应告知当事人可依法通过仲裁、行政、司法等途径维护权利。"
)


@transaction.atomic
def case_record_refusal(
    *,
    case: Case,
    by,
    party: Party | None,
    refused_on: datetime.date | None,
    note: str = "",
    routes_explained: bool,
) -> Refusal:
    """Record that ``party`` refused mediation on ``refused_on``; the case ends as not
    mediated (调解不成, 当事人拒绝调解), before or after it was accepted."""
    case = lock_case(case)
    check_allowed(by, case, Action.RECORD_REFUSAL)
    errors = {}
    if party is None:
        errors["party"] = _("请选择明确拒绝调解的当事人。")
    elif party.case_id != case.pk:
        errors["party"] = _("拒绝调解的当事人必须是本案当事人。")
    if refused_on is None:
        errors["refused_on"] = _("请填写当事人拒绝调解的日期。")
    elif refused_on < case.received_on:
        errors["refused_on"] = _("拒绝日期不能早于登记日期。")
    if not routes_explained:
        errors["routes_explained"] = ROUTES_NOT_EXPLAINED
    try:
        note = clean_note(note)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        # Everything wrong at once, so the form is put right in one go.
        raise ValidationError(errors)
    refusal = Refusal(case=case, party=party, refused_on=refused_on, note=note, recorded_by=by)
    validate_instance(refusal, exclude=["case", "party", "recorded_by"])
    refusal.save()
    if not party.refused_mediation:
        party.refused_mediation = True
        party.save(update_fields=["refused_mediation", "updated_at"])
    case.failure_reason = FailureReason.PARTY_REFUSED
    case.routes_explained = True
    case.outcome_reason = refusal.note
    move_case(
        case,
        by,
        Status.FAILED,
        EventKind.FAILED,
        note=_("%(party)s于%(day)s明确拒绝调解,不予调解(人民调解法第十七条)")
        % {"party": party.name, "day": refused_on.isoformat()},
        lapses=_("当事人拒绝调解,上报撤销。"),
    )
    return refusal
