"""Notifications: the in-app inbox, and every email/SMS delivery of them.

What is due lives here, in the database, not in the broker: a delivery row is written in
the same transaction as its notification, and a sweep re-queues whatever is still
pending, so a broker flush or a killed worker loses nothing.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    FOLLOW_UP_DUE = "follow_up_due", _("回访提醒")
    CASE_OVERDUE = "case_overdue", _("案件超期")
    ESCALATION = "escalation", _("上报待接收")
    MONTHLY_REVIEW = "monthly_review", _("月例会提醒")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("司法确认提醒")
    PETITION_CLOCK = "petition_clock", _("信访期限提醒")
    WATCH_REVIEW = "watch_review", _("重点人员复核提醒")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=32, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    # What makes this reminder unique (e.g. "follow-up:42:u7"): the constraint, not luck,
    # is what stops two sweeps or two beat processes from sending it twice.
    dedupe_key = models.CharField(max_length=200, unique=True)
    # How many items a digest stands for (the overdue report of a day: one notification
    # per person, however many cases passed their limit); 1 for a single reminder.
    item_count = models.PositiveIntegerField(_("件数"), default=1)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One notification sent over one channel; every attempt is counted and kept."""

    notification = models.ForeignKey(
        Notification, on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [
            # The delivery sweep reads only what is not finished.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_unfinished_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}"
