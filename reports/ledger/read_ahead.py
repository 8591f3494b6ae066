"""Reading the next chunk while this one is written: a helper thread with its own
database connection, a bounded queue between the two."""

import queue
import threading
from collections.abc import Callable, Iterator

from django.db import connection, connections
from django.utils import translation


def may_read_ahead() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


_END = object()


def in_background(produce: Callable[[], Iterator], depth: int = 2) -> Iterator:
    """Run ``produce()`` in a helper thread, at most ``depth`` items ahead of the reader
    (so memory stays at a few chunks). The thread has its own database connection, in
    the reader's language, and closes it when done; an error there is raised here; a
    reader that stops early stops the thread."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    language = translation.get_language()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            with translation.override(language):
                for item in produce():
                    if not put(item):
                        return
            put(_END)
        except BaseException as error:  # handed to the reader, raised there
            put(_Failed(error))
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name="ledger-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
