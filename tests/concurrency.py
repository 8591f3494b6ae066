"""Threads that race for real, for the PostgreSQL concurrency tests (row locks, unique keys,
SKIP LOCKED): one harness, so every such test starts its threads the same way."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections


@dataclass
class Race:
    """What the threads left: their results and exceptions in the order they finished, and
    how many were still running when the wait gave up (a deadlock or a lost wake-up)."""

    results: list = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    unfinished: int = 0


def run_concurrently(count: int, work: Callable[[int], object], timeout: float = 60) -> Race:
    """Call ``work(index)`` in ``count`` threads released at the same instant by a barrier.

    Each thread gets its own database connection (Django opens one per thread) and closes
    it at the end, so a transactional test's flush is not blocked by a thread's session.
    Per-thread set-up that must not take part in the race belongs before the call."""
    barrier = threading.Barrier(count, timeout=30)
    race = Race()
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            result = work(index)
            with lock:
                race.results.append(result)
        except BaseException as error:  # reported to the test through race.errors
            with lock:
                race.errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    race.unfinished = sum(thread.is_alive() for thread in threads)
    return race
