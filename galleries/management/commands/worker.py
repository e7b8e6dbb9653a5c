"""`manage.py worker`: django-tasks-db's db_worker, made to outlive its dependencies.

- A database outage of any length is logged and waited out (pauses of 0.5 s growing to 5 s), then the
  worker carries on where it was; the job it held is put back in the queue.
- A heartbeat row (TaskWorker) is written every HEARTBEAT_EVERY from a thread of its own. The jobs of a
  worker whose heartbeat stops (SIGKILL, out of memory, a lost machine) are queued again by the next live
  worker or `periodic` within LOUPE_WORKER_LOST_SECONDS (45) plus RECOVER_EVERY (30), well inside two
  minutes, not after the 15 minutes of the fallback rule.
"""

import contextlib
import logging
import os
import socket
import threading
import time

from django.db import DatabaseError, connections
from django.utils import timezone
from django_tasks_db.management.commands import db_worker

from galleries.models import TaskWorker
from galleries.tasks import HEARTBEAT_EVERY, recover_abandoned_jobs, requeue_stuck_renders

logger = logging.getLogger("galleries.worker")

# How often a worker also looks for the jobs of dead workers; periodic does too.
RECOVER_EVERY = 30.0


class ResilientWorker(db_worker.Worker):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._stop = threading.Event()
        self._beats = threading.Thread(target=self._beat, name="loupe-heartbeat", daemon=True)

    def run(self) -> None:
        self._beats.start()
        pause = 0.5
        try:
            while self.running:
                try:
                    super().run()
                    return
                except DatabaseError as error:
                    logger.warning("Database unavailable (%s); worker %s waits %.1f s", error, self.worker_id, pause)
                    _forget_connections()
                    time.sleep(pause)
                    pause = min(pause * 2, 5.0)
                    self.startup_delay = False
                    if self._release_own_jobs():
                        pause = 0.5
        finally:
            self._stop.set()

    def _release_own_jobs(self) -> bool:
        """After losing the database mid-job, the job this worker held goes back in the queue."""
        try:
            recover_abandoned_jobs(worker_ids=[self.worker_id])
        except DatabaseError:
            _forget_connections()
            return False
        logger.warning("Database reachable again; worker %s carries on", self.worker_id)
        return True

    def _beat(self) -> None:
        host, pid = socket.gethostname()[:255], os.getpid()
        last_recovery = 0.0
        while not self._stop.is_set():
            try:
                TaskWorker.objects.update_or_create(
                    worker_id=self.worker_id, defaults={"seen_at": timezone.now(), "host": host, "pid": pid}
                )
                if time.monotonic() - last_recovery >= RECOVER_EVERY:
                    last_recovery = time.monotonic()
                    requeue_stuck_renders()
            except Exception:
                logger.warning("Heartbeat of worker %s not written", self.worker_id, exc_info=True)
                _forget_connections()
            self._stop.wait(HEARTBEAT_EVERY.total_seconds())
        _forget_connections()


def _forget_connections() -> None:
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            connection.close()


class Command(db_worker.Command):
    help = "Run background jobs from the database queue, surviving outages of the database, cache and storage."

    def handle(self, *args, **options) -> None:
        # db_worker builds its Worker inside handle(); the resilient one takes its place for this command.
        original, db_worker.Worker = db_worker.Worker, ResilientWorker
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original
