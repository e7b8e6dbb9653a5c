from django.core.management.base import BaseCommand

from galleries.popularity import fold_stats


class Command(BaseCommand):
    help = (
        "Fold cached view counters and the day's votes and comments into daily gallery stats; run it every few minutes."
    )

    def handle(self, *args, **options):
        touched = fold_stats()
        self.stdout.write(f"Folded stats for {touched} gallery days.")
