"""The cases app's models, one module per seam; every name is re-exported here so
``from cases.models import Case`` keeps working. Importing the modules here is also
what registers their models under the app label "cases"."""

from .agreements import (
    JUDICIAL_CONFIRMATION_WINDOW,
    Agreement,
    AgreementForm,
    AgreementSignature,
    JudicialConfirmation,
    Performance,
    SignatureMethod,
)
from .attachments import Attachment, AttachmentKind
from .case import (
    AREA_LEVEL_FOR_HANDLING,
    ENDED_STATUSES,
    LEVEL_SEQUENCE,
    OPEN_STATUSES,
    PENDING_STATUSES,
    Case,
    CaseQuerySet,
    FailureReason,
    Grade,
    HandlingLevel,
    ResolutionMeans,
    Status,
    overdue_q,
)
from .follow_ups import FollowUp, FollowUpKind, PerformanceCheck, Satisfaction
from .lookups import CaseSource, DisputeType, Lookup, LookupQuerySet
from .mediation import (
    Escalation,
    EscalationStatus,
    GradeChange,
    MediationSession,
    Method,
    Place,
    SessionResult,
)
from .parties import Party, PartyGender, PartyRole, party_role_choices, party_role_label
from .policies import (
    ClockPolicy,
    FollowUpRule,
    GradePolicy,
    LookBackRule,
    OffsetUnit,
    ResponsibilityRule,
    WorkflowPolicy,
)
from .records import CaseEvent, CaseNumberCounter, EventKind, IdempotencyKey, PersonalDataAccess
from .refusals import Refusal
from .rollup import FLAG_FIELDS, CaseRollup, CaseTally, Dimension, Grain
from .terms import CaseTermExtension, ExtensionKind

__all__ = [
    "FLAG_FIELDS",
    "CaseRollup",
    "CaseTally",
    "Dimension",
    "Grain",
    "SignatureMethod",
    "AREA_LEVEL_FOR_HANDLING",
    "ENDED_STATUSES",
    "JUDICIAL_CONFIRMATION_WINDOW",
    "LEVEL_SEQUENCE",
    "OPEN_STATUSES",
    "PENDING_STATUSES",
    "Agreement",
    "AgreementForm",
    "AgreementSignature",
    "Attachment",
    "AttachmentKind",
    "Case",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseQuerySet",
    "CaseSource",
    "CaseTermExtension",
    "ClockPolicy",
    "DisputeType",
    "Escalation",
    "EscalationStatus",
    "EventKind",
    "ExtensionKind",
    "FailureReason",
    "FollowUp",
    "FollowUpKind",
    "FollowUpRule",
    "Grade",
    "GradeChange",
    "GradePolicy",
    "HandlingLevel",
    "IdempotencyKey",
    "JudicialConfirmation",
    "LookBackRule",
    "Lookup",
    "LookupQuerySet",
    "MediationSession",
    "Method",
    "OffsetUnit",
    "Party",
    "PartyGender",
    "PartyRole",
    "Performance",
    "PerformanceCheck",
    "PersonalDataAccess",
    "Place",
    "ResolutionMeans",
    "Refusal",
    "ResponsibilityRule",
    "Satisfaction",
    "SessionResult",
    "Status",
    "WorkflowPolicy",
    "overdue_q",
    "party_role_choices",
    "party_role_label",
]
