import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from galleries.workflow import publish_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Publish approved galleries whose publish time has come. Safe to run from several workers or cron at "
        "once: each gallery is published exactly once. With --every SECONDS, keep doing it until stopped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, metavar="SECONDS", help="Run again every SECONDS seconds.")
        parser.add_argument("--runs", type=int, metavar="N", help="With --every: stop after N runs.")

    def handle(self, *args, every: float | None = None, runs: int | None = None, **options) -> None:
        if every is not None and every <= 0:
            raise CommandError("--every takes a positive number of seconds.")
        stopping = []
        # A stop request waits for the current run to finish: a half-done publication is worse than a late one.
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        done = 0
        try:
            while True:
                self.run_once()
                done += 1
                if every is None or stopping or (runs is not None and done >= runs):
                    return
                deadline = time.monotonic() + every
                while time.monotonic() < deadline and not stopping:
                    time.sleep(min(1.0, every))
                if stopping:
                    return
        except KeyboardInterrupt:
            return

    def run_once(self) -> None:
        if not connection.in_atomic_block:
            # A long-lived loop must not keep a connection the database has dropped.
            close_old_connections()
        try:
            published = publish_due()
        except Exception:
            # A database hiccup must not end the loop; the next run picks the galleries up.
            logger.exception("publish_due failed")
            return
        for gallery in published:
            self.stdout.write(f"Published “{gallery.title}” ({gallery.slug}).")
