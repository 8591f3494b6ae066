"""Two beat processes sweeping at the same moment (PostgreSQL): one review per village,
one reminder per secretary, whichever sweep gets there first."""

import threading

import pytest
from django.db import connection, connections

from notifications.models import Notification, NotificationKind
from reports.models import MonthlyReview
from reports.services import sweep_monthly_reviews
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
    barrier = threading.Barrier(SWEEPS, timeout=30)
    reminded: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait()
            count = sweep_monthly_reviews(now=REVIEW_MOMENT)
            with lock:
                reminded.append(count)
        except BaseException as error:  # reported by the main thread
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sum(reminded) == 3
    assert MonthlyReview.objects.filter(month=MARCH).count() == 3
    assert sorted(
        Notification.objects.filter(kind=NotificationKind.MONTHLY_REVIEW).values_list(
            "recipient__username", flat=True
        )
    ) == ["secretary_a", "secretary_a2", "secretary_b"]
