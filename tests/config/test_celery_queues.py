"""The Celery set-up (issue 12): separate queues so a long job never delays a reminder,
and time limits ordered so a hung send or export can never run twice."""

from django.conf import settings

from config.celery import app
from notifications.services import STALE_CLAIM
from notifications.tasks import deliver, sweep_follow_ups
from reports.tasks import export_ledger_report, sweep_monthly_reviews


def queue_of(task) -> str:
    route = app.amqp.router.route({}, task.name, args=(), kwargs={})
    return route["queue"].name


def test_reminders_deliveries_and_long_jobs_each_have_their_own_queue():
    assert queue_of(sweep_follow_ups) == "reminders"
    assert queue_of(sweep_monthly_reviews) == "reminders"
    assert queue_of(deliver) == "deliveries"
    assert queue_of(export_ledger_report) == "long"
    assert sorted(settings.CELERY_QUEUES_ALL) == ["deliveries", "long", "reminders"]


def test_every_beat_entry_goes_to_a_queue_a_worker_consumes():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        task = app.tasks[entry["task"]]
        assert queue_of(task) in settings.CELERY_QUEUES_ALL, entry["task"]


def test_a_hung_send_is_cut_off_before_another_worker_may_claim_it():
    send_timeout = settings.EMAIL_TIMEOUT
    task_limit = deliver.time_limit

    assert send_timeout == settings.FENGQIAO_SEND_TIMEOUT_SECONDS
    assert send_timeout < task_limit < STALE_CLAIM.total_seconds()


def test_a_long_export_ends_inside_its_stale_window_and_the_brokers_visibility_timeout():
    soft, hard = export_ledger_report.soft_time_limit, export_ledger_report.time_limit

    assert soft < hard < settings.FENGQIAO_EXPORT_STALE_SECONDS
    assert hard < settings.CELERY_VISIBILITY_TIMEOUT
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
