"""Lookup tables that offices edit (filled with DOMAIN §4's defaults by a data migration)."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LookupQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Lookup(models.Model):
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = LookupQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class DisputeType(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("纠纷类型")
        verbose_name_plural = _("纠纷类型")


class CaseSource(Lookup):
    # Petition referrals run on the petition regulation's clock (DOMAIN §6).
    is_petition = models.BooleanField(_("信访件"), default=False)
    # Someone asked for mediation (来访, 来电, 转办…): the sides are 申请人 and 被申请人.
    # A dispute found on patrol or taken up on the committee's own initiative has no
    # applicant, and its sides are all 当事人 (cases.models.parties.party_role_label).
    has_applicant = models.BooleanField(
        _("有申请人"),
        default=True,
        help_text=_(
            "由当事人申请调解的来源勾选。网格员排查、主动调解等发现的纠纷不勾选:"
            "其各方称“当事人”,不称申请人、被申请人。"
        ),
    )

    class Meta(Lookup.Meta):
        verbose_name = _("案件来源")
        verbose_name_plural = _("案件来源")
