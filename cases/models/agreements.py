"""The mediation agreement (调解协议书)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_not_future_date

from .case import Case


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面协议")
    ORAL = "oral", _("口头协议")


class SignatureMethod(models.TextChoices):
    """Art. 29: the parties sign, seal or put their fingerprint on the agreement."""

    SIGNED = "signed", _("签名")
    SEALED = "sealed", _("盖章")
    FINGERPRINT = "fingerprint", _("按指印")


class JudicialConfirmation(models.TextChoices):
    NOT_APPLIED = "not_applied", _("未申请")
    # The parties mean to apply: the owner is reminded before the 30-day window closes.
    INTENDED = "intended", _("拟申请")
    APPLIED = "applied", _("已申请")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("被驳回")


class Performance(models.TextChoices):
    NOT_YET_DUE = "not_yet_due", _("未到履行期")
    FULFILLED = "fulfilled", _("已履行")
    PARTLY = "partly", _("部分履行")
    NOT_FULFILLED = "not_fulfilled", _("未履行")


# People's Mediation Law art. 33: parties may apply jointly within 30 days of effect.
JUDICIAL_CONFIRMATION_WINDOW = datetime.timedelta(days=30)


class Agreement(models.Model):
    """The mediation agreement (调解协议书), People's Mediation Law arts. 28-33."""

    # A case reopened after its dispute flared again can reach a new agreement; the old
    # one stays on record, superseded. At most one is current per case.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agreements")
    superseded_at = models.DateTimeField(_("失效时间"), null=True, blank=True, editable=False)
    form = models.CharField(_("协议形式"), max_length=16, choices=AgreementForm.choices)
    reached_on = models.DateField(_("达成日期"), validators=[validate_not_future_date])
    facts = models.TextField(_("主要事实、争议事项及各方责任"), max_length=8000)
    terms = models.TextField(_("协议内容"), max_length=8000)
    performance_method = models.TextField(_("履行方式和期限"), max_length=2000, blank=True)
    performance_due_on = models.DateField(_("履行期限"), null=True, blank=True)
    amount = models.DecimalField(
        _("协议金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # The three flags and the signing date summarise the signing records below (per
    # party, the mediator, the seal); the service keeps them, and agreements recorded
    # before those records existed keep the flags they were recorded with.
    parties_signed = models.BooleanField(
        _("各方当事人已签名(盖章或按指印)"), default=False, editable=False
    )
    mediator_signed = models.BooleanField(_("调解员已签名"), default=False, editable=False)
    sealed = models.BooleanField(_("已加盖调委会印章"), default=False, editable=False)
    signed_on = models.DateField(_("签署日期"), null=True, blank=True, editable=False)
    mediator_signer = models.ForeignKey(
        "mediators.Mediator",
        verbose_name=_("签名调解员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    mediator_signed_on = models.DateField(
        _("调解员签名日期"), null=True, blank=True, editable=False
    )
    # Art. 29: the people's mediation committee's seal, never a studio's or a centre's.
    seal_organisation = models.ForeignKey(
        "mediators.Organisation",
        verbose_name=_("盖章的人民调解委员会"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    sealed_on = models.DateField(_("盖章日期"), null=True, blank=True, editable=False)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("盖章经办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    effective_on = models.DateField(_("生效日期"), null=True, blank=True, editable=False)
    effect_note = models.CharField(_("生效说明"), max_length=200, blank=True, editable=False)
    judicial_confirmation = models.CharField(
        _("司法确认"),
        max_length=16,
        choices=JudicialConfirmation.choices,
        default=JudicialConfirmation.NOT_APPLIED,
    )
    judicial_court = models.CharField(_("受理法院"), max_length=100, blank=True)
    judicial_applied_on = models.DateField(
        _("司法确认申请日期"), null=True, blank=True, validators=[validate_not_future_date]
    )
    judicial_ruling_number = models.CharField(_("裁定书文号"), max_length=64, blank=True)
    judicial_confirmation_on = models.DateField(
        _("司法确认日期"), null=True, blank=True, validators=[validate_not_future_date]
    )
    performance = models.CharField(
        _("履行情况"), max_length=16, choices=Performance.choices, default=Performance.NOT_YET_DUE
    )
    performance_note = models.TextField(_("履行说明"), max_length=2000, blank=True)
    rebound_risk = models.BooleanField(
        _("存在反弹隐患"), default=False, help_text=_("勾选后,将安排1个月内再回访。")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(superseded_at__isnull=True),
                name="agreement_one_current_per_case",
            )
        ]
        indexes = [
            # The judicial confirmation reminder reads only agreements whose parties mean
            # to apply and have not: a handful, however many agreements there are.
            models.Index(
                fields=["effective_on"],
                name="agreement_judicial_due_idx",
                condition=models.Q(
                    judicial_confirmation="intended",
                    judicial_applied_on__isnull=True,
                    superseded_at__isnull=True,
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_form_display()}"

    def clean(self):
        super().clean()
        # The column takes negative numbers; what an agreement awards never is one.
        if self.amount is not None and self.amount < 0:
            raise ValidationError({"amount": _("协议金额不能为负数。")})

    @property
    def judicial_confirmation_deadline(self) -> datetime.date | None:
        if self.effective_on is None:
            return None
        return self.effective_on + JUDICIAL_CONFIRMATION_WINDOW


class AgreementSignature(models.Model):
    """One party's signature, seal or fingerprint on a written agreement (art. 29)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    party = models.ForeignKey(
        "cases.Party", verbose_name=_("当事人"), on_delete=models.PROTECT, related_name="+"
    )
    how = models.CharField(_("签署方式"), max_length=16, choices=SignatureMethod.choices)
    signed_on = models.DateField(_("签署日期"), validators=[validate_not_future_date])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("当事人签署")
        verbose_name_plural = _("当事人签署")
        ordering = ["party_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "party"], name="agreement_signature_once_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.get_how_display()} {self.signed_on.isoformat()}"
