from django.core.management.base import BaseCommand, CommandError

from galleries.models import Photo
from galleries.tasks import requeue_stuck_renders, rerender_photos


class Command(BaseCommand):
    help = "Make a photo's renditions again (after a settings change, or for jobs a dead worker left behind)."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="Photo IDs.")
        parser.add_argument("--all", action="store_true", help="Every photo.")
        parser.add_argument("--stuck", action="store_true", help="Photos a stopped worker left.")

    def handle(self, *args, ids, all, stuck, **options):
        if sum([bool(ids), all, stuck]) != 1:
            raise CommandError("Give photo IDs, --all or --stuck (one of them).")
        if stuck:
            # The same rule as periodic's, three-failure cap included: a photo that keeps killing its
            # worker is marked failed, not queued for ever.
            queued = requeue_stuck_renders()
            self.stdout.write(f"{queued} stuck photo{'s' if queued != 1 else ''} queued for rendering again.")
            return
        if all:
            photos = Photo.objects.order_by("pk")
        else:
            photos = Photo.objects.filter(pk__in=ids).order_by("pk")
            missing = set(ids) - set(photos.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No photo with ID {', '.join(map(str, sorted(missing)))}.")
        photo_ids = list(photos.values_list("pk", flat=True))
        total, queued = len(photo_ids), 0
        for done, photo_id in enumerate(photo_ids, start=1):
            # One at a time: with in-process tasks each photo renders here,
            # and the bar moves as it does.
            queued += rerender_photos(photos=Photo.objects.filter(pk=photo_id))
            self._progress(done, total)
        if total:
            self.stdout.write("")
        skipped = total - queued
        self.stdout.write(
            f"{queued} photo{'s' if queued != 1 else ''} queued for rendering"
            + (f", {skipped} skipped (a worker is rendering them now)." if skipped else ".")
        )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stdout.flush()
