"""The ledger import page and its template workbook.

Thin: the form collects the file and the dry-run choice, ``reports.importing`` does the
rest. A refused file (or a dry run) changes nothing, so its report is shown at once; an
import that went through redirects to the same page (so a reload does not post the file
again) and shows what was registered.
"""

import io
from pathlib import PurePath
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import importing
from reports.policy import may_import

SESSION_KEY = "reports.ledger_import.result"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LedgerImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("台账文件"),
        help_text=gettext_lazy("Excel(.xlsx)或 CSV(UTF-8 或 GBK 编码)。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("只检查,不导入"),
        required=False,
        help_text=gettext_lazy("先检查文件中的每一行,确认无误后再正式导入。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError(
                _("只能导入 .xlsx 或 .csv 文件,“%(name)s”不是。") % {"name": upload.name}
            )
        # Checked before the upload is read into memory.
        if upload.size > importing.max_bytes():
            raise forms.ValidationError(importing.too_large_message())
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        return upload


def _require_importer(user) -> None:
    if not may_import(user):
        raise PermissionDenied


@login_required
def ledger_import(request):
    _require_importer(request.user)
    result = None
    imported = request.session.pop(SESSION_KEY, None) if request.method == "GET" else None
    if request.method == "POST":
        form = LedgerImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = importing.import_ledger(
                by=request.user,
                content=upload.read(),
                file_name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
            )
            if result.imported:
                request.session[SESSION_KEY] = {
                    "file_name": result.file_name,
                    "ignored_columns": result.ignored_columns,
                    "cases": [
                        {
                            "pk": c.pk,
                            "number": c.number,
                            "title": c.title,
                            "line": c.line,
                            "repeats": c.repeats,
                        }
                        for c in result.cases
                    ],
                }
                return redirect("reports:ledger_import")
            # Nothing was changed; the choices stay, only the file must be chosen again.
            form = LedgerImportForm(initial={"dry_run": form.cleaned_data["dry_run"]})
    elif request.method == "GET":
        form = LedgerImportForm()
    else:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(
        request,
        "reports/ledger_import.html",
        {
            "form": form,
            "result": result,
            "imported": imported,
            "notes": importing.general_notes(),
            "max_rows": importing.max_rows(),
            "max_mb": f"{importing.max_bytes() / 1024 / 1024:g}",
        },
    )


@login_required
def ledger_import_template(request):
    _require_importer(request.user)
    buffer = io.BytesIO()
    importing.write_template(buffer, request.user)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        "attachment; filename=\"ledger-import-template.xlsx\"; filename*=UTF-8''"
        + quote(importing.TEMPLATE_FILE_NAME)
    )
    return response
