"""What each document shows: the case's records gathered for its template. Reads only;
numbering and the reveal log are the print service's (cases.services.documents)."""

import re

from django.utils import timezone

from cases.documents.registry import Per
from cases.models import Case, EventKind, IssuedDocument
from cases.signing import default_sealing_committee, sealing_committees
from mediators.models import Organisation

# What a committee's name ends with, dropped to leave its place name for the number.
_NAME_ENDINGS = re.compile(r"(人民调解委员会|调解委员会|调委会)$")
_PLACE_ENDINGS = re.compile(r"(村|社区|居委会|镇|乡|街道|区|县|市)$")


def committee_for(case: Case) -> Organisation | None:
    """The people's mediation committee whose name heads the case's documents and whose
    numbers they carry: the one that sealed the agreement, else the case's own committee,
    else the nearest committee covering the case's place."""
    agreement = case.agreement
    if agreement is not None and agreement.seal_organisation_id:
        return agreement.seal_organisation
    return default_sealing_committee(case) or sealing_committees(case).first()


def number_code(committee: Organisation) -> str:
    """The committee's word in a document number (枫源村人民调解委员会: 枫源)."""
    if committee.document_code:
        return committee.document_code
    place = _NAME_ENDINGS.sub("", committee.name)
    return _PLACE_ENDINGS.sub("", place) or place


def number_text(committee: Organisation, year: int, sequence: int) -> str:
    return f"〔{year}〕{number_code(committee)}调字第{sequence}号"


def event_day(case: Case, kind: EventKind):
    """The day of the latest ``kind`` event of the case (e.g. when it was not accepted)."""
    event = case.events.filter(kind=kind).order_by("-at", "-id").first()
    return timezone.localdate(event.at) if event else None


def issued_number(case: Case, kind: str, record_id: int) -> str:
    issued = IssuedDocument.objects.filter(case=case, kind=kind, record_id=record_id).first()
    return issued.number if issued else ""


def document_context(*, case: Case, kind, record, number: str, committee) -> dict:
    """The template context of ``kind`` for ``record`` of ``case``."""
    parties = list(case.parties.order_by("pk"))
    context = {
        "case": case,
        "kind": kind,
        "title": kind.title,
        "record": record,
        "number": number,
        "committee": committee,
        "parties": parties,
        "mediators": list(case.mediators.order_by("pk")),
        "today": timezone.localdate(),
    }
    agreement = case.agreement
    if kind.per != Per.CASE:
        # The record under its own name: ``session``, ``agreement``, ``follow_up``...
        context[kind.per] = record
    if kind.per == Per.SESSION:
        context["present"] = list(record.parties_present.order_by("pk"))
        context["session_mediators"] = list(record.mediators.order_by("pk"))
    elif kind.per == Per.INVESTIGATION:
        context["investigators"] = list(record.investigators.order_by("pk"))
    if kind.key in ("follow_up_record", "judicial_application") and agreement is not None:
        context["agreement"] = agreement
    if kind.key == "not_accepted_notice":
        context["decided_on"] = event_day(case, EventKind.NOT_ACCEPTED)
    elif kind.key == "termination_notice":
        context["ended_on"] = event_day(case, EventKind.FAILED)
        refusal = getattr(case, "refusal", None) if case.failure_reason else None
        context["refusal"] = refusal
    elif kind.key == "closing_report":
        context["closed_on"] = (
            timezone.localdate(case.closed_at)
            if case.closed_at
            else case.resolved_on or event_day(case, EventKind.FAILED)
        )
        context["session_count"] = case.sessions.count()
        context["agreement"] = agreement
    return context
