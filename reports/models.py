"""The monthly review meeting (月例会, DOMAIN §4 "Screening cadence and the monthly review").

At the start of every month each village reviews the month before: its new, closed,
open and overdue cases, what the follow-up visits found, and the cases that might flare
next. The portal takes a snapshot of that agenda when it reminds the village secretary,
and keeps the minutes and decisions of the meeting against the reviewed month.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_not_future_date
from grids.models import AreaLevel
from reports.periods import Period


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


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel 工作簿(.xlsx)")
    CSV = "csv", _("CSV 文本(.csv)")
    # The annual filing (归档) of a committee's dossiers: a PDF per case and an index.
    ZIP = "zip", _("卷宗归档(.zip)")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("生成失败")


class GeneratedReport(models.Model):
    """A ledger export made in the background (a large one) and kept in the archive.

    The file lives in the private folder (``FENGQIAO_PRIVATE_DIR``), never under a folder
    the web server serves: it is downloaded through the portal, which checks that the
    report's area is within the user's reach. Reports are never deleted by users.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.ForeignKey(
        "grids.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    # The committee whose dossiers an annual filing holds (only for the zip format).
    committee = models.ForeignKey(
        "mediators.Organisation",
        verbose_name=_("人民调解委员会"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    format = models.CharField(_("格式"), max_length=8, choices=ReportFormat.choices)
    # The labels of the file follow the language of whoever asked for it.
    language = models.CharField(_("语言"), max_length=16, default="zh-hans")
    status = models.CharField(
        _("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已写行数"), default=0)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    # Relative to the private folder; set once the file is complete.
    file_path = models.CharField(_("存放路径"), max_length=255, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("文件大小(字节)"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("已生成报表")
        verbose_name_plural = _("已生成报表")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["area", "-created_at"], name="generated_report_area_idx"),
        ]

    def __str__(self) -> str:
        return self.file_name or f"{self.area} {self.period_start}~{self.period_end}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)

    @property
    def percent(self) -> int:
        if self.status == ReportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)
