"""Everything that changes a case goes through here: the HTML views, the admin, the
API, the commands and the imports all call these functions, so a rule is written once.

Every service takes the acting user as ``by``, checks that the role may act and that
the case's status allows the step (``cases.workflow``), locks the case row, writes, and
records an event on the case's timeline. Refusals are ``ValidationError`` (shown next
to the form) or ``PermissionDenied``.

One module per stretch of a case's life; the public names are all here, so callers
write ``from cases.services import case_accept``.
"""

from cases.services.agreements import (
    AGREEMENT_FIELDS,
    AGREEMENT_UPDATE_FIELDS,
    SIGNING_FIELDS,
    agreement_record,
    agreement_sign,
    agreement_update,
)
from cases.services.closing import case_close, case_fail, case_void
from cases.services.documents import (
    case_record_rights_notice,
    document_html,
    document_number_issue,
    document_render,
    documents_printable_by,
)
from cases.services.follow_ups import FOLLOW_UP_FIELDS, follow_up_record, follow_up_waive
from cases.services.intake import (
    case_accept,
    case_not_accept,
    case_withdraw,
    mediators_available_for,
    organisations_available_for,
)
from cases.services.investigations import INVESTIGATION_FIELDS, investigation_record
from cases.services.mediation import (
    FAILED_ATTEMPTS_BEFORE_ESCALATION,
    SessionOutcome,
    case_change_grade,
    counts_as_failed_attempt,
    escalation_decide,
    escalation_propose,
    escalation_receivers,
    failed_attempts_rule,
    session_record,
)
from cases.services.on_the_spot import (
    ON_SPOT_PARTY_FIELDS,
    ON_SPOT_SOURCE_CODE,
    case_settle_on_spot,
    mediators_offered_to,
    own_mediator,
)
from cases.services.parties import (
    AGENT_FIELDS,
    PartyImportResult,
    case_parties_import,
    party_agent_add,
    party_cell_value,
)
from cases.services.personal_data import personal_data_reveal
from cases.services.refusal import case_record_refusal
from cases.services.registration import (
    CASE_FIELDS,
    EDITABLE_CASE_FIELDS,
    MAX_PARTIES,
    PARTY_FIELDS,
    IdempotencyKeyReused,
    Registration,
    case_register,
    case_register_check,
    case_register_once,
    case_update,
    clean_party_data,
    numbering_area_for,
)
from cases.services.resolution import RESOLUTION_FIELDS, case_resolve_otherwise
from cases.services.terms import case_extend_term, petition_extend
from cases.services.watch import (
    watch_grading_apply,
    watched_person_flag,
    watched_person_lift,
    watched_person_review,
    watched_person_view,
)
from cases.workflow import ALLOWED_FROM, WorkflowError, available_actions, workflow_refusal

__all__ = [
    "AGENT_FIELDS",
    "MAX_PARTIES",
    "PartyImportResult",
    "case_parties_import",
    "party_agent_add",
    "party_cell_value",
    "clean_party_data",
    "AGREEMENT_FIELDS",
    "AGREEMENT_UPDATE_FIELDS",
    "ALLOWED_FROM",
    "INVESTIGATION_FIELDS",
    "CASE_FIELDS",
    "EDITABLE_CASE_FIELDS",
    "FAILED_ATTEMPTS_BEFORE_ESCALATION",
    "FOLLOW_UP_FIELDS",
    "IdempotencyKeyReused",
    "ON_SPOT_PARTY_FIELDS",
    "ON_SPOT_SOURCE_CODE",
    "PARTY_FIELDS",
    "RESOLUTION_FIELDS",
    "Registration",
    "SessionOutcome",
    "WorkflowError",
    "SIGNING_FIELDS",
    "agreement_record",
    "agreement_sign",
    "agreement_update",
    "available_actions",
    "case_accept",
    "case_change_grade",
    "case_close",
    "case_extend_term",
    "case_fail",
    "case_not_accept",
    "case_record_refusal",
    "case_register",
    "case_register_check",
    "case_register_once",
    "case_settle_on_spot",
    "case_resolve_otherwise",
    "case_update",
    "case_void",
    "case_withdraw",
    "counts_as_failed_attempt",
    "escalation_decide",
    "escalation_propose",
    "escalation_receivers",
    "failed_attempts_rule",
    "follow_up_record",
    "follow_up_waive",
    "mediators_available_for",
    "mediators_offered_to",
    "numbering_area_for",
    "organisations_available_for",
    "own_mediator",
    "personal_data_reveal",
    "case_record_rights_notice",
    "document_html",
    "document_number_issue",
    "document_render",
    "documents_printable_by",
    "petition_extend",
    "investigation_record",
    "session_record",
    "watch_grading_apply",
    "watched_person_flag",
    "watched_person_lift",
    "watched_person_review",
    "watched_person_view",
    "workflow_refusal",
]
