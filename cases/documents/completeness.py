"""Is a case's dossier complete (issue 15)? The required documents of the registry, each
stated once as the condition under which the case lacks what it is printed from, so one
statement serves the case page (one query for one case) and the inspection's list of
closed cases with incomplete dossiers (one query for a month of a committee).

A document the portal prints from the registration itself (the 申请书 or 受理登记表,
the 结案报告表) and the cover, contents and back are never missing: they come with
every dossier. What can be missing is what the office has to record: the day the
parties were told their rights, a session record, the agreement (a scan of the signed
paper agreement attached in its place counts, as the issue allows)."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Agreement,
    Attachment,
    AttachmentKind,
    Case,
    FailureReason,
    MediationSession,
    Status,
)
from cases.signing import COMMITTEE_KINDS
from mediators.models import Organisation

_ACCEPTED = Q(accepted_on__isnull=False)
_HAS_SESSION = Exists(MediationSession.objects.filter(case=OuterRef("pk")))
_HAS_AGREEMENT = Exists(Agreement.objects.filter(case=OuterRef("pk")))
_HAS_AGREEMENT_SCAN = Exists(
    Attachment.objects.filter(
        case=OuterRef("pk"), kind=AttachmentKind.AGREEMENT_SCAN, voided_at__isnull=True
    )
)
# Settled by a mediation agreement: the file must hold it.
_SETTLED_BY_AGREEMENT = Q(
    status__in=[Status.RESOLVED, Status.CLOSED], failure_reason="", resolution_means=""
)
# Mediated at all: not withdrawn, refused or settled by other means before a session.
_MEDIATED = (
    _ACCEPTED
    & ~Q(status__in=[Status.WITHDRAWN, Status.RESOLVED_OTHERWISE, Status.NOT_ACCEPTED])
    & ~Q(failure_reason=FailureReason.PARTY_REFUSED)
    & ~Q(resolution_means__gt="")
)


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    # The registry's kinds that fulfil it (any one of them).
    kinds: tuple[str, ...]
    # The cases that lack it.
    missing: Q


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(
        key="rights_notice",
        label=_("人民调解当事人权利义务告知书(未记录告知日期)"),
        kinds=("rights_notice",),
        missing=_ACCEPTED & Q(rights_told_on__isnull=True),
    ),
    Requirement(
        key="session_record",
        label=_("人民调解记录(没有调解记录)"),
        kinds=("session_record",),
        missing=_MEDIATED & ~_HAS_SESSION,
    ),
    Requirement(
        key="agreement",
        label=_("人民调解协议书或口头协议登记表(没有协议,也没有协议书扫描件)"),
        kinds=("agreement", "oral_agreement"),
        missing=_SETTLED_BY_AGREEMENT & ~_HAS_AGREEMENT & ~_HAS_AGREEMENT_SCAN,
    ),
)
# Required kinds printed from what registration and closing record: never missing.
ALWAYS_PRINTED = ("application", "registration", "closing_report")

ANY_MISSING = reduce(or_, (requirement.missing for requirement in REQUIREMENTS))


def with_missing(queryset: QuerySet) -> QuerySet:
    """``queryset`` with a boolean ``missing_<key>`` per requirement."""
    return queryset.annotate(
        **{
            f"missing_{r.key}": ExpressionWrapper(r.missing, output_field=BooleanField())
            for r in REQUIREMENTS
        }
    )


def missing_of(row) -> list[str]:
    """The labels of what an annotated row (``with_missing``) lacks."""
    return [str(r.label) for r in REQUIREMENTS if getattr(row, f"missing_{r.key}", False)]


def missing_documents(case: Case) -> list[str]:
    """What ``case``'s dossier lacks, as the case page and the 卷宗情况说明 list it."""
    row = with_missing(Case.objects.filter(pk=case.pk)).first()
    return missing_of(row) if row is not None else []


def committee_cases_q(committee: Organisation) -> Q:
    """The cases whose dossiers a committee keeps: those it handled, and those handled by
    nobody or by a studio or team under it, in its area but not under a nearer committee
    (a town committee does not keep its villages' committees' files)."""
    nearer = Organisation.objects.filter(
        kind__in=COMMITTEE_KINDS,
        area__path__startswith=committee.area.path,
        area__depth__gt=committee.area.depth,
    ).values_list("area__path", flat=True)
    unhandled = Q(area__path__startswith=committee.area.path) & ~Q(
        organisation__kind__in=COMMITTEE_KINDS
    )
    for path in set(nearer):
        unhandled &= ~Q(area__path__startswith=path)
    return Q(organisation=committee) | unhandled


def filed_cases(queryset: QuerySet, *, committee: Organisation | None, start, end) -> QuerySet:
    """The crossed-off (销号) cases of ``queryset`` closed from ``start`` to ``end``
    (aware datetimes, end excluded), of ``committee`` when given: what a dossier
    inspection or an annual filing covers."""
    queryset = queryset.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    if committee is not None:
        queryset = queryset.filter(committee_cases_q(committee))
    return queryset


def incomplete(queryset: QuerySet) -> QuerySet:
    return with_missing(queryset.filter(ANY_MISSING))
