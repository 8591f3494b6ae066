"""Reads of the place hierarchy, scoped to what a user may see."""

from grids.models import Area, AreaQuerySet


def areas_within_reach(user) -> AreaQuerySet:
    """The user's own area and everything under it: the scope of every list they see.
    ``user`` is any account with ``area`` (accounts sit above grids, so no import)."""
    if user.is_superuser:
        return Area.objects.all()
    if not user.is_authenticated or user.area_id is None:
        return Area.objects.none()
    return Area.objects.subtree(user.area)
