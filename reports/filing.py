"""The annual filing (归档, issue 15): every crossed-off case of a committee for a year
as one ZIP, a dossier PDF per case plus an index workbook, made in the background and
kept in the private archive like a large ledger export (``reports.archive``: the same
row, claim, progress, storage, download and 404 rules; ``run_report`` calls ``write``).

Memory stays flat as the year grows: the cases are read in chunks, each dossier is
built in its own scratch file and copied into the ZIP before the next one starts, and
the index is written row by row (XlsxWriter's constant memory mode). A case whose
dossier is refused (e.g. the requester may no longer print it) is listed in the index
with the reason and the rest of the year goes on."""

import datetime
import gc
import tempfile
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from cases.documents.completeness import filed_cases
from cases.models import Case
from cases.policy import Action, role_allows
from cases.services.dossier import dossier_write
from grids.selectors import areas_within_reach
from mediators.models import Organisation
from reports.models import GeneratedReport, ReportFormat
from reports.periods import local_midnight
from reports.policy import may_export


def may_file(user: User) -> bool:
    """Who may ask for a filing: an exporter whose role may print the documents (a
    dossier carries the parties' full ID numbers and phones)."""
    return may_export(user) and all(
        role_allows(user, action) for action in (Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE)
    )


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def filing_cases(report: GeneratedReport) -> QuerySet:
    start = local_midnight(report.period_start)
    end = local_midnight(report.period_end + datetime.timedelta(days=1))
    return filed_cases(
        Case.objects.all(), committee=report.committee, start=start, end=end
    ).order_by("closed_at", "pk")


def download_name(committee: Organisation, year: int) -> str:
    name = committee.name.replace("/", "-").replace("\\", "-")
    return f"卷宗归档_{name}_{year}.zip"


def request_filing(*, by: User, committee: Organisation, year: int) -> GeneratedReport:
    """Queue the filing of ``committee``'s ``year``; the task is sent once committed. A
    committee outside the user's reach is refused as not found by the door."""
    from reports.tasks import export_ledger_report

    if not may_file(by):
        raise PermissionDenied(_("您的角色不能打印卷宗,不能归档。"))
    if not areas_within_reach(by).filter(pk=committee.area_id).exists():
        raise PermissionDenied(_("该调解委员会不在您的管辖范围内。"))
    start, end = year_bounds(year)
    report = GeneratedReport.objects.create(
        requested_by=by,
        area=committee.area,
        committee=committee,
        period_start=start,
        period_end=end,
        format=ReportFormat.ZIP,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        file_name=download_name(committee, year),
    )
    transaction.on_commit(lambda: export_ledger_report.delay(report.pk), robust=True)
    return report


INDEX_HEADERS = (
    "序号",
    "案件编号",
    "案件名称",
    "村(社区)",
    "受理日期",
    "销号日期",
    "卷宗文件",
    "页数",
    "缺少的必备文书",
    "无法读取的附件",
)


def count(report: GeneratedReport) -> int:
    return filing_cases(report).count()


def write(target, report: GeneratedReport, *, progress) -> int:
    """Write the filing's ZIP to ``target``; returns the number of cases filed."""
    import xlsxwriter

    by = report.requested_by
    cases = filing_cases(report).select_related("area")
    done = 0
    with (
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        tempfile.NamedTemporaryFile(suffix=".xlsx") as index_file,
    ):
        workbook = xlsxwriter.Workbook(index_file.name, {"constant_memory": True})
        sheet = workbook.add_worksheet("卷宗目录")
        sheet.write_row(0, 0, INDEX_HEADERS)
        for case in cases.iterator(chunk_size=100):
            done += 1
            name = f"{case.number}.pdf"
            pages, missing, unreadable = "", "", ""
            with tempfile.TemporaryFile(suffix=".pdf") as scratch:
                try:
                    result = dossier_write(case=case, by=by, output=scratch)
                except (ValidationError, PermissionDenied) as error:
                    messages = getattr(error, "messages", None) or [str(error)]
                    name = _("未生成:%(reason)s") % {"reason": " ".join(messages)}
                else:
                    scratch.seek(0)
                    # PDFs barely compress: stored as they are, the CPU is saved.
                    with archive.open(
                        zipfile.ZipInfo(name, date_time=_zip_time()), "w", force_zip64=True
                    ) as entry:
                        while chunk := scratch.read(1024 * 1024):
                            entry.write(chunk)
                    pages = result.pages
                    missing = "、".join(result.missing)
                    unreadable = "、".join(r["title"] for r in result.parts if r["unreadable"])
            sheet.write_row(
                done,
                0,
                (
                    done,
                    case.number,
                    case.title,
                    case.area.name,
                    case.accepted_on.isoformat() if case.accepted_on else "",
                    timezone.localdate(case.closed_at).isoformat(),
                    name,
                    pages,
                    missing,
                    unreadable,
                ),
            )
            progress(done)
            # WeasyPrint's layouts are reference cycles that the collector's rare full
            # passes let pile up to hundreds of MB over a year's cases; collecting after
            # each dossier keeps the filing's memory that of one dossier.
            gc.collect()
        workbook.close()
        archive.write(index_file.name, arcname="卷宗目录.xlsx")
    return done


def _zip_time() -> tuple:
    now = timezone.localtime()
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)
