import logging
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from galleries.folders import FolderError, import_gallery_folder

BAR_WIDTH = 30


@contextmanager
def quiet_task_log():
    # With in-process tasks each render logs two lines; a 45-photo import is followed by a bar, not 90 lines.
    logger = logging.getLogger("django.tasks")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Create a draft gallery from a folder of images, gallery.toml and an optional captions.csv. "
        "Shows a progress bar, then one line per problem."
    )

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
            with quiet_task_log():
                gallery, notes = import_gallery_folder(directory=directory, by=user, progress=self.progress)
        except FolderError as error:
            raise CommandError(f"{error}\nNothing was imported.") from None
        for note in notes:
            self.stderr.write(note)
        url = settings.SITE_URL + reverse("admin:galleries_gallery_change", args=[gallery.pk])
        self.stdout.write(f"Imported “{gallery}” as a draft with {gallery.items.count()} photos: {url}")

    def progress(self, done: int, total: int, name: str) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {name}".rstrip()
        if self.stderr.isatty():
            # One line redrawn in place on a terminal.
            self.stderr.write("\r" + line[:100].ljust(100), ending="\n" if done == total else "")
        elif done == total:
            self.stderr.write(line)
