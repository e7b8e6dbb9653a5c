import time
from argparse import ArgumentTypeError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from galleries import workflow
from galleries.ingest import atomic_ingest, ingest_photo
from galleries.models import Gallery, Item, Photo, Photographer, Section, Tag
from galleries.roles import sync_roles
from galleries.tasks import render_photo
from newsroom import demo
from newsroom.models import Comment

# How long the demo waits for a running task worker to finish a photo it claimed.
READY_WAIT_SECONDS = 300


def scene_size(value: str) -> tuple[int, int]:
    width, _, height = value.lower().partition("x")
    if not (width.isascii() and width.isdigit() and height.isascii() and height.isdigit()):
        raise ArgumentTypeError(f"{value!r} is not WIDTHxHEIGHT, such as 2400x1600.")
    size = int(width), int(height)
    if min(size) < settings.LOUPE_UPLOAD_MIN_SIDE or size[0] * size[1] > settings.LOUPE_UPLOAD_MAX_PIXELS:
        raise ArgumentTypeError(f"{value} is not a size an upload may have.")
    return size


class Command(BaseCommand):
    help = "Load demo photographers, users and galleries. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scene-size",
            type=scene_size,
            default="{}x{}".format(*demo.SCENE_SIZE),
            metavar="WIDTHxHEIGHT",
            help="Pixels of each painted photo (default %(default)s); small scenes load in a fraction of the time.",
        )
        parser.add_argument(
            "--painted",
            action="store_true",
            help="Paint every photo, even where Debian's mate-backgrounds photographs are installed.",
        )

    def handle(self, *args, **options):
        self.scene_size = options["scene_size"]
        self.real = not options["painted"] and demo.photographs_available()
        if settings.PRODUCTION:
            # Its logins, superuser included, have passwords printed in the source for anyone to read.
            raise CommandError("load_demo refuses to run in production: its demo logins have published passwords.")
        # The demo logins hold their roles' permissions exactly as listed, whatever the database held before.
        sync_roles()
        with atomic_ingest():
            users = self.load_users()
            photographers = self.load_photographers(users)
            created = [self.load_gallery(spec, photographers, users) for spec in demo.GALLERIES]
        # After the commit, so renditions exist; through the workflow, as the newsroom would do it.
        for spec, gallery in zip(demo.GALLERIES, created, strict=True):
            if gallery is not None and spec["published"]:
                self.publish(gallery, users)
                if spec["slug"] in demo.COMMENTS:
                    self.load_comments(gallery, demo.COMMENTS[spec["slug"]])
        made = sum(gallery is not None for gallery in created)
        self.stdout.write(f"Demo galleries: {made} created, {len(created) - made} already there.")
        self.stdout.write("Demo logins for /admin/:")
        for username, password, role, _ in demo.USERS:
            self.stdout.write(f"  {username:<13} {password:<26} {role or 'superuser'}")

    def load_users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, password, role, is_superuser in demo.USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": True, "is_superuser": is_superuser, "email": f"{username}@example.org"},
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            if role:
                user.groups.add(Group.objects.get_or_create(name=role)[0])
            users[username] = user
        return users

    def load_photographers(self, users) -> dict:
        photographers = {}
        for spec in demo.PHOTOGRAPHERS:
            photographer, _ = Photographer.objects.get_or_create(slug=spec["slug"], defaults=spec)
            photographers[spec["slug"]] = photographer
        amara = photographers["amara-okafor"]
        if amara.user_id is None:
            amara.user = users["photographer"]
            amara.save(update_fields=["user"])
        return photographers

    def load_gallery(self, spec, photographers, users) -> Gallery | None:
        if Gallery.objects.filter(slug=spec["slug"]).exists():
            return None
        photographer = photographers[spec["photographer"]]
        section, _ = Section.objects.get_or_create(slug=spec["section"][1], defaults={"name": spec["section"][0]})
        gallery = Gallery.objects.create(
            slug=spec["slug"],
            title=spec["title"],
            kind=spec["kind"],
            presentation=spec.get("presentation", Gallery.Presentation.STANDARD),
            dek=spec["dek"],
            introduction=spec["introduction"],
            section=section,
            created_by=users["photographer"],
        )
        gallery.photographers.add(photographer)
        for name, slug in spec["tags"]:
            gallery.tags.add(Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0])
        shots = spec.get("photographs") if self.real else None
        for position, ((headline, caption), scene) in enumerate(zip(spec["items"], spec["scenes"], strict=True)):
            shot = shots[position] if shots else None
            data = demo.photograph(shot) if shot else None
            if data is None:
                shot = None
                data = self.painted(scene, upright=position in spec.get("upright", ()))
            photo = ingest_photo(
                data=data,
                filename=f"{spec['slug']}-{position + 1:02d}.jpg",
                uploaded_by=users["photographer"],
                photographer=photographer,
            ).photo
            if shot:
                # The real author and licence, on the photo itself: every page and feed credits them.
                photo.credit_line = shot.author
                photo.copyright = f"© {shot.year} {shot.author}. Licence: {demo.PHOTOGRAPHS_LICENCE}."
                photo.alt_text = shot.alt
                photo.save(update_fields=["credit_line", "copyright", "alt_text"])
            elif not photo.alt_text:
                photo.alt_text = f"{headline or 'Photo'}: a painted scene standing in for a photograph."
                photo.save(update_fields=["alt_text"])
            Item.objects.create(gallery=gallery, photo=photo, position=position, headline=headline, caption=caption)
            if position == 0 and spec["kind"] == Gallery.Kind.ESSAY:
                # A listicle keeps no chosen cover: its first photo stands in, on cards and in social cards.
                gallery.cover = photo
        gallery.save(update_fields=["cover"])
        return gallery

    def painted(self, scene: demo.Scene, *, upright: bool) -> bytes:
        width, height = self.scene_size
        return demo.paint(scene, (height, width) if upright else (width, height))

    def publish(self, gallery: Gallery, users, *, wait: float = READY_WAIT_SECONDS) -> None:
        self.wait_until_rendered(gallery, wait=wait)
        workflow.submit_gallery(gallery=gallery, by=users["photographer"])
        workflow.approve_gallery(gallery=gallery, by=users["editor"])

    def wait_until_rendered(self, gallery: Gallery, *, wait: float) -> None:
        """Every photo of the gallery rendered: queued ones here and now, ones a running worker has claimed by
        that worker (this waits for it), so the demo loads whether or not task workers are running."""
        deadline = time.monotonic() + wait
        photos = Photo.objects.filter(items__gallery=gallery)
        while True:
            for photo_id in photos.filter(state=Photo.State.QUEUED).values_list("pk", flat=True):
                render_photo.call(photo_id=photo_id)
            busy = photos.filter(state=Photo.State.PROCESSING).count()
            if not busy:
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    f"{busy} photo(s) of “{gallery}” are still being rendered by a task worker after {wait:.0f} s. "
                    "Check the workers (manage.py db_worker) and run load_demo again."
                )
            time.sleep(0.25)

    def load_comments(self, gallery: Gallery, comments: list[tuple]) -> None:
        """Approved reader comments, with a reply each, on the gallery and on one of its photos."""
        made = {}
        for key, parent_key, position, author, body in comments:
            parent = made.get(parent_key)
            made[key] = Comment.objects.create(
                gallery=gallery,
                item=gallery.items.get(position=position - 1) if position else None,
                parent=parent,
                root=parent.root or parent if parent else None,
                depth=parent.depth + 1 if parent else 0,
                author_name=author,
                author_email=f"{slugify(author)}@example.org",
                body=body,
                status=Comment.Status.APPROVED,
            )
