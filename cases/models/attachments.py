"""Attachments: scanned agreements and photos (cases.attachments stores and serves them)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case


class AttachmentKind(models.TextChoices):
    """What a file is, which also says where the dossier (一案一卷) files it."""

    AGREEMENT_SCAN = "agreement_scan", _("调解协议书扫描件")
    PHOTO = "photo", _("现场照片")
    POWER_OF_ATTORNEY = "proxy_letter", _("授权委托书")
    ID_COPY = "id_copy", _("当事人身份证明")
    EVIDENCE = "evidence", _("证据材料")
    RECEIPT = "receipt", _("履行凭证")
    OTHER = "other", _("其他")


class Attachment(models.Model):
    """A file kept with a case. The bytes live in the private folder under a generated
    name (``stored_name``, relative to it), never under a path the web server serves;
    the row keeps what the user called it. Evidence: voided with a reason, never deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("附件类型"), max_length=16, choices=AttachmentKind.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    original_name = models.CharField(_("文件名"), max_length=120)
    stored_name = models.CharField(max_length=255, unique=True, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作废人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.TextField(_("作废原因"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "uploaded_at"], name="attachment_case_idx")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None
