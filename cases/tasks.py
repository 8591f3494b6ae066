"""Beat tasks of the cases app: thin wrappers around the sweeps in cases.followups."""

from celery import shared_task

from cases import followups


@shared_task(ignore_result=True)
def sweep_follow_ups() -> int:
    return followups.sweep_due_follow_ups()


@shared_task(ignore_result=True)
def sweep_overdue_cases() -> int:
    return followups.sweep_overdue_cases()
