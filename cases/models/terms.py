"""Extensions of a case's clocks: the mediation term (with both parties' consent) and the
petition handling clock (信访工作条例: once, with a reason). Written only by
``cases.services.terms``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case


class ExtensionKind(models.TextChoices):
    MEDIATION_TERM = "mediation_term", _("延长调解期限")
    PETITION = "petition", _("信访件延期办理")


class CaseTermExtension(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="term_extensions")
    kind = models.CharField(_("类型"), max_length=16, choices=ExtensionKind.choices)
    days = models.PositiveSmallIntegerField(_("延长天数"))
    reason = models.TextField(_("延长原因"), max_length=2000)
    parties_consented = models.BooleanField(_("双方当事人同意延长"), default=False)
    previous_end = models.DateField(_("原期限"))
    new_end = models.DateField(_("延长后期限"))
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    extended_at = models.DateTimeField(_("延长时间"), default=timezone.now)

    class Meta:
        verbose_name = _("期限延长")
        verbose_name_plural = _("期限延长")
        ordering = ["extended_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.days}"
