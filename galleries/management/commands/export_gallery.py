from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from galleries.folders import FolderError, export_gallery_folder
from galleries.models import Gallery


class Command(BaseCommand):
    help = "Write a gallery as a folder: its originals, gallery.toml and captions.csv (what import_gallery reads)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("directory", type=Path)

    def handle(self, *args, slug: str, directory: Path, **options):
        gallery = Gallery.objects.filter(slug=slug).first()
        if gallery is None:
            raise CommandError(f"No gallery with the slug {slug!r}.")
        try:
            names = export_gallery_folder(gallery=gallery, directory=directory)
        except FolderError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Exported “{gallery}” with {len(names)} photos to {directory}")
