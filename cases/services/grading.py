"""What a case's grade sets: the level that handles it, the kind of team that does, and
the time limit, all read from the grade's policy (GradePolicy, edited in admin)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.models import LEVEL_SEQUENCE, Case, GradePolicy, HandlingLevel
from grids.models import Area, AreaLevel


def grade_policy(grade: str) -> GradePolicy:
    try:
        return GradePolicy.objects.get(grade=grade)
    except GradePolicy.DoesNotExist:
        raise ValidationError({"grade": _("该风险等级没有配置处置规则,请联系管理员。")}) from None


def handling_level_for(area: Area, policy: GradePolicy) -> HandlingLevel:
    """The grade's default level, but never below the level where the case sits."""
    area_floor = {
        AreaLevel.DISTRICT: HandlingLevel.DISTRICT,
        AreaLevel.TOWN: HandlingLevel.TOWN,
        AreaLevel.VILLAGE: HandlingLevel.VILLAGE,
    }.get(area.level, HandlingLevel.GRID)
    return max(HandlingLevel(policy.default_level), area_floor, key=LEVEL_SEQUENCE.index)


def deadline_for(start: datetime.date, policy: GradePolicy) -> datetime.date:
    return start + datetime.timedelta(days=policy.time_limit_days)


def team_kind_for(case: Case, policy: GradePolicy | None = None) -> str:
    """The kind of organisation that must handle ``case`` (blank: any, or none): its
    grade's team, while the case sits at its grade's own level. A yellow case registered
    at a town, or one handed up, is past the village committee its grade names."""
    policy = policy or grade_policy(case.grade)
    if case.level != policy.default_level:
        return ""
    return policy.team_kind
