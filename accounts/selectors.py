"""Reads of accounts, scoped to what a user may manage."""

from django.db.models import QuerySet

from accounts.models import User
from grids.selectors import areas_within_reach


def users_in_reach(user) -> QuerySet:
    users = User.objects.filter(area__in=areas_within_reach(user).values("pk"))
    if not user.is_superuser:
        # A clerk may manage the accounts of their area, never a superuser's.
        users = users.filter(is_superuser=False)
    return users
