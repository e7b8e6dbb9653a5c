from django.core.management.base import BaseCommand, CommandError

from galleries import periodic


class Command(BaseCommand):
    help = (
        "Run the newsroom's recurring jobs: publish what is due, queue again the renders a stopped worker "
        "left behind, fold the day's counts into the stats. Safe on several machines at once. "
        "With --every SECONDS, keep doing it until stopped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, metavar="SECONDS", help="Run again every SECONDS seconds.")
        parser.add_argument("--runs", type=int, metavar="N", help="With --every: stop after N runs.")

    def handle(self, *args, every: float | None = None, runs: int | None = None, **options) -> None:
        if every is not None and every <= 0:
            raise CommandError("--every takes a positive number of seconds.")
        periodic.repeat(lambda: periodic.run_jobs(periodic.JOBS, self.stdout.write), every=every, runs=runs)
