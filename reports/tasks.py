"""Beat task of the reports app: a thin wrapper around the monthly review sweep."""

from celery import shared_task

from reports import services


@shared_task(ignore_result=True)
def sweep_monthly_reviews() -> int:
    return services.sweep_monthly_reviews()
