"""The statistics' rollups: how many live cases of each kind each area received each day
and each month, kept exact by ``cases.rollup`` in the same transaction as every change.

``CaseTally`` is what one case currently contributes (its area, registration day,
outcome, flags, breakdown keys and amount); ``CaseRollup`` holds the tallies' counters
summed per area, day (or month) and breakdown value. A case's change replaces its tally
and moves its counts from the old rows to the new ones.

``FollowUpTally`` and ``FollowUpRollup`` do the same for the follow-up visits of the
live cases: each visit counts on the local day it was due (due, done, on time) and on
the local day it was made (visited, answered, satisfied, rebound signs, flared again).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from grids.models import Area

# The flags a tally carries beside its outcome, each the case's answer to one ``Q`` of
# ``cases.rollup.TALLY_FLAGS``; ``CaseRollup`` has a counter of each.
FLAG_FIELDS = (
    "accepted",
    "concluded",
    "first_time",
    "on_the_spot",
    "crimes_prevented",
    "group_settled",
    "petition_settled",
)


class Grain(models.TextChoices):
    DAY = "d", _("日")
    MONTH = "m", _("月")


class Dimension(models.TextChoices):
    """What a rollup row is broken down by beside the area: nothing (the figures), or
    one of the breakdowns' keys."""

    NONE = "", _("合计")
    DISPUTE_TYPE = "dispute_type", _("纠纷类型")
    SOURCE = "source", _("来源")
    GRADE = "grade", _("风险等级")
    LEVEL = "level", _("处置层级")
    # The cases still pending, by their time limit (``due_on``, ISO date): overdue on a
    # day are the rows whose value comes before it (``cases.models.overdue_q``).
    DUE_ON = "due_on", _("办理期限")
    # The repeat disputes (``CaseTally.repeat_depth`` not None), by their repeat depth and
    # dispute type ("2/17"): a case is a repeat dispute of an area of depth d when its
    # repeat depth is d or more.
    REPEAT = "repeat", _("重复纠纷")


class TallyKey(models.Model):
    """The outcome and flags a tally and a rollup row share."""

    outcome = models.CharField(max_length=24)
    accepted = models.BooleanField(default=False)
    concluded = models.BooleanField(default=False)
    first_time = models.BooleanField(default=False)
    on_the_spot = models.BooleanField(default=False)
    crimes_prevented = models.BooleanField(default=False)
    group_settled = models.BooleanField(default=False)
    petition_settled = models.BooleanField(default=False)

    class Meta:
        abstract = True


class CaseTally(TallyKey):
    """What one live case adds to the rollup now (no row for a voided case)."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    area = models.ForeignKey(
        Area, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    received_on = models.DateField()
    grade = models.CharField(max_length=16)
    level = models.CharField(max_length=16)
    dispute_type_key = models.IntegerField()
    source_key = models.IntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # The time limit of a case still pending (None otherwise): what overdue is judged by.
    pending_due_on = models.DateField(null=True, blank=True)
    # The depth of the deepest area holding this case and an earlier case of one of its
    # parties within the repeat window (``cases.people.repeat_depth``); None when none.
    repeat_depth = models.PositiveSmallIntegerField(null=True, blank=True)
    # What a later case can find this case's parties by (``cases.people.offered_keys``),
    # as they were at the last refresh: the later cases to judge again when they change.
    repeat_keys = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("案件统计归集")
        verbose_name_plural = _("案件统计归集")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.outcome}"


class CaseRollup(models.Model):
    """The counts of the live cases of one area received on one day (or in one month),
    of one kind (a breakdown's value) or of every kind (the figures' row): one counter per
    figure, and the amount of their current agreements."""

    area = models.ForeignKey(
        Area, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()  # the month's first day for the month grain
    dimension = models.CharField(max_length=16, choices=Dimension.choices, blank=True)
    value = models.CharField(max_length=32, blank=True)
    # Every case counts in "received", in its outcome's counter and in each of its flags'.
    received = models.IntegerField(default=0)
    awaiting = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)
    successful = models.IntegerField(default=0)
    fast_tracked = models.IntegerField(default=0)
    resolved_otherwise = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    not_accepted = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    concluded = models.IntegerField(default=0)
    first_time = models.IntegerField(default=0)
    on_the_spot = models.IntegerField(default=0)
    crimes_prevented = models.IntegerField(default=0)
    group_settled = models.IntegerField(default=0)
    petition_settled = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("案件统计汇总")
        verbose_name_plural = _("案件统计汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "grain", "day", "dimension", "value"],
                name="case_rollup_key_unique",
            )
        ]
        indexes = [
            # The readers ask for one dimension, grain and range of days over a subtree.
            models.Index(fields=["dimension", "grain", "day", "area"], name="case_rollup_read_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day} {self.dimension}={self.value}: {self.received}"


# The counters of a follow-up rollup row: the first three count the visits due that day
# (neither cancelled nor waived), the others the visits made that day.
VISIT_COUNTERS = (
    "due",
    "due_done",
    "due_on_time",
    "visited",
    "answered",
    "satisfied",
    "rebound_signs",
    "flared_again",
)


class FollowUpTally(models.Model):
    """What one visit of a live case adds to the follow-up rollup now (no row for a
    visit of a voided case)."""

    follow_up = models.OneToOneField(
        "cases.FollowUp", on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    area = models.ForeignKey(
        Area, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The local day it is due when it counts as due (not cancelled or waived), else None.
    due_day = models.DateField(null=True, blank=True)
    due_done = models.BooleanField(default=False)
    due_on_time = models.BooleanField(default=False)
    # The local day it was made, None while not made.
    done_day = models.DateField(null=True, blank=True)
    answered = models.BooleanField(default=False)
    satisfied = models.BooleanField(default=False)
    rebound_signs = models.BooleanField(default=False)
    flared_again = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("回访统计归集")
        verbose_name_plural = _("回访统计归集")
        indexes = [models.Index(fields=["case"], name="follow_up_tally_case_idx")]

    def __str__(self) -> str:
        return f"{self.follow_up_id}: {self.due_day} {self.done_day}"


class FollowUpRollup(models.Model):
    """The visits of the live cases of one area due or made on one local day (or in one
    month): one counter per figure (``VISIT_COUNTERS``)."""

    area = models.ForeignKey(
        Area, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()  # the month's first day for the month grain
    due = models.IntegerField(default=0)
    due_done = models.IntegerField(default=0)
    due_on_time = models.IntegerField(default=0)
    visited = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    rebound_signs = models.IntegerField(default=0)
    flared_again = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("回访统计汇总")
        verbose_name_plural = _("回访统计汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "grain", "day"], name="follow_up_rollup_key_unique"
            )
        ]
        indexes = [
            models.Index(fields=["grain", "day", "area"], name="follow_up_rollup_read_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day}: {self.due}/{self.visited}"
