"""The sweeps' cost follows what is due only if PostgreSQL can use their partial indexes:
the query's filter must imply the index's condition. With sequential scans switched off,
the plan shows whether it can."""

import pytest
from django.db import connection
from django.utils import timezone

from cases.followups import overdue_unreported
from cases.models import FollowUp

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partial indexes are checked on PostgreSQL"
)


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_the_overdue_sweep_reads_its_partial_index(db):
    assert "case_overdue_unreported_idx" in _plan(overdue_unreported(timezone.localdate())[:500])


def test_the_follow_up_sweep_reads_its_partial_index(db):
    due = FollowUp.objects.filter(
        done_at__isnull=True,
        reminded_at__isnull=True,
        cancelled_at__isnull=True,
        remind_at__lte=timezone.now(),
    ).order_by("remind_at")[:500]
    assert "follow_up_to_remind_idx" in _plan(due)
