"""The statistics' rollup: how many live cases of each kind each area received each day
and each month, kept exact by ``cases.rollup`` in the same transaction as every change.

``CaseTally`` is what one case currently contributes (its area, registration day and the
keys the figures count by); ``CaseRollup`` holds the sums of the tallies per key. A case's
change replaces its tally and moves its count from the old keys to the new ones.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from grids.models import Area

# The flags a tally carries beside its outcome, each the case's answer to one ``Q`` of
# ``cases.rollup.TALLY_FLAGS``; the breakdown rows keep only ``accepted`` (and
# ``concluded``, which follows from the outcome).
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


class CaseRollup(TallyKey):
    """The number of live cases (and their current agreements' amount) of one area,
    registration day or month, breakdown value, outcome and flags."""

    area = models.ForeignKey(
        Area, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()  # the month's first day for the month grain
    dimension = models.CharField(max_length=16, choices=Dimension.choices, blank=True)
    value = models.CharField(max_length=32, blank=True)
    n = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("案件统计汇总")
        verbose_name_plural = _("案件统计汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "grain", "day", "dimension", "value", "outcome", *FLAG_FIELDS],
                name="case_rollup_key_unique",
            )
        ]
        indexes = [
            # The readers ask for one dimension, grain and range of days over a subtree.
            models.Index(fields=["dimension", "grain", "day", "area"], name="case_rollup_read_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day} {self.dimension}={self.value} {self.outcome}: {self.n}"
