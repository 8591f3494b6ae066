"""A party's refusal of mediation (人民调解法 art. 17: 当事人一方明确拒绝调解的,不得调解)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_not_future_date

from .case import Case
from .parties import Party


class Refusal(models.Model):
    """Who refused, when, and how they said so. The case itself ends as not mediated
    (调解不成, the reason 当事人拒绝调解); this is the record the law asks for. A case
    that failed cannot be mediated again, so it has one refusal at most."""

    case = models.OneToOneField(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="refusal"
    )
    party = models.ForeignKey(
        Party, verbose_name=_("拒绝调解的当事人"), on_delete=models.PROTECT, related_name="+"
    )
    refused_on = models.DateField(_("拒绝日期"), validators=[validate_not_future_date])
    note = models.TextField(
        _("拒绝情况"),
        max_length=2000,
        blank=True,
        help_text=_("当事人如何表示拒绝,如当面口头拒绝、书面拒绝、拒不到场。"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("拒绝调解")
        verbose_name_plural = _("拒绝调解")
        ordering = ["-id"]

    def __str__(self) -> str:
        return _("%(party)s于%(day)s拒绝调解") % {
            "party": self.party.name,
            "day": self.refused_on.isoformat(),
        }
