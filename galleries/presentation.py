"""What gallery and photo pages show, worked out from prefetched rows as plain values; templates write the markup."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote

from django.conf import settings
from django.db.models import CharField, DateTimeField, IntegerField, Value

from galleries.imaging import CONTENT_TYPES
from galleries.markup import plain_text
from galleries.models import CorrectionNote, FaqEntry, Gallery, GalleryLink, Item, Rendition

# The photo column: main is 70rem wide with 1.25rem padding on each side.
PICTURE_SIZES = "(min-width: 70rem) 67.5rem, calc(100vw - 2.5rem)"
# Best format first: browsers take the first <source> they can show.
PICTURE_FORMATS = ("avif", "webp", "jpeg")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# A one-pixel image of the photo's dominant colour, shown while the photo loads (an image, so no inline style).
_COLOUR_SVG = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'><rect width='1' height='1' fill='{}'/></svg>"

# Where a page finds a rendition's file: the public storage, or the staff view of files not public yet.
RenditionUrl = Callable[[Rendition], str]


def public_url(rendition: Rendition) -> str:
    return rendition.url


def preview_url(rendition: Rendition) -> str:
    return getattr(rendition, "preview_url", "") or ""


def absolute(url: str) -> str:
    """Media URLs are relative on the embedded default and absolute behind a CDN."""
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


@dataclass(frozen=True)
class Source:
    type: str
    srcset: str


@dataclass(frozen=True)
class Picture:
    sources: tuple[Source, ...]
    src: str
    width: int
    height: int
    largest: str
    type: str  # of `src` and `largest`
    placeholder: str = ""
    # The largest file's own size, for the structured data and feeds that name it.
    largest_width: int = 0
    largest_height: int = 0
    largest_bytes: int = 0


@dataclass(frozen=True)
class SocialImage:
    url: str
    width: int
    height: int
    type: str = "image/jpeg"


def placeholder_uri(photo) -> str:
    if photo.placeholder.startswith("data:image/"):
        return photo.placeholder
    if _COLOUR.fullmatch(photo.dominant_color or ""):
        return "data:image/svg+xml," + quote(_COLOUR_SVG.format(photo.dominant_color), safe="/:=' ")
    return ""


def build_picture(photo, *, url: RenditionUrl = public_url) -> Picture | None:
    """The responsive renditions of `photo` (prefetched) as a <picture>'s values, or None without any."""
    by_format: dict[str, list[tuple[int, int, str, int]]] = {}
    for rendition in photo.renditions.all():
        if rendition.purpose == Rendition.Purpose.RESPONSIVE and (address := url(rendition)):
            by_format.setdefault(rendition.format, []).append(
                (rendition.width, rendition.height, address, rendition.size_bytes)
            )
    fallback_format = "jpeg" if "jpeg" in by_format else "webp"
    fallback = sorted(by_format.get(fallback_format, []))
    if not fallback:
        return None
    sources = tuple(
        Source(
            type=CONTENT_TYPES[fmt], srcset=", ".join(f"{address} {width}w" for width, _, address, *_ in sorted(sized))
        )
        for fmt in PICTURE_FORMATS
        if (sized := by_format.get(fmt))
    )
    # A middle size for browsers without srcset; the largest for the lightbox.
    width, height, src, _ = fallback[min(len(fallback) - 1, len(fallback) // 2)]
    largest_width, largest_height, largest, largest_bytes = fallback[-1]
    return Picture(
        sources=sources,
        src=src,
        width=width,
        height=height,
        largest=largest,
        type=CONTENT_TYPES[fallback_format],
        placeholder=placeholder_uri(photo),
        largest_width=largest_width,
        largest_height=largest_height,
        largest_bytes=largest_bytes,
    )


def social_image(photo, *, url: RenditionUrl = public_url) -> SocialImage | None:
    """The 1200x630 card of `photo` (renditions prefetched) for Open Graph and Twitter, JPEG preferred."""
    if photo is None:
        return None
    best = None
    for rendition in photo.renditions.all():
        if rendition.purpose != Rendition.Purpose.SOCIAL or rendition.format not in {"jpeg", "webp"}:
            continue
        if (best is None or rendition.format == "jpeg") and (address := url(rendition)):
            best = SocialImage(
                url=absolute(address),
                width=rendition.width,
                height=rendition.height,
                type=CONTENT_TYPES[rendition.format],
            )
    return best


class PageItem:
    """One photo of a gallery as its pages show it; `base` is where the gallery's page is."""

    def __init__(self, item: Item, *, gallery: Gallery, base: str, url: RenditionUrl, gallery_url: str = ""):
        self.item = item
        self.gallery = gallery
        self.base = base
        self.rendition_url = url
        self.gallery_url = gallery_url or gallery.get_absolute_url()

    @property
    def number(self) -> int:
        return self.item.number

    @property
    def anchor(self) -> str:
        return f"photo-{self.number}"

    @cached_property
    def url(self) -> str:
        return f"{self.base}photos/{self.item.pk}/"

    @cached_property
    def canonical(self) -> str:
        return absolute(f"{self.gallery_url}photos/{self.item.pk}/")

    @cached_property
    def picture(self) -> Picture | None:
        return build_picture(self.item.photo, url=self.rendition_url)

    @property
    def unavailable(self) -> bool:
        """The photo was taken down: the page says so in its place and keeps the caption."""
        return self.item.is_unavailable

    @property
    def alt(self) -> str:
        # The words describe a photo that is gone, perhaps the very person who asked for it to go.
        return "" if self.unavailable else self.item.effective_alt_text

    @cached_property
    def credit(self) -> str:
        return self.item.credit

    @property
    def share_mailto(self) -> str:
        subject = quote(self.item.headline or self.gallery.title, safe="")
        return f"mailto:?subject={subject}&body={quote(self.canonical, safe='')}"


@dataclass(frozen=True)
class Notes:
    """A published gallery's dated corrections, "more info" links and FAQ."""

    corrections: list[dict]
    links: list[dict]
    faq: list[dict]


def gallery_notes(gallery: Gallery) -> Notes:
    """The corrections, links and FAQ of a gallery in one query: each is a few rows or none.

    The three lists share one shape (two texts, a time, a position), so one union reads them.
    """
    none = {"text": Value("", output_field=CharField()), "time": Value(None, output_field=DateTimeField())}
    zero = Value(0, output_field=IntegerField())
    corrections = (
        CorrectionNote.objects.filter(gallery=gallery)
        .order_by()
        .values_list(Value("correction"), "text", none["text"], "created_at", zero, "pk")
    )
    links = (
        GalleryLink.objects.filter(gallery=gallery)
        .order_by()
        .values_list(Value("link"), "label", "url", none["time"], "position", "pk")
    )
    faq = (
        FaqEntry.objects.filter(gallery=gallery)
        .order_by()
        .values_list(Value("faq"), "question", "answer", none["time"], "position", "pk")
    )
    notes = Notes(corrections=[], links=[], faq=[])
    # In each model's Meta.ordering: corrections by time, links and questions by position.
    for kind, first, second, at, *_ in sorted(
        corrections.union(links, faq, all=True), key=lambda row: (row[0], row[3] or 0, row[4], row[5])
    ):
        if kind == "correction":
            notes.corrections.append({"text": first, "created_at": at})
        elif kind == "link":
            notes.links.append({"label": first, "url": second})
        else:
            notes.faq.append({"question": first, "answer": second})
    return notes


class GalleryPage:
    """A gallery page's values, each loaded when the template first asks: a cached fragment asks for none.

    `base` is where the page lives (a preview's own address, for one), `url` where its files are.
    """

    sizes = PICTURE_SIZES

    def __init__(
        self, gallery: Gallery, *, base: str, order: str = "", url: RenditionUrl = public_url, renditions=None
    ):
        self.gallery = gallery
        self.base = base
        self.order = order
        self.rendition_url = url
        self.renditions = renditions

    @property
    def story(self) -> bool:
        return self.gallery.kind == Gallery.Kind.STORY

    @cached_property
    def items(self) -> list[PageItem]:
        items = Item.objects.filter(gallery=self.gallery).for_page(renditions=self.renditions)
        gallery_url = self.gallery.get_absolute_url()
        return [
            PageItem(item, gallery=self.gallery, base=self.base, url=self.rendition_url, gallery_url=gallery_url)
            for item in items
        ]

    @cached_property
    def shown_items(self) -> list[PageItem]:
        """The items in the order the reader asked for: the editors' or by votes."""
        if self.order != "votes":
            return self.items
        return sorted(self.items, key=lambda entry: (-entry.item.vote_count, entry.item.position, entry.item.pk))

    @cached_property
    def photographers(self) -> list:
        return list(self.gallery.photographers.all())

    @cached_property
    def tags(self) -> list:
        return list(self.gallery.tags.all())

    @cached_property
    def notes(self) -> Notes:
        return gallery_notes(self.gallery)

    @cached_property
    def social(self) -> SocialImage | None:
        photos = {entry.item.photo_id: entry.item.photo for entry in self.items}
        cover = photos.pop(self.gallery.cover_id, None)
        # A cover taken down has no card: the first photo that still has one stands in.
        for photo in [cover, *photos.values()]:
            if photo is not None and (card := social_image(photo, url=self.rendition_url)):
                return card
        return None

    @cached_property
    def json_ld(self) -> dict:
        gallery = self.gallery
        canonical = absolute(gallery.get_absolute_url())
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": gallery.title[:110],
            "description": plain_text(gallery.dek),
            "url": canonical,
            "mainEntityOfPage": canonical,
            "author": [
                {"@type": "Person", "name": p.name, "url": absolute(p.get_absolute_url())} for p in self.photographers
            ],
            "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "url": settings.SITE_URL},
            "associatedMedia": {
                "@type": "ImageGallery",
                "name": gallery.title,
                "associatedMedia": [_image_object(entry) for entry in self.shown_items],
            },
        }
        if gallery.published_at:
            data["datePublished"] = gallery.published_at.isoformat()
            data["dateModified"] = max(gallery.published_at, gallery.updated_at).isoformat()
        if self.social:
            data["image"] = [
                {
                    "@type": "ImageObject",
                    "url": self.social.url,
                    "width": self.social.width,
                    "height": self.social.height,
                }
            ]
        return data

    @cached_property
    def faq_json_ld(self) -> dict | None:
        """The gallery's questions and answers as a schema.org FAQPage, or None when it has none."""
        if not self.notes.faq:
            return None
        return {
            "@context": "https://schema.org",
            "@type": "FAQPage",
            "url": absolute(self.gallery.get_absolute_url()),
            "mainEntity": [
                {
                    "@type": "Question",
                    "name": entry["question"],
                    "acceptedAnswer": {"@type": "Answer", "text": plain_text(entry["answer"])},
                }
                for entry in self.notes.faq
            ],
        }


def _image_object(entry: PageItem) -> dict:
    item = entry.item
    image = {
        "@type": "ImageObject",
        "url": entry.canonical,
        "name": item.headline,
        "caption": plain_text(item.caption),
        "description": entry.alt,
        "creditText": entry.credit,
    }
    if entry.picture:
        # The size of the file contentUrl names, not of the smaller one the page's <img> falls back to.
        image |= {
            "contentUrl": absolute(entry.picture.largest),
            "encodingFormat": entry.picture.type,
            "width": entry.picture.largest_width,
            "height": entry.picture.largest_height,
        }
    if item.photo.photographer:
        image["creator"] = {"@type": "Person", "name": item.photo.photographer.name}
    if item.photo.copyright:
        image["copyrightNotice"] = item.photo.copyright
    return image
