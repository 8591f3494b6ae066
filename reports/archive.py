"""The archive of generated reports: asking for a ledger export in the background, running
it (the Celery task calls ``run_report``), and finding a report a user may download.

A report is visible to everyone whose reach covers its area (the area's subtree rule of
the whole portal); outside it, it answers 404 whether it exists or not. Files live in the
private storage (``common.private_files``); the row keeps their name there.

Running is safe against the broker: the task claims the row with a conditional update
(queued → running), so a duplicate delivery does nothing; the file is built in a scratch
file and stored whole before the row names it, so a half-written file is never offered;
any exception marks the report failed with a message the user can read.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from common import private_files
from grids.models import Area
from grids.selectors import areas_within_reach
from reports import exporters
from reports import filing as filings
from reports.ledger import count_rows
from reports.models import GeneratedReport, ReportFormat, ReportStatus
from reports.periods import Period
from reports.policy import may_export

logger = logging.getLogger(__name__)

EXPORTS_FOLDER = "exports"


def reports_visible_to(user: User) -> QuerySet:
    if not may_export(user):
        return GeneratedReport.objects.none()
    return GeneratedReport.objects.filter(area__in=areas_within_reach(user).values("pk"))


def report_get(*, user: User, pk) -> GeneratedReport:
    """A report within the user's reach, or 404 (the same answer whether it exists or not)."""
    report = reports_visible_to(user).select_related("area", "requested_by").filter(pk=pk).first()
    if report is None:
        raise Http404(_("找不到该报表,或不在您的管辖范围内。"))
    return report


def open_report_file(report: GeneratedReport):
    """The finished file of a report opened for reading, or None (not done, or the file
    is gone). The name is checked to stay inside the private storage, whatever the row
    says."""
    if report.status != ReportStatus.DONE or not report.file_path:
        return None
    return private_files.open_private(report.file_path)


def request_export(*, by: User, area: Area, period: Period, fmt: str) -> GeneratedReport:
    """Queue a background export; the task is sent only once the row is committed."""
    # reports.tasks imports this module to run the export: importing it back at the top
    # would be a cycle.
    from reports.tasks import export_ledger_report

    if fmt not in exporters.FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    report = GeneratedReport.objects.create(
        requested_by=by,
        area=area,
        period_start=period.start,
        period_end=period.end,
        format=fmt,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        file_name=exporters.download_name(area, period, fmt),
    )
    # robust: a broker that is down must not undo the request; the row stays queued and
    # a redelivery or a retry of the task picks it up.
    transaction.on_commit(lambda: export_ledger_report.delay(report.pk), robust=True)
    return report


def _claim(report_id: int) -> bool:
    """queued → running, once. A report left running by a killed worker for longer than
    FENGQIAO_EXPORT_STALE_SECONDS may be claimed again."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.FENGQIAO_EXPORT_STALE_SECONDS)
    claimable = Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RUNNING, started_at__lt=stale)
    claimed = GeneratedReport.objects.filter(claimable, pk=report_id).update(
        status=ReportStatus.RUNNING, started_at=now, rows_done=0, error=""
    )
    return claimed == 1


def run_report(report_id: int) -> bool:
    """Make the file of a queued report. Returns False when there was nothing to do
    (already claimed by another delivery, already done, or unknown)."""
    if not _claim(report_id):
        return False
    report = GeneratedReport.objects.select_related("area").get(pk=report_id)
    filing = report.format == ReportFormat.ZIP
    name = (
        f"{EXPORTS_FOLDER}/{report.created_at:%Y}/{report.created_at:%m}/"
        f"{'filing' if filing else 'ledger'}-{report.pk}-{secrets.token_hex(8)}.{report.format}"
    )
    running = GeneratedReport.objects.filter(pk=report.pk, status=ReportStatus.RUNNING)

    def progress(rows_done: int) -> None:
        running.update(rows_done=rows_done)

    stored = None
    with translation.override(report.language or settings.LANGUAGE_CODE):
        try:
            if filing:
                # The annual dossier filing: its rows are cases.
                running.update(rows_total=filings.count(report))
            else:
                running.update(rows_total=count_rows(report.area, report.period))
            with private_files.spooled_file() as scratch:
                if filing:
                    rows = filings.write(scratch, report, progress=progress)
                else:
                    rows = exporters.write(
                        report.format, scratch, report.area, report.period, progress=progress
                    )
                stored, size, _sha256 = private_files.save_private(name, scratch)
        except Exception:
            logger.exception("Ledger export %s failed", report.pk)
            if stored is not None:
                private_files.delete_private(stored)
            GeneratedReport.objects.filter(pk=report.pk).update(
                status=ReportStatus.FAILED,
                finished_at=timezone.now(),
                error=_("生成报表时出错,请稍后重新生成;如仍失败,请联系管理员。"),
            )
            return True
    GeneratedReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.DONE,
        rows_done=rows,
        rows_total=rows,
        file_path=stored,
        size=size,
        finished_at=timezone.now(),
    )
    return True
