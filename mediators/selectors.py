"""Reads of mediators and organisations, scoped to what a user may see: those of the
user's area and everything under it."""

from django.db.models import QuerySet

from grids.selectors import areas_within_reach
from mediators.models import Mediator, Organisation


def organisations_in_reach(user) -> QuerySet:
    return Organisation.objects.filter(area__in=areas_within_reach(user).values("pk"))


def mediators_in_reach(user) -> QuerySet:
    return Mediator.objects.filter(area__in=areas_within_reach(user).values("pk"))
