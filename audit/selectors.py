"""Reads of the audit trail, scoped like everything else: a user sees the entries about
objects of their area's subtree, and only those ``audit.policy`` lets read them at all."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from accounts.models import User
from audit.policy import may_read_audit
from audit.registration import case_related_models
from cases.models import Case, PersonalDataAccess


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


def case_entries(case: Case) -> QuerySet:
    """The case's own entries and those of everything hanging off it, newest first. By
    content type and id (both indexed), not by the JSON ``case_id``."""
    condition = Q(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk)
    for model, lookup in case_related_models():
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=model.objects.filter(**{lookup: case}).values("pk"),
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
