"""Pages of the ledger export: the export form, the archive of generated reports, one
report's progress page with its JSON, and the download.

Who may export: supervisors, clerks and village secretaries, for the areas in their reach;
everyone else gets 403. A report or an area outside the user's reach answers 404 (the
same whether it exists or not). A small export comes at once; a large one becomes an
archive report made by a Celery task. Every file goes out with ``Cache-Control:
no-store``: a ledger holds personal data and must not stay in a shared cache.
"""

import tempfile

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponseNotAllowed,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.pagination import CappedPaginator
from grids.models import Area
from grids.selectors import areas_within_reach
from reports import archive, exporters
from reports.forms import ReportScopeForm
from reports.ledger import count_rows
from reports.models import ReportFormat, ReportStatus
from reports.policy import may_export


class LedgerExportForm(ReportScopeForm):
    format = forms.ChoiceField(
        label=gettext_lazy("文件格式"),
        choices=[
            (value, label) for value, label in ReportFormat.choices if value in exporters.FORMATS
        ],
        initial=ReportFormat.XLSX,
        widget=forms.RadioSelect,
    )


def _require_exporter(user) -> None:
    if not may_export(user):
        raise PermissionDenied


def _private(response):
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_response(handle, name: str, fmt: str) -> FileResponse:
    response = FileResponse(
        handle, as_attachment=True, filename=name, content_type=exporters.CONTENT_TYPES[fmt]
    )
    return _private(response)


def _download_now(area: Area, period, fmt: str):
    name = exporters.download_name(area, period, fmt)
    if fmt == exporters.CSV:
        response = StreamingHttpResponse(
            exporters.iter_csv(area, period), content_type=exporters.CONTENT_TYPES[fmt]
        )
        # filename* (RFC 5987) carries the Chinese name; filename= an ASCII fallback.
        response["Content-Disposition"] = content_disposition_header(True, name)
        return _private(response)
    # XlsxWriter needs a seekable file; an anonymous temporary file vanishes on close.
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        exporters.write_xlsx(handle, area, period)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return _file_response(handle, name, fmt)


def _area_out_of_reach(user, code: str) -> bool:
    """An area that exists but is not the user's to see: answered with 404, as a case is."""
    if not code or "\x00" in code:
        # The form has refused it already; PostgreSQL cannot even look a NUL up.
        return False
    return (
        Area.objects.filter(code=code).exists()
        and not areas_within_reach(user).filter(code=code).exists()
    )


@login_required
def ledger_export(request):
    """The export form. GET shows it (pre-filled from the query string, so a link from
    the dashboard can choose area and month); ``download=1`` or POST exports."""
    _require_exporter(request.user)
    areas = areas_within_reach(request.user)
    if request.method == "POST":
        data = request.POST
    elif request.method == "GET":
        data = request.GET
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    wants_file = request.method == "POST" or data.get("download") == "1"

    if not wants_file:
        initial = {"format": ReportFormat.XLSX}
        if request.user.area_id and not request.user.is_superuser:
            initial["area"] = request.user.area.code
        initial.update(
            {key: value for key, value in data.items() if key in LedgerExportForm.base_fields}
        )
        form = LedgerExportForm(initial=initial, areas=areas)
        return _render_form(request, form)

    form = LedgerExportForm(data, areas=areas)
    if not form.is_valid():
        status = 404 if _area_out_of_reach(request.user, data.get("area", "")) else 200
        if status == 404:
            form.errors["area"] = form.error_class([_("找不到该区域,或不在您的管辖范围内。")])
        return _render_form(request, form, status=status)

    area, period, fmt = (
        form.cleaned_data["area"],
        form.cleaned_data["period"],
        form.cleaned_data["format"],
    )
    rows = count_rows(area, period)
    if rows <= settings.FENGQIAO_EXPORT_SYNC_MAX_ROWS:
        return _download_now(area, period, fmt)
    if request.method != "POST":
        # A large export makes an archive report: only on an explicit (POSTed) submit,
        # never from following a link.
        return _render_form(request, form, confirm_rows=rows)
    report = archive.request_export(by=request.user, area=area, period=period, fmt=fmt)
    return redirect("reports:export_detail", pk=report.pk)


def _render_form(request, form, *, status=200, confirm_rows=None):
    return render(
        request,
        "reports/ledger_export.html",
        {
            "form": form,
            "confirm_rows": confirm_rows,
            "sync_max_rows": settings.FENGQIAO_EXPORT_SYNC_MAX_ROWS,
        },
        status=status,
    )


@login_required
def export_list(request):
    _require_exporter(request.user)
    reports = archive.reports_visible_to(request.user).select_related("area", "requested_by")
    page = CappedPaginator(reports, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reports/export_list.html", {"page": page, "query": ""})


@login_required
def export_detail(request, pk):
    _require_exporter(request.user)
    report = archive.report_get(user=request.user, pk=pk)
    return render(
        request,
        "reports/export_detail.html",
        {"report": report, "progress_url": reverse("reports:export_progress", args=[pk])},
    )


def progress_payload(report) -> dict:
    done = report.status == ReportStatus.DONE
    return {
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "rows_done": report.rows_done,
        "rows_total": report.rows_total,
        "percent": report.percent,
        "finished": report.is_finished,
        "size": report.size,
        "error": report.error,
        "download_url": reverse("reports:export_download", args=[report.pk]) if done else None,
    }


@login_required
def export_progress(request, pk):
    _require_exporter(request.user)
    report = archive.report_get(user=request.user, pk=pk)
    return _private(JsonResponse(progress_payload(report)))


@login_required
def export_download(request, pk):
    _require_exporter(request.user)
    report = archive.report_get(user=request.user, pk=pk)
    stored = archive.open_report_file(report)
    if stored is None:
        raise Http404(_("该报表尚未生成完成,或文件已不存在。"))
    return _file_response(stored, report.file_name, report.format)
