"""Creating notifications and delivering them, safely under retries and concurrency.

- ``notify`` writes the in-app notification and its email/SMS delivery rows in the
  caller's transaction; the unique ``dedupe_key`` makes a second call a no-op.
- ``deliver`` claims one delivery with a conditional UPDATE (only one worker can move
  it from pending to sending), sends it, and records the outcome; a failure is retried
  later with exponential backoff, without holding up any other delivery.
- ``sweep_deliveries`` re-queues what is due or stuck: after a broker flush or a worker
  killed mid-send, the rows are still here and go out on the next sweep.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from notifications.backends import sms_backend
from notifications.models import Channel, Delivery, DeliveryStatus, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A delivery left "sending" this long belongs to a worker that died.
STALE_CLAIM = datetime.timedelta(minutes=5)
SWEEP_BATCH = 1000


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4 ... minutes, at most six hours, between attempts."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _queue(delivery_ids: list[int]) -> None:
    # Imported here: notifications.tasks imports this module to wrap its functions.
    from notifications.tasks import deliver

    for delivery_id in delivery_ids:
        try:
            deliver.delay(delivery_id)
        except Exception:  # the broker is down: the next sweep sends it
            logger.warning("Could not queue delivery %s; the sweep will retry", delivery_id)


def notify(
    *,
    recipient,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    case=None,
    link: str = "",
    item_count: int = 1,
    send_after: datetime.datetime | None = None,
) -> tuple[Notification, bool]:
    """Put a notification in the recipient's inbox and queue its email/SMS, once.

    ``send_after`` holds the email/SMS back (a digest still being added to): the delivery
    sweep sends it then, or whoever finishes the digest releases it sooner
    (``release_deliveries``)."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title[:200],
                body=body,
                case=case,
                link=link,
                dedupe_key=dedupe_key,
                item_count=item_count,
            )
    except IntegrityError:
        return Notification.objects.get(dedupe_key=dedupe_key), False
    due = send_after or timezone.now()
    deliveries = []
    if recipient.email:
        deliveries.append(
            Delivery(
                notification=notification,
                channel=Channel.EMAIL,
                address=recipient.email,
                next_attempt_at=due,
            )
        )
    if recipient.mobile:
        deliveries.append(
            Delivery(
                notification=notification,
                channel=Channel.SMS,
                address=recipient.mobile,
                next_attempt_at=due,
            )
        )
    Delivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries]
    if ids and send_after is None:
        transaction.on_commit(lambda: _queue(ids), robust=True)
    return notification, True


def release_deliveries(notifications, now: datetime.datetime | None = None) -> int:
    """Send now what ``notify(send_after=...)`` held back for ``notifications`` (a
    queryset); returns how many deliveries were released."""
    now = now or timezone.now()
    held = Delivery.objects.filter(
        notification__in=notifications,
        status=DeliveryStatus.PENDING,
        next_attempt_at__gt=now,
        attempts=0,
    )
    ids = list(held.values_list("pk", flat=True))
    if ids:
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
        transaction.on_commit(lambda: _queue(ids), robust=True)
    return len(ids)


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        send_mail(
            subject=notification.title,
            message=f"{notification.body}\n\n{notification.link}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[delivery.address],
        )
    else:
        sms_backend().send(delivery.address, f"{notification.title} {notification.body}"[:300])


def deliver(delivery_id: int, now: datetime.datetime | None = None) -> str:
    """Send one delivery if it is still due; returns the status it is left in."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    try:
        _send(delivery)
    except Exception as error:
        failed = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            next_attempt_at=now + backoff(delivery.attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning("Delivery %s failed (attempt %s): %s", delivery_id, delivery.attempts, error)
        return DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return DeliveryStatus.SENT


def sweep_deliveries(now: datetime.datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Queue every delivery that is due or whose worker died; returns how many."""
    now = now or timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=DeliveryStatus.PENDING
    )
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    _queue(due)
    return len(due)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user, notification_ids=None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
