"""The case: its grades, handling levels, statuses and the one statement of "overdue"."""

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from common.validators import validate_not_future_date
from grids.models import AreaLevel

from .lookups import CaseSource, DisputeType

if TYPE_CHECKING:  # agreements imports Case: at run time this would be circular
    from .agreements import Agreement


class Grade(models.TextChoices):
    BLUE = "blue", _("蓝色(一般)")
    YELLOW = "yellow", _("黄色(较大)")
    RED = "red", _("红色(重大)")


class HandlingLevel(models.TextChoices):
    """Who handles the case; the three-three rule escalates one step at a time."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村(社区)")
    TOWN = "town", _("乡镇(街道)")
    DISTRICT = "district", _("县级矛调中心")


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


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    MEDIATING = "mediating", _("调解中")
    # A written agreement is reached but not yet signed by all and sealed (art. 29): not
    # yet 调解成功, and still running against the time limit.
    AGREEMENT_SIGNING = "signing", _("协议待签")
    RESOLVED = "resolved", _("调解成功")
    FAILED = "failed", _("调解不成")
    # Settled, but by a department's decision, relief, a court or an arbitrator rather
    # than by a mediation agreement (seed 001's veterans and school case).
    RESOLVED_OTHERWISE = "resolved_other", _("其他方式化解")
    CLOSED = "closed", _("已销号")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    VOIDED = "voided", _("已作废")


# Cases still waiting to be resolved: these run against the time limit.
PENDING_STATUSES = (
    Status.REGISTERED,
    Status.ACCEPTED,
    Status.MEDIATING,
    Status.AGREEMENT_SIGNING,
)
# Cases still on somebody's problem list (问题清单), including those under follow-up.
OPEN_STATUSES = (*PENDING_STATUSES, Status.RESOLVED)
ENDED_STATUSES = (
    Status.FAILED,
    Status.RESOLVED_OTHERWISE,
    Status.CLOSED,
    Status.NOT_ACCEPTED,
    Status.WITHDRAWN,
)


class FailureReason(models.TextChoices):
    SESSIONS_FAILED = "sessions_failed", _("经调解未达成协议")
    PARTY_REFUSED = "party_refused", _("当事人拒绝调解(人民调解法第十七条)")
    # Not settled by mediation but passed to the people's court's fast-track team (速裁),
    # which settled it; supervisors count these apart from both successes and failures.
    FAST_TRACKED = "fast_tracked", _("转法院速裁解决")


class ResolutionMeans(models.TextChoices):
    """How a case settled without a mediation agreement was settled (其他方式化解)."""

    ADMINISTRATIVE = "administrative", _("行政处理")
    RELIEF = "relief", _("救助帮扶")
    LITIGATION = "litigation", _("引导诉讼")
    ARBITRATION = "arbitration", _("仲裁")
    OTHER = "other", _("其他")


def overdue_q(as_of: datetime.date) -> models.Q:
    """Overdue on ``as_of``: still pending with a time limit that ran out before that day.
    The one statement of the rule; ``Case.is_overdue`` is its twin for a loaded row.
    The time limit is ``due_on``, the earliest clock still running (``Case.running_clocks``):
    the grade's limit, the mediation term, and a petition's clock."""
    return models.Q(status__in=PENDING_STATUSES, due_on__lt=as_of)


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
    # 受理日期: the day the case was accepted (set by ``case_accept``); received_on is the
    # day it was registered. An escalation accepted by a higher level keeps this date.
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True, editable=False)
    # The mediation term (一般在一个月内完成调解) from acceptance, moved only by an extension
    # both parties agreed to (CaseTermExtension); the days extended so far.
    term_ends_on = models.DateField(_("调解期限"), null=True, blank=True, editable=False)
    term_extended_days = models.PositiveSmallIntegerField(
        _("调解期限已延长(天)"), default=0, editable=False
    )
    # Petition cases only (信访工作条例): decide acceptance by this day, then handle by this.
    petition_route_by = models.DateField(_("信访受理期限"), null=True, blank=True, editable=False)
    petition_handle_by = models.DateField(_("信访办理期限"), null=True, blank=True, editable=False)
    # The earliest clock still running: what "overdue" compares (see ``running_clocks``).
    due_on = models.DateField(_("办理期限"), null=True, blank=True, editable=False)
    # The petition clock last reminded of, and last reported overdue (claims of the sweep).
    petition_reminded_for = models.DateField(null=True, blank=True, editable=False)
    petition_reported_for = models.DateField(null=True, blank=True, editable=False)

    is_group = models.BooleanField(_("群体性纠纷"), default=False)
    people_involved = models.PositiveIntegerField(_("涉及人数"), null=True, blank=True)
    amount_at_stake = models.DecimalField(
        _("涉及金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    violence_risk = models.BooleanField(_("有民转刑风险"), default=False)
    petition_risk = models.BooleanField(_("有信访风险"), default=False)
    external_reference = models.CharField(
        _("转办编号"),
        max_length=64,
        blank=True,
        help_text=_("法院委托调解的案号、110警情单号、12345工单号或信访件编号"),
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
    # The day the parties were told their rights and duties (人民调解法 art. 23), as the
    # 权利义务告知书 says; recorded by ``case_record_rights_notice``.
    rights_told_on = models.DateField(_("权利义务告知日期"), null=True, blank=True, editable=False)
    routes_explained = models.BooleanField(_("已告知仲裁、行政、司法途径"), default=False)
    # Set only by case_resolve_otherwise; a closed case with a means was settled that way
    # (cases.outcomes counts it apart from 调解成功).
    resolution_means = models.CharField(
        _("化解途径"), max_length=16, choices=ResolutionMeans.choices, blank=True, editable=False
    )
    resolution_means_detail = models.CharField(
        _("其他途径说明"), max_length=100, blank=True, editable=False
    )
    resolution_action = models.TextField(_("处理情况"), blank=True, editable=False)
    resolution_department = models.CharField(
        _("处理部门或机构"), max_length=100, blank=True, editable=False
    )
    resolved_on = models.DateField(_("化解日期"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True, editable=False)
    void_reason = models.TextField(_("作废原因"), blank=True, editable=False)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True, editable=False)

    # The time limit (due_on) whose passing was last reported to the supervisors; a new
    # one (re-grade, reopening, extension, acceptance) is reported afresh.
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
            # The ledger hides voided cases; this partial index lets PostgreSQL count and
            # page a village's live cases from the index alone instead of the whole table.
            models.Index(
                fields=["area", "-received_on", "-id"],
                name="case_live_area_received_idx",
                condition=~models.Q(status="voided"),
            ),
            models.Index(fields=["status", "due_on"], name="case_status_due_idx"),
            # The overdue sweep's own filter: pending cases whose deadline has not yet been
            # reported. It stays tiny, so the sweep costs what is due, not what is stored.
            # (The sweep must keep exactly this filter for PostgreSQL to use it.)
            models.Index(
                fields=["due_on"],
                name="case_overdue_unreported_idx",
                condition=models.Q(status__in=["registered", "accepted", "mediating", "signing"])
                & ~models.Q(overdue_reported_for=models.F("due_on")),
            ),
            # Every case newest first: the admin lists voided cases too, and its date
            # drill-down reads the first and last day; the district's ledger filters out
            # the voided ones in the index. The included columns let the area scope, the
            # status and the grade be checked in the index (an index-only scan), so a capped
            # count or a deep page (common.pagination reads a page's ids first) reads no
            # table rows. A number prefix (``number LIKE 'x%'``) uses the ``_like`` index
            # Django makes for the unique ``number``.
            models.Index(
                fields=["-received_on", "-id"],
                name="case_received_idx",
                include=["area", "status", "grade"],
            ),
            # The dispute type filter, in the lists' order, for the ledger and the admin.
            models.Index(
                fields=["dispute_type", "-received_on", "-id"],
                name="case_type_received_idx",
                include=["area", "status", "grade"],
            ),
            # The cases still running against their time limit, in the lists' order: the
            # overdue filter (``overdue_q``) and the open statuses read only these (a tenth
            # of the cases), with the time limit at hand in the index.
            models.Index(
                fields=["-received_on", "-id"],
                name="case_pending_received_idx",
                include=["area", "status", "grade", "due_on"],
                condition=models.Q(status__in=["registered", "accepted", "mediating", "signing"]),
            ),
            # The same cases newest id first: the API's order (its cursor pages by id).
            models.Index(
                fields=["-id"],
                name="case_pending_id_idx",
                include=["area", "status", "grade", "due_on"],
                condition=models.Q(status__in=["registered", "accepted", "mediating", "signing"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        self._start_clocks()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "due_on",
                "term_ends_on",
                "petition_route_by",
                "petition_handle_by",
            }
        super().save(*args, **kwargs)

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
        return bool(self.is_pending and self.due_on and self.due_on < today)

    def running_clocks(self) -> dict[str, datetime.date]:
        """The clocks running in the case's status, by name. The case is due on the earliest.

        - Registered: the grade's time limit and, for a petition, the 15-day routing clock.
        - Accepted, mediating or awaiting signatures (协议待签: not yet in force, so not yet
          化解): the grade's limit, the mediation term (from acceptance) and,
          for a petition, the handling clock. The grade's limit is the office's target for
          a mediation in the ordinary term; an extension both parties agreed to lengthens
          that mediation, so it moves the grade's limit by the same days (a lawful
          extension alone does not make a case overdue). With the default policies the
          grade's limit comes first (red: 30 days from registration, the term 30 days from
          acceptance); the term binds where an office sets a longer grade limit.
          The petition clocks are statutory and move only by the petition extension.
        - Any other status: none.
        """
        if self.status == Status.REGISTERED:
            clocks = {"deadline": self.deadline, "petition_route_by": self.petition_route_by}
        elif self.status in (Status.ACCEPTED, Status.MEDIATING, Status.AGREEMENT_SIGNING):
            grade_limit = self.deadline and self.deadline + datetime.timedelta(
                days=self.term_extended_days
            )
            clocks = {
                "deadline": grade_limit,
                "term_ends_on": self.term_ends_on,
                "petition_handle_by": self.petition_handle_by,
            }
        else:
            clocks = {}
        return {name: day for name, day in clocks.items() if day is not None}

    def petition_clock(self) -> datetime.date | None:
        """The petition clock running now: routing while registered, then handling."""
        clocks = self.running_clocks()
        return clocks.get("petition_route_by") or clocks.get("petition_handle_by")

    def _start_clocks(self) -> None:
        """Start the clocks that begin now (from the policy in force), and recompute
        ``due_on``. Here rather than in each service because every step that moves a case
        or its dates (registration, acceptance, re-grading, reopening, editing, the back
        office) must leave ``due_on`` true, and all of them save the case."""
        from .policies import ClockPolicy  # policies imports this module

        petition = self.source_id is not None and self.source.is_petition
        needs_policy = (self.accepted_on and self.term_ends_on is None) or (
            petition
            and (
                self.status == Status.REGISTERED
                or (self.accepted_on and self.petition_handle_by is None)
            )
        )
        policy = ClockPolicy.current() if needs_policy else None
        if self.accepted_on and self.term_ends_on is None:
            self.term_ends_on = self.accepted_on + datetime.timedelta(
                days=policy.mediation_term_days + self.term_extended_days
            )
        if not petition:
            self.petition_route_by = self.petition_handle_by = None
        else:
            if self.status == Status.REGISTERED and self.received_on:
                # Follows a corrected registration date until the acceptance is decided.
                self.petition_route_by = self.received_on + datetime.timedelta(
                    days=policy.petition_route_days
                )
            if self.accepted_on and self.petition_handle_by is None:
                self.petition_handle_by = self.accepted_on + datetime.timedelta(
                    days=policy.petition_handle_days
                )
        self.due_on = min(self.running_clocks().values(), default=None)
