"""What the services keep beside a case: its history, idempotency keys, number counters
and the log of revealed personal data."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case, Status
from .parties import Party


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("登记")
    EDITED = "edited", _("修改")
    ACCEPTED = "accepted", _("受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    WITHDRAWN = "withdrawn", _("撤回")
    SESSION = "session", _("调解记录")
    INVESTIGATION = "investigation", _("调查记录")
    GRADE_CHANGED = "grade_changed", _("调整等级")
    ESCALATION_PROPOSED = "escalation_proposed", _("提级调处")
    ESCALATION_ACCEPTED = "escalation_accepted", _("上级接收")
    ESCALATION_RETURNED = "escalation_returned", _("上级退回")
    AGREEMENT = "agreement", _("达成协议")
    AGREEMENT_SIGNED = "agreement_signed", _("协议签署")
    AGREEMENT_IN_FORCE = "agreement_in_force", _("协议生效")
    PERFORMANCE = "performance", _("履行情况")
    FOLLOW_UP = "follow_up", _("回访")
    FOLLOW_UP_WAIVED = "follow_up_waived", _("免除回访")
    FAILED = "failed", _("调解不成")
    RESOLVED_OTHERWISE = "resolved_otherwise", _("其他方式化解")
    CLOSED = "closed", _("销号")
    REOPENED = "reopened", _("重新调解")
    TERM_EXTENDED = "term_extended", _("延长期限")
    VOIDED = "voided", _("作废")
    ATTACHMENT_ADDED = "attachment_added", _("上传附件")
    ATTACHMENT_VOIDED = "attachment_voided", _("作废附件")
    # 重点人员: the grade a flagged party's new case got (cases.services.watch).
    WATCH_GRADING = "watch_grading", _("重点人员定级")
    RIGHTS_TOLD = "rights_told", _("告知权利义务")


class CaseEvent(models.Model):
    """One entry of a case's history: who did what, when. Written only by the services."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事项"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件历史")
        verbose_name_plural = _("案件历史")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at_idx")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class IdempotencyKey(models.Model):
    """A pushing system's ``Idempotency-Key``: the first request with it registers the
    case, a retry gets that case back. The unique constraint makes concurrent retries safe."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=255)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, related_name="+")
    # A hash of the first request's content: a reuse of the key for other content is
    # refused rather than answered with the first case as if it were a retry.
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return self.key


class CaseNumberCounter(models.Model):
    """The last sequence number handed out per town (or district) and year."""

    numbering_area = models.ForeignKey("grids.Area", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件编号计数器")
        verbose_name_plural = _("案件编号计数器")
        constraints = [
            models.UniqueConstraint(
                fields=["numbering_area", "year"], name="case_counter_unique_area_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.numbering_area_id}-{self.year}: {self.last_sequence}"


class PersonalDataAccess(models.Model):
    """Every time a full ID number or phone number is revealed (PIPL; DOMAIN §6)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(
        _("查看内容"),
        max_length=16,
        choices=[("id_number", _("身份证号码")), ("mobile", _("手机号码"))],
    )
    at = models.DateTimeField(default=timezone.now)
    # The printed document that showed the number (cases.documents), blank for a look on
    # the case page.
    document = models.CharField(_("打印文书"), max_length=120, blank=True, default="")

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.field} {self.at:%Y-%m-%d %H:%M}"
