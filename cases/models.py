import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from common.validators import (
    mask_id_number,
    mask_mobile,
    validate_id_number,
    validate_mobile,
    validate_not_future_date,
)
from grids.models import AreaLevel

# ---------------------------------------------------------------------------
# Lookup tables that offices edit (filled with DOMAIN §4's defaults by a data migration)
# ---------------------------------------------------------------------------


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

    class Meta(Lookup.Meta):
        verbose_name = _("案件来源")
        verbose_name_plural = _("案件来源")


class Grade(models.TextChoices):
    BLUE = "blue", _("蓝色(一般)")
    YELLOW = "yellow", _("黄色(较大)")
    RED = "red", _("红色(重大)")


class HandlingLevel(models.TextChoices):
    """Who handles the case; the three-three rule escalates one step at a time."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村(社区)")
    TOWN = "town", _("乡镇(街道)")
    DISTRICT = "district", _("区矛调中心")


LEVEL_SEQUENCE = [
    HandlingLevel.GRID,
    HandlingLevel.VILLAGE,
    HandlingLevel.TOWN,
    HandlingLevel.DISTRICT,
]

# The area level that receives a case handled at each level.
AREA_LEVEL_FOR_HANDLING = {
    HandlingLevel.GRID: AreaLevel.GRID,
    HandlingLevel.VILLAGE: AreaLevel.VILLAGE,
    HandlingLevel.TOWN: AreaLevel.TOWN,
    HandlingLevel.DISTRICT: AreaLevel.DISTRICT,
}


class GradePolicy(models.Model):
    """Local practice (DOMAIN §4): the time limit and first handling level per grade."""

    grade = models.CharField(_("等级"), max_length=16, choices=Grade.choices, unique=True)
    time_limit_days = models.PositiveSmallIntegerField(_("化解时限(天)"))
    default_level = models.CharField(
        _("默认处置层级"), max_length=16, choices=HandlingLevel.choices
    )
    handled_by = models.CharField(_("处置力量"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("分级处置规则")
        verbose_name_plural = _("分级处置规则")
        ordering = ["time_limit_days"]

    def __str__(self) -> str:
        return str(self.get_grade_display())


# ---------------------------------------------------------------------------
# The case
# ---------------------------------------------------------------------------


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    MEDIATING = "mediating", _("调解中")
    RESOLVED = "resolved", _("调解成功")
    FAILED = "failed", _("调解不成")
    CLOSED = "closed", _("已销号")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    VOIDED = "voided", _("已作废")


# Cases still waiting to be resolved: these run against the time limit.
PENDING_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING)
# Cases still on somebody's problem list (问题清单), including those under follow-up.
OPEN_STATUSES = (*PENDING_STATUSES, Status.RESOLVED)
ENDED_STATUSES = (Status.FAILED, Status.CLOSED, Status.NOT_ACCEPTED, Status.WITHDRAWN)


class FailureReason(models.TextChoices):
    SESSIONS_FAILED = "sessions_failed", _("经调解未达成协议")
    PARTY_REFUSED = "party_refused", _("当事人拒绝调解(人民调解法第十七条)")
    # Not settled by mediation but passed to the people's court's fast-track team (速裁),
    # which settled it; supervisors count these apart from both successes and failures.
    FAST_TRACKED = "fast_tracked", _("转法院速裁解决")


def overdue_q(as_of: datetime.date) -> models.Q:
    """Overdue on ``as_of``: still pending with a time limit that ran out before that day.
    The one statement of the rule; ``Case.is_overdue`` is its twin for a loaded row."""
    return models.Q(status__in=PENDING_STATUSES, deadline__lt=as_of)


class CaseQuerySet(models.QuerySet):
    def not_voided(self):
        return self.exclude(status=Status.VOIDED)

    def overdue(self, today: datetime.date | None = None):
        return self.filter(overdue_q(today or timezone.localdate()))


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=40, unique=True, editable=False)
    # Numbers run per town (or per district for cases taken directly by the district) and year.
    numbering_area = models.ForeignKey(
        "grids.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    number_year = models.PositiveSmallIntegerField(editable=False)
    number_sequence = models.PositiveIntegerField(editable=False)

    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("发生地(村/网格)"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    title = models.CharField(_("案件名称"), max_length=100)
    summary = models.TextField(_("简要案情"), max_length=4000)
    source = models.ForeignKey(
        CaseSource, verbose_name=_("来源"), on_delete=models.PROTECT, related_name="cases"
    )
    dispute_type = models.ForeignKey(
        DisputeType, verbose_name=_("纠纷类型"), on_delete=models.PROTECT, related_name="cases"
    )
    grade = models.CharField(_("风险等级"), max_length=16, choices=Grade.choices)
    level = models.CharField(_("处置层级"), max_length=16, choices=HandlingLevel.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED
    )

    occurred_on = models.DateField(
        _("发生日期"), null=True, blank=True, validators=[validate_not_future_date]
    )
    received_on = models.DateField(
        _("登记日期"), default=timezone.localdate, validators=[validate_not_future_date]
    )
    deadline = models.DateField(_("化解期限"), null=True, blank=True)

    is_group = models.BooleanField(_("群体性纠纷"), default=False)
    people_involved = models.PositiveIntegerField(_("涉及人数"), null=True, blank=True)
    amount_at_stake = models.DecimalField(
        _("涉及金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    violence_risk = models.BooleanField(_("有民转刑风险"), default=False)
    petition_risk = models.BooleanField(_("有信访风险"), default=False)
    external_reference = models.CharField(
        _("来文编号"), max_length=64, blank=True, help_text=_("法院、公安、信访、12345等转来的编号")
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
    )
    organisation = models.ForeignKey(
        "mediators.Organisation",
        verbose_name=_("调解组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    mediators = models.ManyToManyField(
        "mediators.Mediator", verbose_name=_("调解员"), blank=True, related_name="cases"
    )
    failed_attempts = models.PositiveSmallIntegerField(
        _("本级调解未成次数"), default=0, editable=False
    )

    outcome_reason = models.TextField(_("结果说明"), blank=True)
    failure_reason = models.CharField(
        _("调解不成原因"), max_length=32, choices=FailureReason.choices, blank=True
    )
    routes_explained = models.BooleanField(_("已告知仲裁、行政、司法途径"), default=False)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True, editable=False)
    void_reason = models.TextField(_("作废原因"), blank=True, editable=False)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True, editable=False)

    # The deadline whose passing was last reported to the supervisors; a new deadline
    # (re-grade, reopening) is reported afresh.
    overdue_reported_for = models.DateField(null=True, blank=True, editable=False)

    # Lower-cased number, title, summary and party names, kept by the services so a
    # ledger search is one indexed LIKE (a trigram index on PostgreSQL).
    search_text = models.TextField(editable=False, default="")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="registered_cases",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["numbering_area", "number_year", "number_sequence"],
                name="case_number_unique_per_town_year",
            ),
            # A sender's reference number registers one case (retries and double entry).
            models.UniqueConstraint(
                fields=["created_by", "source", "external_reference"],
                condition=~models.Q(external_reference=""),
                name="case_external_reference_unique_per_sender",
            ),
        ]
        indexes = [
            # The ledger hides voided cases; partial indexes let PostgreSQL count and
            # page a user's live cases from the index alone instead of the whole table.
            models.Index(
                fields=["area", "-received_on", "-id"],
                name="case_live_area_received_idx",
                condition=~models.Q(status="voided"),
            ),
            models.Index(
                fields=["-received_on", "-id"],
                name="case_live_received_idx",
                condition=~models.Q(status="voided"),
            ),
            models.Index(fields=["status", "deadline"], name="case_status_deadline_idx"),
            # The overdue sweep's own filter: pending cases whose deadline has not yet been
            # reported. It stays tiny, so the sweep costs what is due, not what is stored.
            # (The sweep must keep exactly this filter for PostgreSQL to use it.)
            models.Index(
                fields=["deadline"],
                name="case_overdue_unreported_idx",
                condition=models.Q(status__in=["registered", "accepted", "mediating"])
                & ~models.Q(overdue_reported_for=models.F("deadline")),
            ),
            models.Index(
                fields=["number"], name="case_number_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self):
        super().clean()
        # The column takes negative numbers; an amount at stake never is one.
        if self.amount_at_stake is not None and self.amount_at_stake < 0:
            raise ValidationError({"amount_at_stake": _("涉及金额不能为负数。")})

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_voided(self) -> bool:
        return self.status == Status.VOIDED

    @cached_property
    def agreement(self) -> "Agreement | None":
        """The agreement in force: the latest one not superseded by a reopening."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("agreements")
        if prefetched is not None:
            return next((a for a in prefetched if a.superseded_at is None), None)
        return self.agreements.filter(superseded_at__isnull=True).first()

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.is_pending and self.deadline and self.deadline < today)


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他当事人")


class PartyGender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Party(models.Model):
    """A party to the dispute (当事人). A case has at least one applicant and one respondent."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(_("身份"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(_("姓名/名称"), max_length=100)
    gender = models.CharField(_("性别"), max_length=8, choices=PartyGender.choices, blank=True)
    id_number = models.CharField(
        _("身份证号码"), max_length=18, blank=True, validators=[validate_id_number]
    )
    mobile = models.CharField(
        _("手机号码"), max_length=20, blank=True, validators=[validate_mobile]
    )
    address = models.CharField(_("住址"), max_length=200, blank=True)

    is_low_income = models.BooleanField(_("低保户"), default=False)
    is_extreme_poverty = models.BooleanField(_("特困人员"), default=False)
    is_elderly_sick_disabled = models.BooleanField(_("老弱病残"), default=False)
    is_veteran = models.BooleanField(_("退役军人"), default=False)
    is_poverty_alleviated = models.BooleanField(_("脱贫户"), default=False)
    is_minor = models.BooleanField(
        _("未满14周岁"), default=False, help_text=_("未成年人信息属敏感个人信息。")
    )
    refused_mediation = models.BooleanField(_("拒绝调解"), default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    VULNERABILITY_FLAGS = (
        "is_low_income",
        "is_extreme_poverty",
        "is_elderly_sick_disabled",
        "is_veteran",
        "is_poverty_alleviated",
        "is_minor",
    )

    def vulnerability_labels(self) -> list[str]:
        return [
            str(self._meta.get_field(flag).verbose_name)
            for flag in self.VULNERABILITY_FLAGS
            if getattr(self, flag)
        ]


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


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面协议")
    ORAL = "oral", _("口头协议")


class JudicialConfirmation(models.TextChoices):
    NOT_APPLIED = "not_applied", _("未申请")
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
    parties_signed = models.BooleanField(_("各方当事人已签名(盖章或按指印)"), default=False)
    mediator_signed = models.BooleanField(_("调解员已签名"), default=False)
    sealed = models.BooleanField(_("已加盖调委会印章"), default=False)
    signed_on = models.DateField(
        _("签署日期"), null=True, blank=True, validators=[validate_not_future_date]
    )
    effective_on = models.DateField(_("生效日期"), null=True, blank=True, editable=False)
    judicial_confirmation = models.CharField(
        _("司法确认"),
        max_length=16,
        choices=JudicialConfirmation.choices,
        default=JudicialConfirmation.NOT_APPLIED,
    )
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

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_form_display()}"

    @property
    def judicial_confirmation_deadline(self) -> datetime.date | None:
        if self.effective_on is None:
            return None
        return self.effective_on + JUDICIAL_CONFIRMATION_WINDOW


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


class FollowUpKind(models.TextChoices):
    PHONE = "phone", _("电话回访(24小时内)")
    HOME_VISIT = "home_visit", _("上门走访(7日内)")
    REVISIT = "revisit", _("反弹隐患再回访(1个月内)")
    LOOK_BACK = "look_back", _("回头看")


class PerformanceCheck(models.TextChoices):
    YES = "yes", _("正在履行/已履行")
    PARTLY = "partly", _("部分履行")
    NO = "no", _("未履行")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    NOT_SATISFIED = "not_satisfied", _("不满意")


class FollowUp(models.Model):
    """A follow-up visit (回访). Scheduling comes later; here it is a record."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField(_("回访类型"), max_length=16, choices=FollowUpKind.choices)
    due_at = models.DateTimeField(_("应回访时间"), null=True, blank=True)
    done_at = models.DateTimeField(
        _("回访时间"), null=True, blank=True, validators=[validate_not_future_date]
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    performance = models.CharField(
        _("协议履行情况"), max_length=16, choices=PerformanceCheck.choices, blank=True
    )
    satisfaction = models.CharField(
        _("满意度"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    rebound_signs = models.BooleanField(_("存在反弹隐患"), default=False)
    flared_again = models.BooleanField(_("纠纷再次激化"), default=False)
    notes = models.TextField(_("回访情况"), max_length=4000, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups_due",
    )
    # When the responsible person is reminded (due time less the rule's lead), and when
    # a sweep claimed that reminder; reminded_at is never cleared.
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("已提醒时间"), null=True, blank=True, editable=False)
    # A scheduled visit made moot when the dispute flared again and the case went back
    # to mediation; the new agreement schedules its own. Kept, never deleted.
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["case", "due_at", "id"]
        constraints = [
            # One outstanding visit of each kind per case: scheduling twice is a no-op.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(done_at__isnull=True, cancelled_at__isnull=True),
                name="follow_up_one_open_per_kind",
            )
        ]
        indexes = [
            # The reminder sweep reads only visits still waiting for their reminder, so
            # its cost follows what is due, not how many cases there are.
            models.Index(
                fields=["remind_at"],
                name="follow_up_to_remind_idx",
                condition=models.Q(
                    done_at__isnull=True, reminded_at__isnull=True, cancelled_at__isnull=True
                ),
            )
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("登记")
    EDITED = "edited", _("修改")
    ACCEPTED = "accepted", _("受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    WITHDRAWN = "withdrawn", _("撤回")
    SESSION = "session", _("调解记录")
    GRADE_CHANGED = "grade_changed", _("调整等级")
    ESCALATION_PROPOSED = "escalation_proposed", _("提请上报")
    ESCALATION_ACCEPTED = "escalation_accepted", _("上级接收")
    ESCALATION_RETURNED = "escalation_returned", _("上级退回")
    AGREEMENT = "agreement", _("达成协议")
    PERFORMANCE = "performance", _("履行情况")
    FOLLOW_UP = "follow_up", _("回访")
    FAILED = "failed", _("调解不成")
    CLOSED = "closed", _("销号")
    REOPENED = "reopened", _("重新调解")
    VOIDED = "voided", _("作废")
    ATTACHMENT_ADDED = "attachment_added", _("上传附件")
    ATTACHMENT_VOIDED = "attachment_voided", _("作废附件")


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

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.field} {self.at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------
# Policy that offices edit (DOMAIN §4 values are the defaults, set by a data migration)
# ---------------------------------------------------------------------------


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
        _("三次调解未成自动提请上报"),
        default=True,
        help_text=_("关闭后由办理人手动提请上报。"),
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

    @classmethod
    def current(cls) -> "WorkflowPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


# ---------------------------------------------------------------------------
# Attachments: scanned agreements and photos (cases.attachments stores and serves them)
# ---------------------------------------------------------------------------


class AttachmentKind(models.TextChoices):
    AGREEMENT_SCAN = "agreement_scan", _("调解协议书扫描件")
    PHOTO = "photo", _("现场照片")
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
