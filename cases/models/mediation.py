"""Mediating a case: sessions, grade changes and escalations one level up."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.validators import validate_not_future_date

from .case import Case, Grade, HandlingLevel
from .parties import Party


class Place(models.TextChoices):
    MEDIATION_ROOM = "mediation_room", _("调解室")
    ON_SITE = "on_site", _("纠纷现场")
    COURTYARD = "courtyard", _("院坝(坝坝会)")
    HALL = "hall", _("议事厅/广场")
    ONLINE = "online", _("线上(互联网+调解)")
    OTHER = "other", _("其他")


class Method(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("面对面调解")
    BACK_TO_BACK = "back_to_back", _("背对背调解")
    JOINT = "joint", _("联合调解")
    COURTYARD_MEETING = "courtyard_meeting", _("坝坝调解")
    ONLINE = "online", _("线上调解")
    PHONE = "phone", _("电话调解")
    # The grid member's on-the-spot settlement of a minor dispute (seed 001).
    ON_THE_SPOT = "on_the_spot", _("随手调")


class SessionResult(models.TextChoices):
    RESOLVED = "resolved", _("达成一致")
    NOT_RESOLVED = "not_resolved", _("未达成一致")
    CONTINUE = "continue", _("继续调解")


class MediationSession(models.Model):
    """A mediation session; art. 27 requires the mediator to record it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"), validators=[validate_not_future_date])
    place = models.CharField(_("调解地点"), max_length=32, choices=Place.choices)
    place_detail = models.CharField(_("地点说明"), max_length=100, blank=True)
    method = models.CharField(_("调解方式"), max_length=32, choices=Method.choices)
    mediators = models.ManyToManyField(
        "mediators.Mediator", verbose_name=_("主持调解员"), related_name="sessions"
    )
    parties_present = models.ManyToManyField(
        Party, verbose_name=_("到场当事人"), blank=True, related_name="sessions"
    )
    content = models.TextField(_("调解经过及各方意见"), max_length=8000)
    result = models.CharField(_("调解结果"), max_length=16, choices=SessionResult.choices)
    level = models.CharField(
        _("调解层级"), max_length=16, choices=HandlingLevel.choices, editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.held_at:%Y-%m-%d}"


class GradeChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="grade_changes")
    from_grade = models.CharField(_("原等级"), max_length=16, choices=Grade.choices)
    to_grade = models.CharField(_("新等级"), max_length=16, choices=Grade.choices)
    reason = models.TextField(_("调整原因"), max_length=2000)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("调整时间"), default=timezone.now)

    class Meta:
        verbose_name = _("等级调整")
        verbose_name_plural = _("等级调整")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_grade_display()} → {self.get_to_grade_display()}"


class EscalationStatus(models.TextChoices):
    PROPOSED = "proposed", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")
    # The case ended, or moved up by re-grading, before anyone answered.
    CANCELLED = "cancelled", _("已撤销")


class Escalation(models.Model):
    """A request to hand a case one level up; the receiving level accepts or returns it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalations")
    from_level = models.CharField(_("原层级"), max_length=16, choices=HandlingLevel.choices)
    to_level = models.CharField(_("上报至"), max_length=16, choices=HandlingLevel.choices)
    reason = models.TextField(_("上报原因"), max_length=2000)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=EscalationStatus.choices,
        default=EscalationStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("上报时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("逐级上报")
        verbose_name_plural = _("逐级上报")
        ordering = ["proposed_at", "id"]
        constraints = [
            # At most one escalation waiting for an answer per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="proposed"),
                name="escalation_one_pending_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_from_level_display()} → {self.get_to_level_display()}"
