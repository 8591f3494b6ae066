"""Reads of the audit trail, scoped like everything else: a user sees the entries about
objects of their area's subtree, and only clerks and supervisors see them at all."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from accounts.models import Role, User
from audit.registration import CASE_CHILDREN
from cases.models import Case, PersonalDataAccess

READER_ROLES = {Role.CLERK, Role.SUPERVISOR}


def may_read_audit(user: User) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.area_id is not None and user.role in READER_ROLES


def entries_within_reach(user: User, entries: QuerySet | None = None) -> QuerySet:
    """Entries about objects of the user's area subtree (by the area path each entry
    stored when it was written)."""
    if entries is None:
        entries = LogEntry.objects.all()
    if user.is_superuser:
        return entries
    if not may_read_audit(user):
        return entries.none()
    return entries.filter(additional_data__area_path__startswith=user.area.path)


def _case_child_models():
    from django.apps import apps

    models = []
    for name in CASE_CHILDREN:
        try:
            models.append(apps.get_model("cases", name))
        except LookupError:
            continue
    return models


def case_entries(case: Case) -> QuerySet:
    """The case's own entries and those of everything hanging off it, newest first. By
    content type and id (both indexed), not by the JSON ``case_id``."""
    condition = Q(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk)
    for model in _case_child_models():
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=model.objects.filter(case=case).values("pk"),
        )
    return (
        LogEntry.objects.filter(condition)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")
    )


def case_personal_data_accesses(case: Case) -> QuerySet:
    return (
        PersonalDataAccess.objects.filter(party__case=case)
        .select_related("user", "party")
        .order_by("-at", "-id")
    )
