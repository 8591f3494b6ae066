"""Two beat processes sweeping at the same moment (PostgreSQL): one review per village,
one reminder per secretary, whichever sweep gets there first."""

import pytest
from django.db import connection

from notifications.models import Notification, NotificationKind
from reports.models import MonthlyReview
from reports.services import sweep_monthly_reviews
from tests.concurrency import run_concurrently
from tests.reports.helpers import MARCH, REVIEW_MOMENT

SWEEPS = 4


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers on the whole file",
)
# serialized_rollback restores the data migration's rows that the flush would remove.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_four_sweeps_at_once_open_each_review_once_and_remind_each_secretary_once(world):
    race = run_concurrently(SWEEPS, lambda _: sweep_monthly_reviews(now=REVIEW_MOMENT))

    assert race.unfinished == 0
    assert race.errors == []
    reminded = race.results
    assert sum(reminded) == 3
    assert MonthlyReview.objects.filter(month=MARCH).count() == 3
    assert sorted(
        Notification.objects.filter(kind=NotificationKind.MONTHLY_REVIEW).values_list(
            "recipient__username", flat=True
        )
    ) == ["secretary_a", "secretary_a2", "secretary_b"]
