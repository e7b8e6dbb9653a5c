import hashlib
import io

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from PIL import Image

from galleries import imaging
from galleries.ingest import ingest_photo
from galleries.models import Gallery, Item, Photo, Photographer, Rendition, Section, Tag
from galleries.tasks import render_photo
from newsroom.models import Comment


def jpeg_bytes(size=(640, 480), color=(120, 90, 60), **save_options) -> bytes:
    """A real JPEG made with Pillow; vary `color` for distinct files."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=85, **save_options)
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    # Hashed at build time: a password set after save would not be saved, and force_login sessions would not hold.
    password = factory.django.Password("correct horse battery staple")


class PhotographerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photographer

    name = factory.Sequence(lambda n: f"Photographer {n}")
    slug = factory.Sequence(lambda n: f"photographer-{n}")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


# The tiny blurred preview a render stores on the photo; any valid one will do where nothing is encoded.
PLACEHOLDER = "data:image/webp;base64,UklGRiwAAABXRUJQVlA4ICAAAACQAQCdASoQAAsABABoJZQAAudZt7gA/vDDPZsZv1tAAA=="


class PhotoFactory(factory.django.DjangoModelFactory):
    """A photo stored through the real upload path, from a JPEG made with Pillow.

    Its renditions are, by default, sketched: the rows a render leaves (same widths, formats, social card,
    content-addressed names, private until published) over files of a few bytes, with no pixel encoded.
    That is all pages, feeds and the admin read. `rendered=True` runs the real render job instead, for
    tests of the files themselves: imaging, ingest, rendering, publication and what public files carry.
    """

    class Meta:
        model = Photo

    # Passed to _create (not a Param, which would be dropped) so every photo is a distinct file.
    seq = factory.Sequence(lambda n: n)
    rendered = False
    photographer = factory.SubFactory(PhotographerFactory)
    alt_text = "A test photograph."

    @classmethod
    def _create(cls, model_class, *args, seq=0, rendered=False, **kwargs):
        color = (seq * 37 % 256, seq * 91 % 256, seq * 53 % 256)
        photo = ingest_photo(
            data=jpeg_bytes(size=(400 + seq % 200, 300), color=color),
            filename=f"photo-{seq}.jpg",
            photographer=kwargs.pop("photographer", None),
        ).photo
        photo.refresh_from_db()
        if photo.state == Photo.State.READY:
            pass  # a test whose transactions commit: the render the upload queued has run already
        elif rendered:
            # Tests run inside a transaction that never commits, so the render the
            # upload queued for after the commit runs here, in-process, as a worker would.
            render_photo.call(photo_id=photo.pk)
            photo.refresh_from_db()
        else:
            sketch_renditions(photo, dominant_color="#{:02x}{:02x}{:02x}".format(*color))
        if kwargs:
            for name, value in kwargs.items():
                setattr(photo, name, value)
            photo.save()
        return photo


def sketch_renditions(photo: Photo, *, dominant_color: str = "#808080") -> list[Rendition]:
    """What the render job leaves for `photo`, rows and private files alike, without encoding a pixel.

    The widths follow the render's rules (every responsive width the original reaches, else its own width;
    a social card cropped to 1200x630's shape and no larger), so pages built on these rows match real ones.
    """
    width, height = photo.width, photo.height
    widths = [w for w in imaging.RESPONSIVE_WIDTHS if w <= width] or [width]
    specs = [
        (Rendition.Purpose.RESPONSIVE, fmt, w, max(1, round(w * height / width)))
        for w in widths
        for fmt in imaging.RENDITION_FORMATS
    ]
    target = imaging.SOCIAL_SIZE[0] / imaging.SOCIAL_SIZE[1]
    card = (round(height * target), height) if width / height > target else (width, round(width / target))
    if card[0] > imaging.SOCIAL_SIZE[0]:
        card = imaging.SOCIAL_SIZE
    specs.append((Rendition.Purpose.SOCIAL, "jpeg", *card))
    storage, rows = storages["renditions"], []
    for purpose, fmt, w, h in specs:
        data = f"{purpose} {fmt} {w}x{h}".encode()
        digest = hashlib.sha256(photo.sha256.encode() + data).hexdigest()[:40]
        name = storage.save(f"{digest[:2]}/{digest}.{imaging.EXTENSIONS[fmt]}", ContentFile(data))
        rows.append(
            Rendition(photo=photo, purpose=purpose, format=fmt, width=w, height=h, name=name, size_bytes=len(data))
        )
    Rendition.objects.bulk_create(rows)
    photo.state, photo.state_reason = Photo.State.READY, ""
    photo.placeholder, photo.dominant_color = PLACEHOLDER, dominant_color
    photo.save(update_fields=["state", "state_reason", "placeholder", "dominant_color", "updated_at"])
    return rows


class GalleryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gallery
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(
            status=Gallery.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1)),
        )
        in_review = factory.Trait(status=Gallery.Status.IN_REVIEW)
        approved = factory.Trait(status=Gallery.Status.APPROVED)
        withdrawn = factory.Trait(
            status=Gallery.Status.WITHDRAWN,
            published_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1)),
            withdrawn_reason="Withdrawn for legal review.",
        )

    title = factory.Sequence(lambda n: f"Gallery {n}")
    slug = factory.Sequence(lambda n: f"gallery-{n}")
    dek = "A summary of the story."
    section = factory.SubFactory(SectionFactory)

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        # items__photo__rendered=True gives every photo real renditions.
        if not create or not extracted:
            return
        for position in range(extracted):
            ItemFactory(gallery=self, position=position, **kwargs)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    gallery = factory.SubFactory(GalleryFactory)
    photo = factory.SubFactory(PhotoFactory)
    position = factory.Sequence(lambda n: n)
    headline = factory.Sequence(lambda n: f"Headline {n}")
    caption = "A caption in the photographer's own words."


class RenditionFactory(factory.django.DjangoModelFactory):
    """A rendition row; the file itself is not written (public pages only need its name and size)."""

    class Meta:
        model = Rendition

    photo = factory.SubFactory(PhotoFactory)
    purpose = Rendition.Purpose.RESPONSIVE
    format = Rendition.Format.JPEG
    width = 960
    height = factory.LazyAttribute(lambda r: round(r.width * r.photo.height / r.photo.width) if r.photo.width else 0)
    name = factory.LazyAttribute(lambda r: f"r/{r.photo.sha256[:16]}-{r.purpose}-{r.width}.{r.format}")
    size_bytes = 1000
    is_public = True


def add_renditions(photo, *, public=True, widths=(480, 960, 1600), formats=("avif", "webp", "jpeg")) -> list:
    """The responsive set and the 1200x630 social card of one photo, as the ingestion pipeline makes them."""
    made = [
        RenditionFactory.build(photo=photo, format=fmt, width=width, is_public=public)
        for fmt in formats
        for width in widths
    ]
    made.append(
        RenditionFactory.build(
            photo=photo, purpose=Rendition.Purpose.SOCIAL, format="jpeg", width=1200, height=630, is_public=public
        )
    )
    # One insert for the set: the 200-item page tests add two thousand of these. Where the photo's own render
    # already ran (tests whose transactions commit), the widths it made are kept.
    return Rendition.objects.bulk_create(made, ignore_conflicts=True)


def published_gallery(*, items=3, public=True, rendered=False, **kwargs) -> Gallery:
    """A published gallery whose photos have renditions and whose photographer is credited."""
    gallery = GalleryFactory(published=True, items=items, items__photo__rendered=rendered, **kwargs)
    photographers = set()
    for item in gallery.items.select_related("photo__photographer"):
        add_renditions(item.photo, public=public)
        if item.photo.photographer:
            photographers.add(item.photo.photographer)
    gallery.photographers.add(*photographers)
    if items:
        gallery.cover = gallery.items.first().photo
        gallery.save(update_fields=["cover"])
    return gallery


class CommentFactory(factory.django.DjangoModelFactory):
    """An approved comment; pass `parent=` for a reply (root and depth follow)."""

    class Meta:
        model = Comment

    gallery = factory.LazyAttribute(lambda c: c.parent.gallery if c.parent else GalleryFactory(published=True))
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    author_email = factory.LazyAttribute(lambda c: f"{c.author_name.lower().replace(' ', '.')}@example.org")
    body = factory.Sequence(lambda n: f"Comment number {n} about these photographs.")
    status = Comment.Status.APPROVED
    ip_hash = "0" * 32
    parent = None
    root = factory.LazyAttribute(lambda c: (c.parent.root or c.parent) if c.parent else None)
    depth = factory.LazyAttribute(lambda c: c.parent.depth + 1 if c.parent else 0)
    item = factory.LazyAttribute(lambda c: c.parent.item if c.parent else None)
