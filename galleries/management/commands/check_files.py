from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from galleries.models import Photo, Rendition


class Command(BaseCommand):
    help = "Check that every photo has its files: its original, its renditions, and the public copies it should."

    def handle(self, *args, **options) -> None:
        originals, private, public = storages["originals"], storages["renditions"], storages["default"]
        missing = []
        photos = 0
        for photo in Photo.objects.order_by("pk").only("pk", "original", "state").iterator(chunk_size=500):
            photos += 1
            if not photo.original.name or not originals.exists(photo.original.name):
                missing.append(f"photo {photo.pk}: original {photo.original.name or '(none)'}")
        renditions = Rendition.objects.filter(photo__state=Photo.State.READY).order_by("pk")
        count = 0
        for rendition in renditions.only("pk", "photo_id", "name", "is_public").iterator(chunk_size=500):
            count += 1
            if not private.exists(rendition.name):
                missing.append(f"photo {rendition.photo_id}: rendition {rendition.name}")
            if rendition.is_public and not public.exists(rendition.name):
                missing.append(f"photo {rendition.photo_id}: public copy {rendition.name}")
        for line in missing:
            self.stderr.write(f"Missing: {line}")
        if missing:
            raise CommandError(f"{len(missing)} file(s) missing for {photos} photos; see above.")
        self.stdout.write(f"{photos} photos, {count} renditions: every file is there.")
