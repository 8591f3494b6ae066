"""The kinds of document a case can print, in the order of a dossier.

Each kind says when it applies (the case's statuses and, where that is not enough, a
condition on what the case records), which records it is issued per (the case itself,
each session, each follow-up, each agreement), whether the dossier requires it, and
whether it carries the committee's document number. Everything that asks "does this
case have document X" (the case page's panel, the print service, the dossier) reads
this table; nothing else decides it."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import (
    AgreementForm,
    Case,
    JudicialConfirmation,
    Status,
)

# After acceptance, whatever the outcome.
_ACCEPTED_ON = (
    Status.ACCEPTED,
    Status.MEDIATING,
    Status.AGREEMENT_SIGNING,
    Status.RESOLVED,
    Status.FAILED,
    Status.RESOLVED_OTHERWISE,
    Status.CLOSED,
    # A case withdrawn after acceptance keeps the papers it already had.
    Status.WITHDRAWN,
)
_ANY_BUT_VOIDED = tuple(s for s in Status if s != Status.VOIDED)


class Per:
    """What one copy of a document is about."""

    CASE = "case"
    SESSION = "session"
    INVESTIGATION = "investigation"
    AGREEMENT = "agreement"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class DocumentKind:
    key: str
    title: str
    template: str
    statuses: tuple[str, ...]
    # Why the document is not available, when the case's state rules it out.
    unavailable: str
    per: str = Per.CASE
    required: bool = False
    numbered: bool = False
    # A further condition on what the case records (the source, the agreement's form...).
    condition: Callable[[Case], bool] | None = None
    # The records a kind of its own is issued per (e.g. each investigation), oldest first,
    # where ``per`` is not one of the kinds of record below.
    records_of: Callable[[Case], Sequence] | None = None

    def state_allows(self, case: Case) -> bool:
        if case.status not in self.statuses:
            return False
        return self.condition is None or self.condition(case)

    def applies(self, case: Case) -> bool:
        return self.state_allows(case) and (self.per == Per.CASE or bool(self.records(case)))

    def records(self, case: Case) -> Sequence:
        """The records of ``case`` this kind is issued per, oldest first."""
        if self.records_of is not None:
            return list(self.records_of(case))
        if self.per == Per.CASE:
            return [case]
        return list(_RECORDS[self.per](case, self))

    def record_get(self, case: Case, record_id: int | None):
        """The record ``record_id`` of ``case``, or None when it is not one of them."""
        if self.per == Per.CASE:
            return case if record_id in (None, 0, case.pk) else None
        return next((r for r in self.records(case) if r.pk == record_id), None)


_RECORDS: dict[str, Callable[[Case, DocumentKind], object]] = {
    Per.SESSION: lambda case, kind: case.sessions.order_by("held_at", "id"),
    Per.INVESTIGATION: lambda case, kind: case.investigations.order_by("held_at", "id"),
    Per.FOLLOW_UP: lambda case, kind: case.follow_ups.filter(done_at__isnull=False).order_by(
        "done_at", "id"
    ),
    # The written agreement's document for written ones, the oral form for oral ones.
    Per.AGREEMENT: lambda case, kind: case.agreements.filter(
        form=AgreementForm.ORAL if kind.key == "oral_agreement" else AgreementForm.WRITTEN
    ).order_by("id"),
}


def _applied(case: Case) -> bool:
    return case.source_id is not None and case.source.has_applicant


def _failed(case: Case) -> bool:
    # A closed case may have ended without agreement; its notice stays printable.
    return bool(case.failure_reason)


def _judicial(case: Case) -> bool:
    agreement = case.agreement
    return agreement is not None and agreement.judicial_confirmation in (
        JudicialConfirmation.INTENDED,
        JudicialConfirmation.APPLIED,
        JudicialConfirmation.CONFIRMED,
        JudicialConfirmation.REJECTED,
    )


KINDS: tuple[DocumentKind, ...] = (
    DocumentKind(
        key="application",
        title=_("人民调解申请书"),
        template="documents/application.html",
        statuses=_ANY_BUT_VOIDED,
        unavailable=_("该案件不是当事人申请调解的,请打印受理登记表。"),
        required=True,
        condition=_applied,
    ),
    DocumentKind(
        key="registration",
        title=_("人民调解受理登记表"),
        template="documents/registration.html",
        statuses=_ANY_BUT_VOIDED,
        unavailable=_("该案件由当事人申请调解,请打印人民调解申请书。"),
        required=True,
        condition=lambda case: not _applied(case),
    ),
    DocumentKind(
        key="rights_notice",
        title=_("人民调解当事人权利义务告知书"),
        template="documents/rights_notice.html",
        statuses=_ACCEPTED_ON,
        unavailable=_("案件受理后才告知当事人权利义务。"),
        required=True,
    ),
    DocumentKind(
        key="not_accepted_notice",
        title=_("不予受理告知书"),
        template="documents/not_accepted_notice.html",
        statuses=(Status.NOT_ACCEPTED,),
        unavailable=_("只有不予受理的案件才有不予受理告知书。"),
    ),
    DocumentKind(
        key="investigation_record",
        title=_("人民调解调查记录"),
        template="documents/investigation_record.html",
        statuses=_ACCEPTED_ON,
        unavailable=_("该案件还没有调查记录。"),
        per=Per.INVESTIGATION,
    ),
    DocumentKind(
        key="session_record",
        title=_("人民调解记录"),
        template="documents/session_record.html",
        statuses=_ACCEPTED_ON,
        unavailable=_("该案件还没有调解记录。"),
        per=Per.SESSION,
        required=True,
    ),
    DocumentKind(
        key="agreement",
        title=_("人民调解协议书"),
        template="documents/agreement.html",
        statuses=(*_ACCEPTED_ON,),
        unavailable=_("该案件没有书面调解协议。"),
        per=Per.AGREEMENT,
        required=True,
        numbered=True,
    ),
    DocumentKind(
        key="oral_agreement",
        title=_("人民调解口头协议登记表"),
        template="documents/oral_agreement.html",
        statuses=(*_ACCEPTED_ON,),
        unavailable=_("该案件没有口头调解协议。"),
        per=Per.AGREEMENT,
        required=True,
        numbered=True,
    ),
    DocumentKind(
        key="termination_notice",
        title=_("调解终止告知书"),
        template="documents/termination_notice.html",
        statuses=(Status.FAILED, Status.CLOSED),
        unavailable=_("只有调解不成、终止调解的案件才有调解终止告知书。"),
        numbered=True,
        condition=_failed,
    ),
    DocumentKind(
        key="judicial_application",
        title=_("司法确认申请书"),
        template="documents/judicial_application.html",
        statuses=(Status.RESOLVED, Status.CLOSED),
        unavailable=_("调解协议生效且当事人申请或拟申请司法确认后,才有司法确认申请书。"),
        condition=_judicial,
    ),
    DocumentKind(
        key="follow_up_record",
        title=_("人民调解回访记录"),
        template="documents/follow_up_record.html",
        statuses=(Status.RESOLVED, Status.CLOSED, Status.MEDIATING),
        unavailable=_("该案件还没有已完成的回访。"),
        per=Per.FOLLOW_UP,
    ),
    DocumentKind(
        key="closing_report",
        title=_("结案报告表"),
        template="documents/closing_report.html",
        statuses=(Status.CLOSED, Status.FAILED, Status.RESOLVED_OTHERWISE),
        unavailable=_("案件调解结束后才能填写结案报告表。"),
        required=True,
        # A case that never got as far as acceptance has nothing to report on.
        condition=lambda case: case.accepted_on is not None,
    ),
)

_BY_KEY = {kind.key: kind for kind in KINDS}


def kind_get(key: str) -> DocumentKind | None:
    return _BY_KEY.get(key)


@dataclass(frozen=True)
class DocumentEntry:
    """One printable document of a case, as the case page lists it."""

    kind: DocumentKind
    record: object
    label: str
    case_pk: int

    @property
    def record_id(self) -> int | None:
        return None if self.kind.per == Per.CASE else self.record.pk

    @property
    def pdf_url(self) -> str:
        return document_url(self.case_pk, self.kind.key, self.record_id, pdf=True)

    @property
    def page_url(self) -> str:
        return document_url(self.case_pk, self.kind.key, self.record_id, pdf=False)


def document_url(case_pk: int, kind: str, record_id: int | None, *, pdf: bool) -> str:
    """Where a document is printed: ``/cases/<id>/documents/<kind>[/<record>].pdf``, or the
    print page without ``.pdf``."""
    name = "cases:document_" + ("pdf" if pdf else "page")
    args = [case_pk, kind]
    if record_id is not None:
        name += "_record"
        args.append(record_id)
    return reverse(name, args=args)


def documents_for(case: Case, loaded: dict | None = None) -> list[DocumentEntry]:
    """Every document ``case`` can print now, in dossier order, one entry per record.

    ``loaded``: records the caller has already read, by ``Per`` (the case page's sessions
    and visits, the agreement in force), used instead of asking again."""
    entries = []
    for kind in KINDS:
        if not kind.state_allows(case):
            continue
        if loaded is not None and kind.records_of is None and kind.per in loaded:
            records = [r for r in loaded[kind.per] if _loaded_fits(kind, r)]
        else:
            records = kind.records(case)
        for index, record in enumerate(records, start=1):
            label = str(kind.title)
            if kind.per != Per.CASE and len(records) > 1:
                label = f"{label}({index})"
            entries.append(DocumentEntry(kind=kind, record=record, label=label, case_pk=case.pk))
    return entries


def _loaded_fits(kind: DocumentKind, record) -> bool:
    if kind.per == Per.FOLLOW_UP:
        return record.done_at is not None
    if kind.per == Per.AGREEMENT:
        oral = kind.key == "oral_agreement"
        return (record.form == AgreementForm.ORAL) == oral
    return True
