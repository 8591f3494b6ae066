"""Follow-up visits (回访) after an agreement."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_not_future_date

from .case import Case


class FollowUpKind(models.TextChoices):
    PHONE = "phone", _("电话回访(24小时内)")
    HOME_VISIT = "home_visit", _("上门走访(7日内)")
    REVISIT = "revisit", _("反弹隐患再回访(1个月内)")
    LOOK_BACK = "look_back", _("回头看")


class PerformanceCheck(models.TextChoices):
    YES = "yes", _("正在履行/已履行")
    PARTLY = "partly", _("部分履行")
    NO = "no", _("未履行")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    NOT_SATISFIED = "not_satisfied", _("不满意")


class FollowUp(models.Model):
    """A follow-up visit (回访): scheduled with a due time (``cases.followups``), then done,
    waived, or cancelled when the case goes back to mediation."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField(_("回访类型"), max_length=16, choices=FollowUpKind.choices)
    due_at = models.DateTimeField(_("应回访时间"), null=True, blank=True)
    done_at = models.DateTimeField(
        _("回访时间"), null=True, blank=True, validators=[validate_not_future_date]
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    performance = models.CharField(
        _("协议履行情况"), max_length=16, choices=PerformanceCheck.choices, blank=True
    )
    satisfaction = models.CharField(
        _("满意度"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    rebound_signs = models.BooleanField(_("存在反弹隐患"), default=False)
    flared_again = models.BooleanField(_("纠纷再次激化"), default=False)
    notes = models.TextField(_("回访情况"), max_length=4000, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups_due",
    )
    # When the responsible person is reminded (due time less the rule's lead), and when
    # a sweep claimed that reminder; reminded_at is never cleared.
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("已提醒时间"), null=True, blank=True, editable=False)
    # A scheduled visit made moot when the dispute flared again and the case went back
    # to mediation (the new agreement schedules its own), or waived (below). Kept, never
    # deleted.
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True, editable=False)
    # A waiver is a cancellation with a name and a reason: so that a case may be crossed
    # off (销号) without it, someone at or above the handling level says why it is not
    # needed. Reusing cancelled_at keeps the sweep, its index and the one-open-per-kind
    # rule as they are: a waived visit is simply no longer open.
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("免除人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    waive_reason = models.TextField(_("免除理由"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["case", "due_at", "id"]
        constraints = [
            # One outstanding visit of each kind per case: scheduling twice is a no-op.
            # Look-backs (回头看) are the exception: closing schedules several at once
            # (e.g. 3 and 6 months), one open per due time.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(done_at__isnull=True, cancelled_at__isnull=True)
                & ~models.Q(kind="look_back"),
                name="follow_up_one_open_per_kind",
            ),
            models.UniqueConstraint(
                fields=["case", "due_at"],
                condition=models.Q(
                    done_at__isnull=True, cancelled_at__isnull=True, kind="look_back"
                ),
                name="follow_up_one_open_look_back_per_due",
            ),
        ]
        indexes = [
            # The reminder sweep reads only visits still waiting for their reminder, so
            # its cost follows what is due, not how many cases there are.
            models.Index(
                fields=["remind_at"],
                name="follow_up_to_remind_idx",
                condition=models.Q(
                    done_at__isnull=True, reminded_at__isnull=True, cancelled_at__isnull=True
                ),
            )
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def is_waived(self) -> bool:
        return self.waived_by_id is not None

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None
