"""The monthly review meeting (月例会, DOMAIN §4 "Screening cadence and the monthly review").

At the start of every month each village reviews the month before: its new, closed,
open and overdue cases, what the follow-up visits found, and the cases that might flare
next. The portal takes a snapshot of that agenda when it reminds the village secretary,
and keeps the minutes and decisions of the meeting against the reviewed month.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.validators import validate_not_future_date
from grids.models import AreaLevel


class MonthlyReview(models.Model):
    village = models.ForeignKey(
        "grids.Area",
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="monthly_reviews",
        limit_choices_to={"level": AreaLevel.VILLAGE},
    )
    # The first day of the month under review (e.g. 2025-03-01 for the April meeting).
    month = models.DateField(_("审议月份"))
    agenda = models.JSONField(_("议程"), default=dict, blank=True, editable=False)
    # When the sweep sent the reminder (and so claimed it); never cleared.
    reminded_at = models.DateTimeField(_("已提醒时间"), null=True, blank=True, editable=False)

    held_on = models.DateField(
        _("召开日期"), null=True, blank=True, validators=[validate_not_future_date]
    )
    attendees = models.TextField(_("参会人员"), max_length=2000, blank=True)
    minutes = models.TextField(_("会议记录"), max_length=20000, blank=True)
    decisions = models.TextField(_("议定事项"), max_length=8000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("月例会")
        verbose_name_plural = _("月例会")
        ordering = ["-month", "village_id"]
        constraints = [
            # One meeting per village and month: the sweep's get-or-create relies on it.
            models.UniqueConstraint(fields=["village", "month"], name="monthly_review_unique")
        ]
        indexes = [
            # The sweep looks up what is still to be reminded for a month.
            models.Index(
                fields=["month"],
                name="monthly_review_to_remind_idx",
                condition=models.Q(reminded_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.month:%Y-%m}"

    @property
    def is_recorded(self) -> bool:
        return self.held_on is not None
