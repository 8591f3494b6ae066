"""notify() and the email/SMS deliveries: written once, claimed once, retried with
backoff when a backend fails, given up after MAX_ATTEMPTS, and re-queued when a worker
died holding one. The database is the record; the broker only carries ids."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import MAX_ATTEMPTS, STALE_CLAIM, backoff, notify
from tests.factories import UserFactory

FAILING_SMS = "tests.notifications.test_delivery.FailingSmsBackend"
RECORDING_SMS = "tests.notifications.test_delivery.RecordingSmsBackend"


class FailingSmsBackend:
    """An SMS gateway that is down."""

    def send(self, number: str, text: str) -> None:
        raise ConnectionError("短信网关无响应")


class RecordingSmsBackend:
    sent: list[tuple[str, str]] = []

    def send(self, number: str, text: str) -> None:
        RecordingSmsBackend.sent.append((number, text))


@pytest.fixture(autouse=True)
def recording_sms(settings):
    RecordingSmsBackend.sent = []
    settings.FENGQIAO_SMS_BACKEND = RECORDING_SMS
    return RecordingSmsBackend.sent


@pytest.fixture
def person(world):
    return UserFactory(
        username="reachable",
        email="wang@example.org",
        mobile="13900001111",
        area=world.village_a,
    )


def _notify(user, key: str = "k1"):
    return notify(
        recipient=user,
        kind=NotificationKind.FOLLOW_UP_DUE,
        title="电话回访:案件应于明日前完成",
        body="宅基地边界纠纷",
        link="/cases/1/",
        dedupe_key=f"test:{key}",
    )


def _delivery(notification, channel: str) -> Delivery:
    return Delivery.objects.get(notification=notification, channel=channel)


# ---------------------------------------------------------------------------
# notify()
# ---------------------------------------------------------------------------


def test_notify_writes_the_notification_and_one_delivery_per_channel(person):
    notification, created = _notify(person)

    assert created is True
    assert notification.recipient == person
    deliveries = Delivery.objects.filter(notification=notification)
    assert {(d.channel, d.address, d.status) for d in deliveries} == {
        (Channel.EMAIL, "wang@example.org", DeliveryStatus.PENDING),
        (Channel.SMS, "13900001111", DeliveryStatus.PENDING),
    }


def test_notify_is_idempotent_on_the_dedupe_key(person):
    first, created_first = _notify(person)
    second, created_second = _notify(person)

    assert created_first is True
    assert created_second is False
    assert second.pk == first.pk
    assert Notification.objects.filter(dedupe_key="test:k1").count() == 1
    assert Delivery.objects.filter(notification=first, channel=Channel.EMAIL).count() == 1
    assert Delivery.objects.filter(notification=first, channel=Channel.SMS).count() == 1
    assert Delivery.objects.count() == 2


def test_notify_without_email_or_mobile_only_fills_the_inbox(world):
    notification, created = _notify(world.secretary_a)

    assert created is True
    assert not Delivery.objects.filter(notification=notification).exists()


def test_notify_queues_the_deliveries_only_when_the_transaction_commits(
    person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        _notify(person)

    # One callback queues both ids; a rollback would have queued nothing.
    assert len(callbacks) == 1


# ---------------------------------------------------------------------------
# deliver()
# ---------------------------------------------------------------------------


def test_deliver_sends_the_email_and_records_it(person):
    notification, _ = _notify(person)
    email = _delivery(notification, Channel.EMAIL)

    result = tasks.deliver.apply(args=[email.pk]).get()

    assert result == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.org"]
    assert mail.outbox[0].subject == notification.title
    email.refresh_from_db()
    assert email.status == DeliveryStatus.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert email.last_error == ""


def test_deliver_sends_the_sms_through_the_configured_backend(person, recording_sms):
    notification, _ = _notify(person)
    sms = _delivery(notification, Channel.SMS)

    assert tasks.deliver.apply(args=[sms.pk]).get() == DeliveryStatus.SENT

    assert recording_sms == [("13900001111", f"{notification.title} {notification.body}")]


def test_deliver_claims_once_so_a_second_call_is_skipped(person, recording_sms):
    notification, _ = _notify(person)
    email, sms = _delivery(notification, Channel.EMAIL), _delivery(notification, Channel.SMS)

    assert tasks.deliver.apply(args=[email.pk]).get() == DeliveryStatus.SENT
    assert tasks.deliver.apply(args=[email.pk]).get() == "skipped"
    assert services.deliver(sms.pk) == DeliveryStatus.SENT
    assert services.deliver(sms.pk) == "skipped"

    assert len(mail.outbox) == 1
    assert len(recording_sms) == 1
    assert Delivery.objects.get(pk=email.pk).attempts == 1


def test_a_delivery_another_worker_is_sending_is_skipped(person):
    notification, _ = _notify(person)
    email = _delivery(notification, Channel.EMAIL)
    Delivery.objects.filter(pk=email.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=1
    )

    assert services.deliver(email.pk) == "skipped"
    assert mail.outbox == []


def test_a_delivery_not_yet_due_is_skipped(person):
    notification, _ = _notify(person)
    email = _delivery(notification, Channel.EMAIL)
    Delivery.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )

    assert services.deliver(email.pk) == "skipped"
    assert Delivery.objects.get(pk=email.pk).attempts == 0


def test_a_failing_backend_leaves_the_delivery_pending_with_backoff_and_the_error(person, settings):
    settings.FENGQIAO_SMS_BACKEND = FAILING_SMS
    notification, _ = _notify(person)
    sms = _delivery(notification, Channel.SMS)
    now = timezone.now()

    result = services.deliver(sms.pk, now=now)

    assert result == DeliveryStatus.PENDING
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.PENDING
    assert sms.attempts == 1
    assert sms.next_attempt_at == now + backoff(1)
    assert sms.last_error == "ConnectionError: 短信网关无响应"
    assert sms.sent_at is None
    # Not due again until the backoff has passed.
    assert services.deliver(sms.pk, now=now + backoff(1) - datetime.timedelta(seconds=1)) == (
        "skipped"
    )


def test_the_backoff_doubles_up_to_six_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [
        datetime.timedelta(minutes=m) for m in (1, 2, 4, 8)
    ]
    assert backoff(30) == datetime.timedelta(hours=6)


def test_a_failing_sms_does_not_stop_the_email_in_the_same_sweep(person, settings):
    settings.FENGQIAO_SMS_BACKEND = FAILING_SMS
    notification, _ = _notify(person)
    email, sms = _delivery(notification, Channel.EMAIL), _delivery(notification, Channel.SMS)
    now = timezone.now()

    queued = services.sweep_deliveries(now=now)

    assert queued == 2
    # What the worker does with each id the sweep queued.
    results = {d.pk: tasks.deliver.apply(args=[d.pk]).get() for d in (sms, email)}
    assert results == {sms.pk: DeliveryStatus.PENDING, email.pk: DeliveryStatus.SENT}
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(pk=email.pk).status == DeliveryStatus.SENT
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.PENDING
    assert sms.last_error.startswith("ConnectionError")


def test_after_max_attempts_the_delivery_is_failed_for_good(person, settings):
    settings.FENGQIAO_SMS_BACKEND = FAILING_SMS
    notification, _ = _notify(person)
    sms = _delivery(notification, Channel.SMS)
    now = timezone.now()

    results = []
    for _attempt in range(MAX_ATTEMPTS):
        results.append(services.deliver(sms.pk, now=now))
        now = Delivery.objects.get(pk=sms.pk).next_attempt_at

    assert results == [DeliveryStatus.PENDING] * (MAX_ATTEMPTS - 1) + [DeliveryStatus.FAILED]
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.FAILED
    assert sms.attempts == MAX_ATTEMPTS
    assert sms.last_error
    # Given up: neither a direct call nor a sweep tries it again.
    later = now + datetime.timedelta(days=1)
    assert services.deliver(sms.pk, now=later) == "skipped"
    assert services.sweep_deliveries(now=later) == 1  # only the email, still pending
    assert Delivery.objects.get(pk=sms.pk).attempts == MAX_ATTEMPTS


# ---------------------------------------------------------------------------
# sweep_deliveries()
# ---------------------------------------------------------------------------


def test_the_sweep_requeues_a_delivery_whose_worker_died(person):
    notification, _ = _notify(person)
    email = _delivery(notification, Channel.EMAIL)
    now = timezone.now()
    # A worker claimed it and died without a word.
    Delivery.objects.filter(pk=email.pk).update(
        status=DeliveryStatus.SENDING,
        claimed_at=now - STALE_CLAIM - datetime.timedelta(seconds=1),
        attempts=1,
    )

    queued = services.sweep_deliveries(now=now)

    assert queued == 2  # the stale email and the still-pending SMS
    email.refresh_from_db()
    assert email.status == DeliveryStatus.PENDING
    assert tasks.deliver.apply(args=[email.pk]).get() == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(pk=email.pk).attempts == 2


def test_the_sweep_leaves_a_fresh_claim_alone(person):
    notification, _ = _notify(person)
    email = _delivery(notification, Channel.EMAIL)
    now = timezone.now()
    Delivery.objects.filter(pk=email.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=now - datetime.timedelta(minutes=1), attempts=1
    )

    queued = services.sweep_deliveries(now=now)

    assert queued == 1  # the SMS only
    assert Delivery.objects.get(pk=email.pk).status == DeliveryStatus.SENDING


def test_the_sweep_skips_what_is_sent_or_not_yet_due(person):
    notification, _ = _notify(person)
    email, sms = _delivery(notification, Channel.EMAIL), _delivery(notification, Channel.SMS)
    services.deliver(email.pk)
    now = timezone.now()
    Delivery.objects.filter(pk=sms.pk).update(next_attempt_at=now + datetime.timedelta(minutes=1))

    assert services.sweep_deliveries(now=now) == 0
    assert services.sweep_deliveries(now=now + datetime.timedelta(minutes=1)) == 1


def test_the_sweep_task_runs(person):
    _notify(person)

    assert tasks.sweep_deliveries.apply().get() == 2
