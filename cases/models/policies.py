"""Policy that offices edit (DOMAIN §4 values are the defaults, set by a data migration)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from mediators.models import OrganisationKind

from .case import Grade, HandlingLevel
from .follow_ups import FollowUpKind


class GradePolicy(models.Model):
    """Local practice (DOMAIN §4): the time limit, the handling level and the kind of team
    that handles each grade (三三调处, seed 001: blue the grid member, yellow the village
    committee team, red the town's professional team)."""

    grade = models.CharField(_("等级"), max_length=16, choices=Grade.choices, unique=True)
    time_limit_days = models.PositiveSmallIntegerField(_("化解时限(天)"))
    default_level = models.CharField(
        _("默认处置层级"), max_length=16, choices=HandlingLevel.choices
    )
    handled_by = models.CharField(_("处置力量"), max_length=100, blank=True)
    team_kind = models.CharField(
        _("处置团队类型"),
        max_length=32,
        choices=OrganisationKind.choices,
        blank=True,
        help_text=_("受理时须指派该类型的调解组织;留空表示由网格员等个人处置,不限组织类型。"),
    )

    class Meta:
        verbose_name = _("分级处置规则")
        verbose_name_plural = _("分级处置规则")
        ordering = ["time_limit_days"]

    def __str__(self) -> str:
        return str(self.get_grade_display())


class OffsetUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    DAYS = "days", _("天")
    MONTHS = "months", _("个月")


class FollowUpRule(models.Model):
    """When each follow-up visit is due after its trigger (local practice, DOMAIN §4)."""

    kind = models.CharField(_("回访类型"), max_length=16, unique=True, choices=FollowUpKind.choices)
    offset_amount = models.PositiveSmallIntegerField(_("期限"))
    offset_unit = models.CharField(_("单位"), max_length=8, choices=OffsetUnit.choices)
    remind_before_hours = models.PositiveSmallIntegerField(
        _("提前提醒(小时)"), default=0, help_text=_("0 表示到期时提醒。")
    )

    class Meta:
        verbose_name = _("回访规则")
        verbose_name_plural = _("回访规则")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.offset_amount} {self.get_offset_unit_display()}"


class ResponsibilityRule(models.Model):
    """Who makes the follow-up visits of a case, by its grade and handling level."""

    grade = models.CharField(_("风险等级"), max_length=16, choices=Grade.choices)
    level = models.CharField(_("处置层级"), max_length=16, choices=HandlingLevel.choices)
    role = models.CharField(_("负责角色"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("回访责任规则")
        verbose_name_plural = _("回访责任规则")
        ordering = ["grade", "level"]
        constraints = [
            models.UniqueConstraint(fields=["grade", "level"], name="responsibility_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_grade_display()}·{self.get_level_display()} → {self.get_role_display()}"


class WorkflowPolicy(models.Model):
    """Switches of local practice that are not per-grade: one row, edited in admin."""

    auto_propose_escalation = models.BooleanField(
        _("三次调解未成自动提级调处"),
        default=True,
        help_text=_("关闭后由办理人手动提级调处。"),
    )
    # The seed's "三三调处" reads "3次以上" as three tries that did not settle the dispute,
    # so by default a session that ends "继续调解" is one of them too.
    continuing_session_counts_as_failed = models.BooleanField(
        _("继续调解计入本级调解未成次数"),
        default=True,
        help_text=_(
            "开启时,结果为“未达成一致”或“继续调解”的调解都计入本级调解未成次数;"
            "关闭时只计入“未达成一致”。满三次即应提级调处。"
        ),
    )
    review_day = models.PositiveSmallIntegerField(
        _("月例会提醒日"), default=1, help_text=_("每月几号提醒村(社区)书记召开月例会(1-28)。")
    )
    review_hour = models.PositiveSmallIntegerField(_("月例会提醒时刻(时)"), default=8)

    class Meta:
        verbose_name = _("工作规则")
        verbose_name_plural = _("工作规则")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def clean(self):
        # Day 28 at most: every month has it, so the review is never skipped.
        errors = {}
        if not 1 <= self.review_day <= 28:
            errors["review_day"] = ValidationError(_("请填写1至28之间的日期。"), code="review_day")
        if not 0 <= self.review_hour <= 23:
            errors["review_hour"] = ValidationError(
                _("请填写0至23之间的时刻。"), code="review_hour"
            )
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> "WorkflowPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class LookBackRule(models.Model):
    """回头看 (seed 002: "定期开展回头看", so that a settled dispute does not flare up again):
    a look-back visit this many months after a case is closed, per grade. Several rows
    per grade give several look-backs; a grade with none gets none."""

    grade = models.CharField(_("风险等级"), max_length=16, choices=Grade.choices)
    months_after_closing = models.PositiveSmallIntegerField(_("销号后月数"))
    remind_before_hours = models.PositiveSmallIntegerField(
        _("提前提醒(小时)"), default=0, help_text=_("0 表示到期时提醒。")
    )
    # Rules are never deleted in the back office; one no longer wanted is switched off.
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("回头看规则")
        verbose_name_plural = _("回头看规则")
        ordering = ["grade", "months_after_closing"]
        constraints = [
            models.UniqueConstraint(
                fields=["grade", "months_after_closing"], name="look_back_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return _("%(grade)s:销号后%(months)d个月") % {
            "grade": self.get_grade_display(),
            "months": self.months_after_closing,
        }

    def clean(self):
        if not self.months_after_closing:
            raise ValidationError(
                {"months_after_closing": ValidationError(_("请填写1个月以上。"), code="min")}
            )


class ClockPolicy(models.Model):
    """The clocks a case runs against besides its grade's limit (one row, edited in admin):
    the mediation term (common provincial rule: 一般在一个月内完成调解, extendable with both
    parties' consent) and the petition regulation's clocks (信访工作条例: decide acceptance
    within 15 days, handle within 60, one extension of up to 30)."""

    mediation_term_days = models.PositiveSmallIntegerField(
        _("调解期限(天)"), default=30, help_text=_("自受理之日起计算。")
    )
    term_extension_max_days = models.PositiveSmallIntegerField(
        _("调解期限最多延长(天)"),
        default=30,
        help_text=_("经双方当事人同意延长的天数合计不超过此数。"),
    )
    term_extensions_max = models.PositiveSmallIntegerField(_("调解期限最多延长次数"), default=1)
    petition_route_days = models.PositiveSmallIntegerField(
        _("信访件受理期限(天)"), default=15, help_text=_("自登记之日起,决定是否受理。")
    )
    petition_handle_days = models.PositiveSmallIntegerField(
        _("信访件办理期限(天)"), default=60, help_text=_("自受理之日起计算。")
    )
    petition_extension_days = models.PositiveSmallIntegerField(
        _("信访件延期最长(天)"), default=30, help_text=_("只能延期一次。")
    )
    remind_days_before = models.PositiveSmallIntegerField(_("信访期限届满前提醒(天)"), default=3)

    class Meta:
        verbose_name = _("办理期限规则")
        verbose_name_plural = _("办理期限规则")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def clean(self):
        errors = {}
        for field in ("mediation_term_days", "petition_route_days", "petition_handle_days"):
            if getattr(self, field) < 1:
                errors[field] = ValidationError(_("期限至少为1天。"), code="min_days")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> "ClockPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
