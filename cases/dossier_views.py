"""The dossier's door on the case page: ``GET /cases/<id>/dossier.pdf``. Scoped like
every case page (404 outside the area); a case with nothing to file yet or a user who
may not print is sent back to the case page with the reason; the PDF is built in a
scratch file and streamed, never kept by a cache."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect

from cases import selectors
from cases.documents.completeness import missing_documents
from cases.documents.dossier import dossier_refusal
from cases.services.dossier import dossier_write


def detail_context(user, case) -> dict:
    """The case page's 卷宗 panel: what the dossier still lacks, and whether it can be
    made now."""
    refusal = dossier_refusal(case)
    return {
        "dossier_refusal": refusal,
        "dossier_missing": [] if refusal else missing_documents(case),
    }


@login_required
def dossier_pdf(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    handle = tempfile.TemporaryFile(suffix=".pdf")
    try:
        dossier_write(case=case, by=request.user, output=handle)
    except ValidationError as error:
        handle.close()
        for message in error.messages:
            messages.error(request, message)
        return redirect("cases:detail", case.pk)
    except PermissionDenied:
        handle.close()
        raise
    handle.seek(0)
    response = FileResponse(
        handle,
        as_attachment=True,
        content_type="application/pdf",
        filename=f"{case.number}-dossier.pdf",
    )
    # Full ID numbers and phones: never kept by a shared cache or the browser's.
    response["Cache-Control"] = "private, no-store"
    return response
