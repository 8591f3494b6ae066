"""End to end, as in production: a due follow-up, the beat sweep, a real Redis broker and
a real Celery worker process that sends the reminder by SMS."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from notifications.models import Delivery, DeliveryStatus, Notification
from notifications.reminders import sweep_due_follow_ups
from tests.factories import UserFactory, register_case
from tests.followups.helpers import (
    SLOW_BACKEND,
    broker_redis,
    due_follow_ups,
    queued_tasks,
    sent_lines,
    wait_for,
    worker,
)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the worker process must see the test's committed rows",
    ),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real Redis broker: set REDIS_URL"),
    # Transactional: the sweep commits, its on_commit hook queues the delivery to Redis.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_real_worker_takes_the_reminder_from_redis_and_sends_it_once(world, tmp_path):
    broker = broker_redis()
    broker.flushdb()
    user = UserFactory(
        username="grid_e2e", role=Role.GRID_MEMBER, area=world.grid_a, mobile="13800000099"
    )
    template = register_case(world.secretary_a, world.grid_a)
    (visit,) = due_follow_ups(
        template, user, 1, lambda n: timezone.now() - datetime.timedelta(minutes=1)
    )
    sent, log = tmp_path / "sms-sent.log", tmp_path / "worker.log"

    assert sweep_due_follow_ups() == 1
    delivery = Delivery.objects.get()
    assert queued_tasks(broker) == [("notifications.tasks.deliver", (delivery.pk,))]

    try:
        with worker(
            log,
            FENGQIAO_SMS_BACKEND=SLOW_BACKEND,
            FENGQIAO_TEST_SMS_LOG=str(sent),
            FENGQIAO_TEST_SMS_DELAY="0.2",
        ) as process:
            wait_for(
                lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT,
                30,
                "the worker to send the reminder",
                log,
            )
            assert process.poll() is None  # still running: stopped cleanly below
        assert process.returncode is not None  # and gone before the test ends
    finally:
        broker.flushdb()

    notification = Notification.objects.get()
    assert (notification.recipient, notification.dedupe_key) == (user, f"follow-up:{visit.pk}")
    assert list(Delivery.objects.values_list("channel", "status", "attempts", "address")) == [
        ("sms", DeliveryStatus.SENT, 1, "13800000099")
    ]
    lines = sent_lines(sent)
    assert len(lines) == 1
    _pid, number, text = lines[0].split("\t")
    assert number == "13800000099"
    assert visit.case.number in text
