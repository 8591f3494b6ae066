"""Tasks of the reports app: thin wrappers around the monthly review sweep and the
background ledger export."""

from celery import shared_task

from reports import archive, services


@shared_task(ignore_result=True)
def sweep_monthly_reviews() -> int:
    return services.sweep_monthly_reviews()


@shared_task(ignore_result=True)
def export_ledger_report(report_id: int) -> bool:
    """Make a queued archive report's file; a duplicate delivery finds it claimed and
    does nothing (see ``reports.archive.run_report``)."""
    return archive.run_report(report_id)
