"""The reliability drills of issue 4, automated: a long beat downtime, a Redis flush, a
worker killed with ``kill -9`` mid-delivery, and a failing SMS provider.

What is due lives in the database; the broker only carries "deliver delivery 42 now".
So each drill checks the same thing from a different side: nothing lost, nothing doubled.
"""

import datetime
import os
import signal

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from cases.models import FollowUp
from notifications import services as delivery
from notifications.models import Delivery, DeliveryStatus, Notification
from notifications.reminders import sweep_due_follow_ups
from notifications.services import MAX_ATTEMPTS, STALE_CLAIM, sweep_deliveries
from notifications.tasks import deliver
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

MINUTE = datetime.timedelta(minutes=1)
DELIVER = "notifications.tasks.deliver"

needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs a real Redis broker: set REDIS_URL"
)
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: a worker process and the test share the database, which "
    "SQLite's test database (in memory) cannot",
)
# Transactional: the sweep's transaction really commits, so its on_commit hook queues the
# delivery to the broker, and a worker process sees the rows.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def recording_sms(settings, monkeypatch, tmp_path):
    """SMS through the recording backend (no delay) into a file; returns the file."""
    log = tmp_path / "sms-sent.log"
    settings.FENGQIAO_SMS_BACKEND = SLOW_BACKEND
    monkeypatch.setenv("FENGQIAO_TEST_SMS_LOG", str(log))
    monkeypatch.setenv("FENGQIAO_TEST_SMS_DELAY", "0")
    monkeypatch.setenv("FENGQIAO_TEST_SMS_FAIL", "")
    return log


@pytest.fixture
def broker():
    """The real Redis broker's database, empty before and after the test."""
    client = broker_redis()
    client.flushdb()
    yield client
    client.flushdb()


def staff(world, username: str, mobile: str = "", email: str = ""):
    return UserFactory(
        username=username, role=Role.GRID_MEMBER, area=world.grid_a, mobile=mobile, email=email
    )


def visits_due(world, responsible, count: int, remind_at) -> list[FollowUp]:
    return due_follow_ups(
        register_case(world.secretary_a, world.grid_a), responsible, count, remind_at
    )


# ---------------------------------------------------------------------------
# (a) Three days of beat downtime
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_three_days_of_beat_downtime_one_sweep_reminds_all_230_due_visits_once(world):
    restart = timezone.now()
    down_since = restart - datetime.timedelta(days=3)
    step = datetime.timedelta(days=3) / 230
    overdue = visits_due(world, world.grid_member_a, 230, lambda n: down_since + n * step)
    not_yet = visits_due(world, world.grid_member_a, 8, lambda n: restart + (n + 1) * MINUTE)

    assert sweep_due_follow_ups(now=restart, batch=50) == 230  # five batches, one call

    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"follow-up:{v.pk}" for v in overdue}
    assert Notification.objects.count() == 230
    assert not FollowUp.objects.filter(pk__in=[v.pk for v in overdue], reminded_at=None).exists()
    assert set(
        FollowUp.objects.filter(pk__in=[v.pk for v in not_yet]).values_list(
            "reminded_at", flat=True
        )
    ) == {None}
    # Beat's next tick finds nothing more; the rest come due in their own time.
    assert sweep_due_follow_ups(now=restart, batch=50) == 0
    assert sweep_due_follow_ups(now=restart + 10 * MINUTE, batch=50) == 8
    assert Notification.objects.count() == 238


# ---------------------------------------------------------------------------
# (b) Redis FLUSHALL
# ---------------------------------------------------------------------------


@needs_redis
@committed
def test_a_redis_flush_loses_no_reminder_the_delivery_sweep_queues_them_again_and_each_goes_once(
    world, broker, recording_sms, mailoutbox
):
    user = staff(world, "grid_flush", mobile="13800000011", email="grid@example.org")
    visits = visits_due(world, user, 3, lambda n: timezone.now() - (n + 1) * MINUTE)

    assert sweep_due_follow_ups() == 3  # committed: on_commit queued the deliveries
    deliveries = list(Delivery.objects.order_by("id"))
    assert len(deliveries) == 6  # email and SMS for each of three reminders
    ids = sorted(d.pk for d in deliveries)
    assert sorted(args[0] for _task, args in queued_tasks(broker)) == ids

    # FLUSHALL is FLUSHDB on every database of the server. The broker keeps all of its
    # state (queues, bindings, unacked messages) in the one database its URL names, so
    # flushing that database is, for the broker, exactly the drill -- without wiping
    # the other databases of a Redis server shared with others.
    broker.flushdb()
    assert broker.dbsize() == 0

    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert sweep_deliveries() == 6
    queued = queued_tasks(broker)
    assert sorted(args[0] for _task, args in queued) == ids
    assert {task for task, _args in queued} == {DELIVER}

    for _task, args in queued:  # what a worker would do with each message
        assert deliver.apply(args=args).get() == DeliveryStatus.SENT
    for _task, args in queued:  # a second copy of a message (redelivery) sends nothing
        assert deliver.apply(args=args).get() == "skipped"

    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
    assert len(mailoutbox) == 3
    assert sorted(m.to for m in mailoutbox) == [["grid@example.org"]] * 3
    assert len(sent_lines(recording_sms)) == 3
    assert sweep_deliveries() == 0
    assert {v.case.number for v in visits} == {
        n.case.number for n in Notification.objects.select_related("case")
    }


# ---------------------------------------------------------------------------
# (c) kill -9 mid-delivery
# ---------------------------------------------------------------------------


@pytest.mark.postgres_only
@needs_postgres
@needs_redis
@committed
def test_a_worker_killed_mid_delivery_leaves_it_to_be_sent_once_by_the_next_worker(
    world, broker, tmp_path
):
    user = staff(world, "grid_kill", mobile="13800000012")
    visits_due(world, user, 1, lambda n: timezone.now() - MINUTE)
    sent = tmp_path / "sms-sent.log"
    log = tmp_path / "worker.log"
    backend = {"FENGQIAO_SMS_BACKEND": SLOW_BACKEND, "FENGQIAO_TEST_SMS_LOG": str(sent)}

    assert sweep_due_follow_ups() == 1
    delivery_row = Delivery.objects.get()
    assert [args for _task, args in queued_tasks(broker)] == [(delivery_row.pk,)]

    def status():
        return Delivery.objects.values_list("status", "attempts").get(pk=delivery_row.pk)

    # The first worker takes the message, claims the delivery and is killed in the send.
    with worker(log, FENGQIAO_TEST_SMS_DELAY="20", **backend) as first:
        wait_for(lambda: status()[0] == DeliveryStatus.SENDING, 60, "the claim", log)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    assert sent_lines(sent) == []  # nothing went out
    assert status() == (DeliveryStatus.SENDING, 1)

    # Time passes beyond STALE_CLAIM: beat's delivery sweep takes the claim back.
    assert sweep_deliveries(now=timezone.now() + STALE_CLAIM + MINUTE) == 1
    assert status() == (DeliveryStatus.PENDING, 1)

    with worker(log, FENGQIAO_TEST_SMS_DELAY="0.5", **backend):
        wait_for(lambda: status()[0] == DeliveryStatus.SENT, 60, "the delivery", log)

    assert status() == (DeliveryStatus.SENT, 2)
    lines = sent_lines(sent)
    assert len(lines) == 1
    assert lines[0].split("\t")[1] == "13800000012"
    assert sweep_deliveries(now=timezone.now() + STALE_CLAIM + MINUTE) == 0
    assert deliver.apply(args=(delivery_row.pk,)).get() == "skipped"  # the killed message
    assert len(sent_lines(sent)) == 1


# ---------------------------------------------------------------------------
# (d) A failing SMS provider
# ---------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """The broker, seen from the sweeps: the ids they queue for delivery, in order."""
    ids: list[int] = []
    monkeypatch.setattr(deliver, "delay", ids.append)
    return ids


def run_worker_at(moment, queued: list[int]) -> dict[int, str]:
    """Deliver what was queued, as a worker would at ``moment``; empties the queue."""
    outcome = {pk: delivery.deliver(pk, now=moment) for pk in queued}
    queued.clear()
    return outcome


@pytest.mark.django_db
def test_a_failing_sms_provider_is_retried_with_backoff_and_does_not_hold_up_other_reminders(
    world, recording_sms, monkeypatch, queued
):
    numbers = {"a": "13800000001", "b": "13800000002", "c": "13800000003"}
    users = {name: staff(world, f"sms_{name}", mobile=number) for name, number in numbers.items()}
    for user in users.values():
        visits_due(world, user, 1, lambda n: timezone.now() - MINUTE)
    monkeypatch.setenv("FENGQIAO_TEST_SMS_FAIL", numbers["b"])

    assert sweep_due_follow_ups() == 3
    t0 = timezone.now()  # the deliveries are due from when the sweep wrote them
    assert sweep_deliveries(now=t0) == 3
    by_number = {d.address: d.pk for d in Delivery.objects.all()}
    outcome = run_worker_at(t0, queued)

    assert outcome == {
        by_number[numbers["a"]]: DeliveryStatus.SENT,
        by_number[numbers["b"]]: DeliveryStatus.PENDING,
        by_number[numbers["c"]]: DeliveryStatus.SENT,
    }
    failing = Delivery.objects.get(address=numbers["b"])
    assert failing.attempts == 1
    assert failing.next_attempt_at == t0 + MINUTE
    assert failing.last_error == f"SmsProviderDown: provider refused {numbers['b']}"

    # Retried 1, 2, 4 minutes apart; a sweep before the next attempt is due queues nothing.
    moment = t0
    for attempt, wait in ((2, 1), (3, 2), (4, 4)):
        assert sweep_deliveries(now=moment + wait * MINUTE - datetime.timedelta(seconds=1)) == 0
        moment += wait * MINUTE
        assert sweep_deliveries(now=moment) == 1
        if attempt == 4:
            monkeypatch.setenv("FENGQIAO_TEST_SMS_FAIL", "")  # the provider is back
        result = run_worker_at(moment, queued)[failing.pk]
        failing.refresh_from_db()
        assert failing.attempts == attempt
        if attempt < 4:
            assert result == DeliveryStatus.PENDING
            assert failing.next_attempt_at == moment + 2 ** (attempt - 1) * MINUTE
    assert result == DeliveryStatus.SENT
    assert (failing.status, failing.last_error) == (DeliveryStatus.SENT, "")

    sent_to = sorted(line.split("\t")[1] for line in sent_lines(recording_sms))
    assert sent_to == sorted(numbers.values())  # each exactly once
    assert sweep_deliveries(now=moment + datetime.timedelta(days=1)) == 0


@pytest.mark.django_db
def test_a_delivery_that_keeps_failing_is_given_up_after_the_last_attempt_and_stays_in_the_inbox(
    world, recording_sms, monkeypatch, queued
):
    user = staff(world, "grid_down", mobile="13800000004")
    visits_due(world, user, 1, lambda n: timezone.now() - MINUTE)
    monkeypatch.setenv("FENGQIAO_TEST_SMS_FAIL", user.mobile)
    assert sweep_due_follow_ups() == 1

    moment, waits = timezone.now(), []
    for _attempt in range(MAX_ATTEMPTS):
        assert sweep_deliveries(now=moment) == 1
        result = run_worker_at(moment, queued)
        row = Delivery.objects.get()
        waits.append(row.next_attempt_at - moment)
        moment = row.next_attempt_at

    assert list(result.values()) == [DeliveryStatus.FAILED]
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert waits == [m * MINUTE for m in (1, 2, 4, 8, 16, 32, 64, 128)]
    assert sweep_deliveries(now=moment + datetime.timedelta(days=30)) == 0
    assert sent_lines(recording_sms) == []
    assert Notification.objects.filter(recipient=user, read_at=None).count() == 1
