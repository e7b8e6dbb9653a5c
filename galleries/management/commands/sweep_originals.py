from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from galleries.ingest import unreferenced_originals
from galleries.models import originals_storage


class Command(BaseCommand):
    help = "Delete private originals that no photo references: what a crash mid-upload or a deleted photo leaves."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=24,
            metavar="HOURS",
            help="Only files last written at least this many hours ago (default 24), so uploads in flight are safe.",
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be deleted; delete nothing.")

    def handle(self, *args, older_than: float, dry_run: bool, **options):
        if not 0 <= older_than <= 24 * 365 * 100:
            raise CommandError("--older-than takes a number of hours, 0 or more.")
        storage = originals_storage()
        count = total = 0
        for name, size in unreferenced_originals(older_than=timedelta(hours=older_than)):
            if not dry_run:
                storage.delete(name)
            self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {name} ({size} bytes)")
            count += 1
            total += size
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {count} unreferenced original{'s' if count != 1 else ''} ({total / (1024 * 1024):.1f} MB)."
        )
