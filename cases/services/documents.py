"""Printing the mediation paperwork (issue 15): one service checks that the document
applies to the case's state, that the user may see the parties' full numbers (a legal
document names them in full, so printing is a reveal), issues the committee's document
number once per document, renders the template in Chinese, makes the PDF, and logs the
reveal. The page, the PDF link and the dossier all print through here."""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.documents import context as contexts
from cases.documents.pdf import RendererMissing, html_to_pdf
from cases.documents.registry import DocumentKind, Per, document_url, kind_get
from cases.models import Case, DocumentNumberCounter, EventKind, IssuedDocument
from cases.policy import Action, user_may
from cases.services.personal_data import personal_data_reveal
from cases.workflow import check_allowed, history_value, lock_case, record_event
from common.sequences import next_in_sequence
from common.validators import validate_not_future_date

logger = logging.getLogger(__name__)

# A document shows every party's full ID number and phone: only a role that may reveal
# both may print it (a supervisor reads the case, a grid member only calls).
PRINT_ACTIONS = (Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE)
# Documents are the committee's paper: always Chinese, whatever the reader's interface.
DOCUMENT_LANGUAGE = "zh-hans"


@dataclass
class PreparedDocument:
    kind: DocumentKind
    record: object
    number: str
    html: str
    parties: list


def document_kind(key: str) -> DocumentKind:
    kind = kind_get(key)
    if kind is None:
        raise ValidationError(_("没有这种文书。"), code="document_unknown")
    return kind


def document_check(*, case: Case, kind: DocumentKind, by, record=None) -> object:
    """Refuse unless ``kind`` applies to ``case`` now and ``by`` may print it; returns
    the record the document is about (the case itself for a per-case document)."""
    if not kind.state_allows(case):
        raise ValidationError(kind.unavailable, code="document_not_applicable")
    if kind.per == Per.CASE:
        record = case
    elif record is None or kind.record_get(case, record.pk) is None:
        raise ValidationError(kind.unavailable, code="document_not_applicable")
    for action in PRINT_ACTIONS:
        check_allowed(by, case, action)
    return record


def documents_printable_by(user, case: Case) -> bool:
    """May ``user`` print ``case``'s documents (what the case page offers)?"""
    return all(user_may(user, action, case) for action in PRINT_ACTIONS)


def document_number_issue(*, case: Case, kind: str, record_id: int, by) -> IssuedDocument:
    """The committee's number for one document record, issued on its first print and
    the same on every reprint: per committee and year, gap-free, never reused. Runs in
    its own short transaction so the counter's row lock is not held while a PDF is laid
    out; a number issued to a document stays that document's even if its print fails."""
    # Numbers are issued by printing, so by those who may print.
    for action in PRINT_ACTIONS:
        check_allowed(by, case, action)
    issued = IssuedDocument.objects.filter(case=case, kind=kind, record_id=record_id).first()
    if issued is not None:
        return issued
    committee = contexts.committee_for(case)
    if committee is None:
        raise ValidationError(
            _("本案所在地没有人民调解委员会,无法编制文书编号。请先在后台设置调解组织。"),
            code="document_no_committee",
        )
    year = timezone.localdate().year
    with transaction.atomic():
        # Two prints of the same document queue on the case's row, so one numbers it.
        lock_case(case)
        issued = IssuedDocument.objects.filter(case=case, kind=kind, record_id=record_id).first()
        if issued is not None:
            return issued
        sequence = next_in_sequence(DocumentNumberCounter, committee=committee, year=year)
        return IssuedDocument.objects.create(
            case=case,
            kind=kind,
            record_id=record_id,
            committee=committee,
            year=year,
            sequence=sequence,
            number=contexts.number_text(committee, year, sequence),
            issued_by=by,
        )


def _prepare(
    *, case: Case, kind: str | DocumentKind, by, record=None, for_pdf: bool
) -> PreparedDocument:
    kind = document_kind(kind) if isinstance(kind, str) else kind
    record = document_check(case=case, kind=kind, by=by, record=record)
    record_id = 0 if kind.per == Per.CASE else record.pk
    number = ""
    if kind.numbered:
        number = document_number_issue(case=case, kind=kind.key, record_id=record_id, by=by).number
    agreement = case.agreement
    if kind.key in ("follow_up_record", "judicial_application") and agreement is not None:
        # These name the agreement they follow up by its number.
        agreement_kind = "agreement" if agreement.form == "written" else "oral_agreement"
        agreement_number = document_number_issue(
            case=case, kind=agreement_kind, record_id=agreement.pk, by=by
        ).number
    else:
        agreement_number = ""
    with translation.override(DOCUMENT_LANGUAGE):
        context = contexts.document_context(
            case=case,
            kind=kind,
            record=record,
            number=number,
            committee=contexts.committee_for(case),
        )
        context["agreement_number"] = agreement_number
        context["for_pdf"] = for_pdf
        context["pdf_url"] = document_url(
            case.pk, kind.key, None if kind.per == Per.CASE else record.pk, pdf=True
        )
        html = render_to_string(kind.template, context)
    return PreparedDocument(
        kind=kind, record=record, number=number, html=html, parties=context["parties"]
    )


def _log_reveals(document: PreparedDocument, case: Case, by) -> None:
    label = f"{document.kind.title} {document.number}".strip()
    if document.kind.per != Per.CASE:
        label = f"{label} #{document.record.pk}"
    reveals_log(case=case, parties=document.parties, by=by, label=label)


def reveals_log(*, case: Case, parties, by, label: str) -> None:
    """One reveal per party and number put on one paper (a document, or a dossier)."""
    with transaction.atomic():
        for party in parties:
            party.case = case
            if party.id_number:
                personal_data_reveal(
                    party=party, by=by, action=Action.REVEAL_ID_NUMBER, document=label
                )
            if party.mobile:
                personal_data_reveal(
                    party=party, by=by, action=Action.REVEAL_MOBILE, document=label
                )


def document_html(*, case: Case, kind: str | DocumentKind, by, record=None) -> str:
    """The document as an HTML page for quick printing from the browser (the same
    template as the PDF); logged as a reveal like the PDF."""
    document = _prepare(case=case, kind=kind, by=by, record=record, for_pdf=False)
    _log_reveals(document, case, by)
    return document.html


def document_render(*, case: Case, kind: str | DocumentKind, by, record=None) -> bytes:
    """The document as a PDF (A4, the Chinese font embedded). Refuses with a message,
    never an empty PDF: a document the case's state rules out, a user who may not
    reveal the parties' numbers, a host without the renderer."""
    document = _prepare(case=case, kind=kind, by=by, record=record, for_pdf=True)
    with translation.override(DOCUMENT_LANGUAGE):
        try:
            pdf = html_to_pdf(document.html)
        except RendererMissing as error:
            logger.error("Documents cannot be made into PDF on this host: %s", error)
            raise ValidationError(
                _(
                    "服务器未安装PDF生成组件(WeasyPrint、Pango及中文字体),无法生成PDF,请联系管理员。可先使用网页打印。"
                ),
                code="renderer_missing",
            ) from error
    _log_reveals(document, case, by)
    return pdf


@transaction.atomic
def case_record_rights_notice(*, case: Case, by, told_on) -> Case:
    """The day the parties were told their rights and duties (人民调解法 art. 23), as
    the 权利义务告知书 prints it. Told when the mediation begins, so recorded by the
    handling level while the case is being mediated."""
    case = lock_case(case)
    check_allowed(by, case, Action.RECORD_SESSION)
    if told_on is None:
        raise ValidationError({"told_on": _("请填写告知日期。")})
    try:
        validate_not_future_date(told_on)
    except ValidationError as error:
        raise ValidationError({"told_on": error.messages}) from error
    if case.accepted_on and told_on < case.accepted_on:
        raise ValidationError({"told_on": _("告知日期不能早于受理日期。")})
    previous = case.rights_told_on
    case.rights_told_on = told_on
    case.save(update_fields=["rights_told_on"])
    record_event(
        case,
        EventKind.RIGHTS_TOLD,
        by,
        note=_("告知日期:%(day)s") % {"day": told_on.isoformat()},
        changes={_("权利义务告知日期"): [history_value(previous), history_value(told_on)]},
    )
    return case
