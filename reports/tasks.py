"""Tasks of the reports app: thin wrappers around the monthly review sweep and the
background ledger export."""

from celery import shared_task
from django.conf import settings

from reports import archive, services


@shared_task(ignore_result=True)
def sweep_monthly_reviews() -> int:
    return services.sweep_monthly_reviews()


# The soft limit raises inside the export a minute before the hard one, so the report is
# marked failed with a message rather than left "running".
@shared_task(
    ignore_result=True,
    soft_time_limit=settings.FENGQIAO_LONG_TASK_SECONDS - 60,
    time_limit=settings.FENGQIAO_LONG_TASK_SECONDS,
)
def export_ledger_report(report_id: int) -> bool:
    """Make a queued archive report's file; a duplicate delivery finds it claimed and
    does nothing (see ``reports.archive.run_report``)."""
    return archive.run_report(report_id)
