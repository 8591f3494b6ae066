"""The statistics' rollup: how many live cases of each kind each area received each day
and each month, kept exact by ``cases.rollup`` in the same transaction as every change.

``CaseTally`` is what one case currently contributes (its area, registration day,
outcome, flags, breakdown keys and amount); ``CaseRollup`` holds the tallies' counters
summed per area, day (or month) and breakdown value. A case's change replaces its tally
and moves its counts from the old rows to the new ones.
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
