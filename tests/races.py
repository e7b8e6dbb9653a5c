"""Make requests race: many threads that reach the same query at the same moment."""

import contextlib
import threading
from collections.abc import Callable

from django.db import connection


def race_at_filter(monkeypatch, manager, act: Callable[[int], object], *, racers: int) -> None:
    """Run `act(n)` for n in range(racers), each in its own thread and database connection, holding every
    thread at `manager.filter` until all have arrived there (or 2 s have passed)."""
    barrier = threading.Barrier(racers)
    real_filter = manager.filter

    def filter_after_everyone_arrived(*args, **kwargs):
        # Every request has passed the lock (if any) and now counts at the same moment as the others.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=2)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(manager, "filter", filter_after_everyone_arrived)

    def run(n: int) -> None:
        try:
            act(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()
