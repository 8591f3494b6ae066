"""重点人员: the local list of persons to watch (repeated petitions, violence risk, mental
illness, released prisoners). A flag is kept by one village, reviewed by a date, and
lifted rather than deleted; a new case of a flagged person is graded at least yellow
(``cases.services.watch``).

Kept in the cases app because the rule bites at case registration and a flag is matched
against parties through the same blind indexes; the reason is sensitive personal
information (PIPL art. 28: health, criminal record), so who may see a flag is one policy
(``cases.watch``) and every look at its reason is logged (``WatchedPersonAccess``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.encrypted_fields import BlindIndexField, EncryptedTextField
from common.validators import mask_id_number, mask_mobile, validate_id_number, validate_mobile

from .case import Case
from .parties import Party


class WatchCategory(models.TextChoices):
    PETITIONS = "petitions", _("多次上访/信访")
    VIOLENCE = "violence", _("暴力倾向")
    MENTAL_ILLNESS = "mental_illness", _("精神障碍")
    RELEASED_PRISONER = "released_prisoner", _("刑满释放")
    COMMUNITY_CORRECTION = "community_correction", _("社区矫正")
    OTHER = "other", _("其他")


class WatchedPersonQuerySet(models.QuerySet):
    def active(self):
        return self.filter(lifted_at__isnull=True)

    def review_due(self, today):
        return self.active().filter(review_on__lte=today)


class WatchedPerson(models.Model):
    """One flag of the local list. Lifting keeps the row (who, when, why); the audit
    trail keeps every change of it."""

    name = models.CharField(_("姓名"), max_length=100)
    # Required: local lists are kept by ID number, and matching a party needs it.
    id_number = EncryptedTextField(
        _("身份证号码"), kind="id_number", validators=[validate_id_number]
    )
    mobile = EncryptedTextField(
        _("手机号码"), kind="mobile", blank=True, validators=[validate_mobile]
    )
    id_number_index = BlindIndexField(source="id_number", kind="id_number")
    mobile_index = BlindIndexField(source="mobile", kind="mobile")
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("管理村(社区)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(_("列管原因"), max_length=32, choices=WatchCategory.choices)
    note = models.TextField(_("情况说明"), blank=True, max_length=2000)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("列管人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    set_at = models.DateTimeField(_("列管时间"), default=timezone.now)
    review_on = models.DateField(_("复核日期"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最近复核人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("最近复核时间"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    lift_reason = models.TextField(_("解除原因"), blank=True, max_length=2000)
    # The review date last reminded of: the sweep's claim, so a date is reminded once.
    review_reminded_for = models.DateField(null=True, blank=True, editable=False)

    objects = WatchedPersonQuerySet.as_manager()

    BLIND_INDEXES = {"id_number": "id_number_index", "mobile": "mobile_index"}

    class Meta:
        verbose_name = _("重点人员")
        verbose_name_plural = _("重点人员")
        ordering = ["review_on", "id"]
        constraints = [
            # A person is on a village's list once at a time; lifted flags stay as history.
            models.UniqueConstraint(
                fields=["area", "id_number_index"],
                condition=models.Q(lifted_at__isnull=True),
                name="watched_person_active_once_per_area",
            )
        ]
        indexes = [
            # Registration looks every party up here: active flags only.
            models.Index(
                fields=["id_number_index"],
                name="watched_active_id_idx",
                condition=models.Q(lifted_at__isnull=True),
            ),
            models.Index(
                fields=["mobile_index"],
                name="watched_active_mobile_idx",
                condition=models.Q(lifted_at__isnull=True) & ~models.Q(mobile_index=""),
            ),
            # The review sweep reads only active flags not yet reminded of their date.
            models.Index(
                fields=["review_on"],
                name="watched_review_unreminded_idx",
                condition=models.Q(lifted_at__isnull=True)
                & ~models.Q(review_reminded_for=models.F("review_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.masked_id_number})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                *(index for field, index in self.BLIND_INDEXES.items() if field in update_fields),
            }
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


class WatchGradeDecision(models.Model):
    """What the watch rule did to a new case: raised its grade, or kept it because
    someone at the handling level said why. The case history says only that the rule
    applied; which party, which flag and the reason given are here, shown to those who
    may see flags."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="watch_decisions")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    watched_person = models.ForeignKey(
        WatchedPerson, on_delete=models.PROTECT, related_name="grade_decisions"
    )
    raised = models.BooleanField(_("已提级"))
    from_grade = models.CharField(_("原等级"), max_length=16)
    to_grade = models.CharField(_("定级"), max_length=16)
    override_reason = models.TextField(_("不提级理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("重点人员定级记录")
        verbose_name_plural = _("重点人员定级记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_grade} → {self.to_grade}"


class WatchedPersonAccess(models.Model):
    """Every look at a flag's reason (PIPL: sensitive personal information; DOMAIN §6)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    watched_person = models.ForeignKey(
        WatchedPerson, on_delete=models.PROTECT, related_name="accesses"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("重点人员查看记录")
        verbose_name_plural = _("重点人员查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.watched_person_id} {self.at:%Y-%m-%d %H:%M}"
