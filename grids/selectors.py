"""Reads of the place hierarchy, scoped to what a user may see."""

from accounts.models import User
from grids.models import Area, AreaQuerySet


def areas_within_reach(user: User) -> AreaQuerySet:
    """The user's own area and everything under it: the scope of every list they see."""
    if user.is_superuser:
        return Area.objects.all()
    if not user.is_authenticated or user.area_id is None:
        return Area.objects.none()
    return Area.objects.subtree(user.area)
