from django.core.management.base import BaseCommand, CommandError

from galleries.periodic import publish_due_galleries, repeat, run_jobs


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
        repeat(lambda: run_jobs([publish_due_galleries], self.stdout.write), every=every, runs=runs)
