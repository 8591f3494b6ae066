"""The paperwork's doors: a document as a PDF or as a print page, and the date the
parties were told their rights. Scoped like every case page (404 outside the area); the
service refuses a document the case's state rules out (shown as a message on the case
page) and a user who may not reveal the parties' numbers (403 with the reason)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cases import forms, selectors, services
from cases.documents.registry import Per, documents_for, kind_get
from cases.models import AgreementForm
from cases.policy import Action
from cases.workflow import step_open
from common.forms import show_refusal


def detail_context(user, case, related: dict) -> dict:
    """The case page's 文书 panel: the documents that apply, and whether this user may
    print them or record the day the rights were told. ``related`` is what the page
    already read (``selectors.case_detail_related``); the panel lists the agreement in
    force, an agreement superseded by a reopening is printed from its own address."""
    may_print = services.documents_printable_by(user, case)
    may_record_rights = step_open(user, case, Action.RECORD_SESSION)
    loaded = {
        Per.SESSION: related["sessions"],
        Per.INVESTIGATION: related["investigations"],
        Per.FOLLOW_UP: related["follow_ups"],
        Per.AGREEMENT: [case.agreement] if case.agreement else [],
    }
    return {
        "documents": documents_for(case, loaded) if may_print else [],
        "may_print_documents": may_print,
        "rights_form": (
            forms.RightsNoticeForm(initial={"told_on": case.rights_told_on or case.accepted_on})
            if may_record_rights
            else None
        ),
    }


def _lookup(request, pk: int, kind: str, record: int | None):
    case = selectors.case_get(user=request.user, pk=pk)
    document_kind = kind_get(kind)
    if document_kind is None or (document_kind.per == Per.CASE) != (record is None):
        raise Http404
    found = None
    if record is not None:
        # A record of another case, or of none, is not found here (the scoping holds).
        found = document_kind.record_get(case, record)
        if found is None:
            raise Http404
    return case, document_kind, found


def _refused(request, case, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)
    return redirect("cases:detail", case.pk)


@login_required
def document_pdf(request, pk: int, kind: str, record: int | None = None):
    case, document_kind, found = _lookup(request, pk, kind, record)
    try:
        pdf = services.document_render(case=case, kind=document_kind, by=request.user, record=found)
    except ValidationError as error:
        return _refused(request, case, error)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{case.number}-{document_kind.key}" + (f"-{record}" if record else "")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    # Full ID numbers and phones: never kept by a shared cache or the browser's.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def document_page(request, pk: int, kind: str, record: int | None = None):
    case, document_kind, found = _lookup(request, pk, kind, record)
    try:
        html = services.document_html(case=case, kind=document_kind, by=request.user, record=found)
    except ValidationError as error:
        return _refused(request, case, error)
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def agreement_print(request, pk: int):
    """The old address of the printed agreement: the agreement in force, written or oral."""
    case = selectors.case_get(user=request.user, pk=pk)
    agreement = case.agreement
    if agreement is None:
        raise Http404
    kind = "agreement" if agreement.form == AgreementForm.WRITTEN else "oral_agreement"
    return document_page(request, pk, kind, agreement.pk)


@login_required
@require_POST
def rights_notice_record(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    form = forms.RightsNoticeForm(request.POST)
    if form.is_valid():
        try:
            services.case_record_rights_notice(
                case=case, by=request.user, told_on=form.cleaned_data["told_on"]
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, form.success_message)
            return redirect("cases:detail", case.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect("cases:detail", case.pk)
