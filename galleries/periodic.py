"""The newsroom's recurring jobs, and the loop that repeats them.

`manage.py periodic --every SECONDS` runs them all: photos whose licence ended are taken down everywhere,
scheduled galleries go live, publications and withdrawals left half done are finished, renders a killed
worker left behind (or that failed while the storage was away) are queued again, and the day's view, vote
and comment counts are folded into the stats that Trending reads. Every job is safe to run on several
machines at once, and the loop outlives any outage of the database, cache or storage: a job that fails is
logged and tried again next run.
"""

import contextlib
import logging
import math
import signal
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connection, connections

logger = logging.getLogger(__name__)


def publish_due_galleries() -> str:
    from galleries.workflow import publish_due

    published = publish_due()
    return "".join(f"Published “{gallery.title}” ({gallery.slug}).\n" for gallery in published)


def take_down_ended_licences() -> str:
    from galleries.takedowns import take_down_ended_leases

    photos = take_down_ended_leases()
    return "".join(f"Took down photo {photo.pk} (“{photo}”): its licence ended.\n" for photo in photos)


def requeue_stuck_renders() -> str:
    from galleries.tasks import requeue_stuck_renders

    queued = requeue_stuck_renders()
    return f"Queued {queued} stuck photo(s) for rendering again.\n" if queued else ""


def repair_publications() -> str:
    from galleries.publication import repair_public_files

    fixed = repair_public_files()
    if not any(fixed.values()):
        return ""
    return (
        f"Repaired public files: {fixed['galleries']} gallery(ies) finished publishing, "
        f"{fixed['exposed']} photo(s) put up, {fixed['concealed']} taken down.\n"
    )


def retry_storage_failures() -> str:
    from galleries.tasks import retry_photos_failed_by_outage

    queued = retry_photos_failed_by_outage()
    return f"Queued {queued} photo(s) that failed while the storage was away.\n" if queued else ""


def fold_stats() -> str:
    from galleries.popularity import fold_stats

    fold_stats()
    return ""


JOBS: list[Callable[[], str]] = [
    take_down_ended_licences,
    publish_due_galleries,
    repair_publications,
    requeue_stuck_renders,
    retry_storage_failures,
    fold_stats,
]


# After a run that lost the database, the next comes this soon (or sooner with --every): the loop picks its
# work up within seconds of the database's return, not a whole interval later.
RETRY_AFTER_OUTAGE = 5.0


def run_jobs(jobs: list[Callable[[], str]], write: Callable[[str], None]) -> bool:
    """Run each job once; one that fails is logged and the others still run. False if the database failed."""
    healthy = True
    if not connection.in_atomic_block:
        # A long-lived loop must not keep a connection the database has dropped.
        try:
            close_old_connections()
        except DatabaseError:
            connections.close_all()
    for job in jobs:
        try:
            said = job()
        except Exception as error:
            # A database hiccup must not end the loop; the next run picks the work up.
            logger.exception("%s failed", job.__name__)
            if isinstance(error, DatabaseError) and not connection.in_atomic_block:
                healthy = False
                # The connection may be dead: the next job asks for a fresh one.
                with contextlib.suppress(DatabaseError):
                    connections.close_all()
            continue
        if said:
            write(said)
    return healthy


def repeat(run_once: Callable[[], bool | None], *, every: float | None, runs: int | None = None) -> None:
    """Call `run_once`, then again every `every` seconds until SIGTERM, Ctrl-C or `runs` runs.

    A stop request waits for the current run to finish: a half-done publication is worse than a late one.
    """
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    done = 0
    try:
        while True:
            healthy = run_once() is not False
            done += 1
            if every is None or stopping or (runs is not None and done >= runs):
                return
            deadline = time.monotonic() + (every if healthy else min(every, RETRY_AFTER_OUTAGE))
            while time.monotonic() < deadline and not stopping:
                time.sleep(min(1.0, every))
            if stopping:
                return
    except KeyboardInterrupt:
        return


class RepeatingCommand(BaseCommand):
    """A management command that runs `jobs()` once, or with --every SECONDS until stopped."""

    def jobs(self) -> list[Callable[[], str]]:
        raise NotImplementedError

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, metavar="SECONDS", help="Run again every SECONDS seconds.")
        parser.add_argument("--runs", type=int, metavar="N", help="With --every: stop after N runs.")

    def handle(self, *args, every: float | None = None, runs: int | None = None, **options) -> None:
        if every is not None and not 0 < every < math.inf:  # also NaN, which compares false to everything
            raise CommandError("--every takes a positive number of seconds.")
        if runs is not None and (every is None or runs < 1):
            raise CommandError("--runs takes a positive number, with --every.")
        repeat(lambda: run_jobs(self.jobs(), self.stdout.write), every=every, runs=runs)
