"""Celery tasks: thin wrappers that take ids and call the services."""

from celery import shared_task
from django.conf import settings

from notifications import reminders, services


# acks_late + reject_on_worker_lost: a worker killed mid-task leaves the message to be
# redelivered; the claim in ``deliver`` keeps a redelivery from sending twice. The time
# limit ends a hung send before that claim may be taken again (config/settings/base.py).
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=settings.FENGQIAO_SEND_TASK_SECONDS,
)
def deliver(delivery_id: int) -> str:
    return services.deliver(delivery_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    return services.sweep_deliveries()


# The reminder sweeps keep the names they had in cases.tasks: the beat schedule and any
# message already queued name them so.
@shared_task(name="cases.tasks.sweep_follow_ups", ignore_result=True)
def sweep_follow_ups() -> int:
    return reminders.sweep_due_follow_ups()


@shared_task(name="cases.tasks.sweep_overdue_cases", ignore_result=True)
def sweep_overdue_cases() -> int:
    return reminders.sweep_overdue_cases()


@shared_task(ignore_result=True)
def sweep_judicial_confirmations() -> int:
    return reminders.sweep_judicial_confirmations()


@shared_task(ignore_result=True)
def sweep_petition_clocks() -> int:
    return reminders.sweep_petition_clocks()


@shared_task(ignore_result=True)
def sweep_watch_reviews() -> int:
    return reminders.sweep_watch_reviews()
