from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from galleries.folders import FolderError, import_gallery_folder


class Command(BaseCommand):
    help = "Create a draft gallery from a folder of images, gallery.toml and an optional captions.csv."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--by", help="Username recorded as the gallery's creator and the photos' uploader.")

    def handle(self, *args, directory: Path, by: str | None, **options):
        user = None
        if by:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"No user named {by!r}.")
        try:
            gallery, notes = import_gallery_folder(directory=directory, by=user)
        except FolderError as error:
            raise CommandError(f"{error} Nothing was imported.") from None
        for note in notes:
            self.stderr.write(note)
        url = settings.SITE_URL + reverse("admin:galleries_gallery_change", args=[gallery.pk])
        self.stdout.write(f"Imported “{gallery}” as a draft with {gallery.items.count()} photos: {url}")
