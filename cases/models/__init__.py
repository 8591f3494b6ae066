"""The cases app's models, one module per seam; every name is re-exported here so
``from cases.models import Case`` keeps working. Importing the modules here is also
what registers their models under the app label "cases"."""

from .agreements import (
    JUDICIAL_CONFIRMATION_WINDOW,
    Agreement,
    AgreementForm,
    JudicialConfirmation,
    Performance,
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
from .parties import Party, PartyGender, PartyRole
from .policies import (
    ClockPolicy,
    FollowUpRule,
    GradePolicy,
    OffsetUnit,
    ResponsibilityRule,
    WorkflowPolicy,
)
from .records import CaseEvent, CaseNumberCounter, EventKind, IdempotencyKey, PersonalDataAccess
from .terms import CaseTermExtension, ExtensionKind

__all__ = [
    "AREA_LEVEL_FOR_HANDLING",
    "ENDED_STATUSES",
    "JUDICIAL_CONFIRMATION_WINDOW",
    "LEVEL_SEQUENCE",
    "OPEN_STATUSES",
    "PENDING_STATUSES",
    "Agreement",
    "AgreementForm",
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
    "ResponsibilityRule",
    "Satisfaction",
    "SessionResult",
    "Status",
    "WorkflowPolicy",
    "overdue_q",
]
