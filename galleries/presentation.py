"""What gallery and photo pages show, worked out from prefetched rows as plain values; templates write the markup."""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import storages
from django.db.models import CharField, DateTimeField, IntegerField, Value
from django.urls import reverse

from galleries import provenance
from galleries.imaging import CONTENT_TYPES
from galleries.markup import plain_text
from galleries.models import CorrectionNote, FaqEntry, Gallery, GalleryLink, Item, Rendition
from galleries.signing import Mode, signing_mode

# How wide each picture is shown, for the browser to pick a file: these follow site.css's layout. The page is at
# most 84rem wide, 80rem inside its gutters of 2rem (on phones a photo spans the screen); a photo story's photos
# go up to 120rem.
PICTURE_SIZES = "(min-width: 84rem) 80rem, (min-width: 40rem) calc(100vw - 4rem), 100vw"
STORY_SIZES = "(min-width: 120rem) 120rem, 100vw"
# A photo's own page: on a landscape screen from 64rem the photo stands beside a 22rem column of text (2.5rem
# apart) in a page up to 120rem wide; below that it spans the page as on the gallery page.
PHOTO_PAGE_SIZES = (
    "(min-width: 120rem) and (min-aspect-ratio: 1/1) 91.5rem, "
    "(min-width: 64rem) and (min-aspect-ratio: 1/1) calc(100vw - 28.5rem), "
    "(min-width: 40rem) calc(100vw - 4rem), 100vw"
)
# What of the window's height a photo's own page leaves for its header and page (site.css's --photo-room).
PHOTO_PAGE_ROOM = "10rem"
# The home page's lead: edge to edge on phones; two thirds of the page beside its headline from 60rem.
LEAD_SIZES = "(min-width: 84rem) 52rem, (min-width: 60rem) calc((100vw - 6rem) * 2 / 3), 100vw"
# Cards in a grid of columns at least 16rem wide (two or three across), a whole column on phones.
CARD_SIZES = "(min-width: 64rem) 22rem, (min-width: 36rem) 50vw, 100vw"
# The small thumbnails of the Trending and Most popular lists.
THUMB_SIZES = "6rem"
SIZES = {"lead": LEAD_SIZES, "card": CARD_SIZES, "thumb": THUMB_SIZES}
# The widths (CSS pixels) site.css can hold a photo to, `upto-*`, so one whose files are small is not upscaled.
UPSCALE_STEPS = (320, 640, 960, 1280, 1920)
# A photo is never taller than the screen: this much of the window's height is left for the page around it.
FIT_MARGIN = "3rem"
# Best format first: browsers take the first <source> they can show.
PICTURE_FORMATS = ("avif", "webp", "jpeg")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# A one-pixel image of the photo's dominant colour, shown while the photo loads (an image, so no inline style).
_COLOUR_SVG = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'><rect width='1' height='1' fill='{}'/></svg>"

# Where a page finds a rendition's file: the public storage, or the staff view of files not public yet. It is
# handed a Rendition or one of its picture_rows(): either has the name.
RenditionUrl = Callable[[Rendition], str]


def public_url(rendition: Rendition) -> str:
    return storages["default"].url(rendition.name)


def preview_url(rendition: Rendition) -> str:
    return reverse("galleries:rendition-preview", kwargs={"name": rendition.name})


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

    @property
    def cap(self) -> int:
        """The widest a page may show this picture, in CSS pixels, so it is never upscaled: 0 for no limit
        (its largest file is as wide as any column), else the widest of site.css's `upto-*` steps it fills."""
        if self.largest_width >= UPSCALE_STEPS[-1]:
            return 0
        return max((step for step in UPSCALE_STEPS if step <= self.largest_width), default=UPSCALE_STEPS[0])


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


def build_picture(photo, *, url: RenditionUrl = public_url, renditions: Iterable | None = None) -> Picture | None:
    """The responsive renditions of `photo` (prefetched, or handed in as `renditions`: its picture_rows() when
    a page read them for all its photos at once) as a <picture>'s values, or None without any."""
    by_format: dict[str, list[tuple[int, int, str, int]]] = {}
    for rendition in photo.renditions.all() if renditions is None else renditions:
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


def social_image(photo, *, url: RenditionUrl = public_url, renditions: Iterable | None = None) -> SocialImage | None:
    """The 1200x630 card of `photo` (renditions prefetched, or handed in) for Open Graph and Twitter, JPEG
    preferred."""
    if photo is None:
        return None
    best = None
    for rendition in photo.renditions.all() if renditions is None else renditions:
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


def card_picture(gallery: Gallery) -> Picture | None:
    """The picture on a gallery's card: its cover, else its first photo (a gallery loaded with for_listing())."""
    photo = getattr(gallery, "card_photo", None)
    return build_picture(photo, renditions=gallery.card_renditions) if photo is not None else None


def card_social(gallery: Gallery) -> SocialImage | None:
    """The social card of a gallery loaded with for_listing(): its cover's, else its first photo's."""
    photo = getattr(gallery, "card_photo", None)
    return social_image(photo, renditions=gallery.card_renditions) if photo is not None else None


def cover_photo(gallery: Gallery, photos: Iterable):
    """The photo that stands for a gallery, of its own photos in order: the chosen cover, else the first."""
    photos = list(photos)
    return next((photo for photo in photos if photo.pk == gallery.cover_id), photos[0] if photos else None)


# A headline-less item's title: the first words of its caption, cut at a word, with an ellipsis when cut.
TITLE_WORDS = 12
TITLE_CHARACTERS = 80


def caption_title(caption: str) -> str:
    """The first sentence of a caption, or its first words when that is long: a title for an item without one."""
    text = " ".join(plain_text(caption).split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    words = sentence.split()
    short = " ".join(words[:TITLE_WORDS])
    while len(short) > TITLE_CHARACTERS and " " in short:
        short = short.rsplit(" ", 1)[0]
    if short == sentence:
        return sentence.rstrip(".")
    return short.rstrip(",;:-. \u2013\u2014") + "…"


class PageItem:
    """One photo of a gallery as its pages show it; `base` is where the gallery's page is."""

    def __init__(
        self,
        item: Item,
        *,
        gallery: Gallery,
        base: str,
        url: RenditionUrl,
        gallery_url: str = "",
        renditions: list | None = None,
        shown: bool = False,
    ):
        self.item = item
        self.gallery = gallery
        self.base = base
        self.rendition_url = url
        self.gallery_url = gallery_url or gallery.get_absolute_url()
        self.renditions = renditions
        # A graphic photo is covered until the reader chooses to see it (`shown`, from the photo page's ?show=1).
        self.shown = shown

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
        return build_picture(self.item.photo, url=self.rendition_url, renditions=self.renditions)

    @property
    def covered(self) -> bool:
        """Behind a warning: the page names none of its files until the reader asks for the photo. A photo taken
        down is not covered: it is gone, placeholder and all."""
        return self.item.graphic and not self.shown and not self.unavailable

    @property
    def show_url(self) -> str:
        return f"{self.url}?show=1#{self.anchor}"

    @property
    def placeholder(self) -> str:
        return placeholder_uri(self.item.photo)

    @property
    def stands_for_story(self) -> bool:
        """Whether this photo may be a social card or the image of the story: never a graphic one."""
        return not getattr(self.item, "graphic_photo", self.item.graphic)

    @property
    def unavailable(self) -> bool:
        """The photo was taken down: the page says so in its place and keeps the caption."""
        return self.item.is_unavailable

    @property
    def alt(self) -> str:
        # The words describe a photo that is gone, perhaps the very person who asked for it to go.
        return "" if self.unavailable else self.item.effective_alt_text

    @cached_property
    def sizes(self) -> str:
        """How wide the photo is shown: its column, or less when fitting its height to the screen narrows it."""
        column = STORY_SIZES if self.gallery.presentation == Gallery.Presentation.DARK else PICTURE_SIZES
        picture = self.picture
        if picture is None or not picture.height:
            return column
        ratio = picture.width / picture.height
        if ratio > 1.25:
            return column
        # A portrait or square photo fitted to a landscape screen is as wide as the screen's height allows.
        return (
            f"(min-aspect-ratio: {picture.width}/{picture.height}) calc((100vh - {FIT_MARGIN}) * {ratio:.3f}), {column}"
        )

    @cached_property
    def page_sizes(self) -> str:
        """How wide the photo is shown on its own page: beside its words, and no wider than fitting its height to
        the window under the header allows."""
        picture = self.picture
        if picture is None or not picture.height:
            return PHOTO_PAGE_SIZES
        ratio = picture.width / picture.height
        return (
            f"(min-aspect-ratio: {picture.width}/{picture.height}) "
            f"calc((100vh - {PHOTO_PAGE_ROOM}) * {ratio:.3f}), {PHOTO_PAGE_SIZES}"
        )

    @cached_property
    def credit(self) -> str:
        return self.item.credit

    @cached_property
    def title(self) -> str:
        """The item's headline, else the first words of its caption; empty when it has neither."""
        return self.item.headline or caption_title(self.item.caption)

    @property
    def heading(self) -> str:
        """What the photo's own page is called: its title, else its number."""
        return self.title or f"Photo {self.number}"

    @cached_property
    def credentials(self) -> "Disclosure | None":
        return credentials_disclosure(self.item, self.gallery)

    @property
    def share_mailto(self) -> str:
        subject = quote(self.title or self.gallery.title, safe="")
        return f"mailto:?subject={subject}&body={quote(self.canonical, safe='')}"


@dataclass(frozen=True)
class Disclosure:
    """The "Content Credentials" a photo page discloses: who took it, who published it, what was changed, when."""

    taken_by: str
    captured_with: str
    capture_signed_by: str
    source: str
    published_by: str
    changes: list[str]
    published_at: object
    taken_at: object
    signed: bool


def credentials_disclosure(item: Item, gallery: Gallery) -> Disclosure | None:
    """What a reader is told about where the photo of `item` comes from; None when public files are unsigned."""
    if signing_mode() == Mode.OFF:
        return None
    photo = item.photo
    credentials = provenance.Credentials.from_dict(photo.credentials)
    captured_with = capture_signed_by = ""
    if credentials.state == provenance.State.VALID and credentials.steps:
        first = credentials.steps[-1]
        if "c2pa.created" in first.actions:
            captured_with, capture_signed_by = first.device, first.issuer or first.signer
    changes = []
    if photo.redactions:
        count = len(photo.redactions)
        changes.append(f"{count} area{'s' if count != 1 else ''} blurred to protect people shown")
    changes += ["resized and re-encoded for the web", "camera and location data removed"]
    return Disclosure(
        taken_by=item.credit,
        captured_with=captured_with,
        capture_signed_by=capture_signed_by,
        source=provenance.SOURCE_TYPES.get(photo.digital_source_type, ""),
        published_by=settings.LOUPE_C2PA_PUBLISHER,
        changes=changes,
        published_at=gallery.published_at,
        taken_at=photo.taken_at,
        signed=True,
    )


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
        """The gallery's items with their photos, in one query, and their renditions as rows, in another."""
        items = Item.objects.filter(gallery=self.gallery).shown()
        renditions = Rendition.objects.public() if self.renditions is None else self.renditions.available()
        rows = defaultdict(list)
        for row in renditions.filter(photo__in=items.values("photo_id")).picture_rows():
            rows[row.photo_id].append(row)
        gallery_url = self.gallery.get_absolute_url()
        return [
            PageItem(
                item,
                gallery=self.gallery,
                base=self.base,
                url=self.rendition_url,
                gallery_url=gallery_url,
                renditions=rows[item.photo_id],
            )
            for item in items.with_photo()
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

    @property
    def dark(self) -> bool:
        return self.gallery.presentation == Gallery.Presentation.DARK

    @cached_property
    def social(self) -> SocialImage | None:
        return self.social_card()

    def social_card(self, *, allowed: Callable | None = None) -> SocialImage | None:
        """The gallery's card: its cover's, else the first photo's that has one, of photos that may stand for the
        story (and that `allowed`, given a photo, accepts: what a partner may syndicate)."""
        candidates = [
            entry for entry in self.items if entry.stands_for_story and (allowed is None or allowed(entry.item.photo))
        ]
        photos = [entry.item.photo for entry in candidates]
        rows = {entry.item.photo_id: entry.renditions for entry in candidates}
        cover = cover_photo(self.gallery, photos) if self.gallery.cover_id in rows else None
        # A cover taken down or graphic has no card: the first photo that still may have one stands in.
        for photo in [cover, *(photo for photo in photos if photo is not cover)]:
            if photo is not None and (card := social_image(photo, url=self.rendition_url, renditions=rows[photo.pk])):
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


def photo_json_ld(entry: PageItem) -> dict:
    """A photo's own page as a schema.org ImageObject: the photo of a gallery, with its sizes, credit and
    copyright."""
    gallery = entry.gallery
    data = {"@context": "https://schema.org", **_image_object(entry)}
    data["mainEntityOfPage"] = entry.canonical
    data["isPartOf"] = {"@type": "ImageGallery", "name": gallery.title, "url": absolute(gallery.get_absolute_url())}
    if gallery.published_at:
        data["datePublished"] = gallery.published_at.isoformat()
    return data


def _image_object(entry: PageItem) -> dict:
    """One photo as a schema.org ImageObject, on its gallery's page and on its own."""
    item = entry.item
    image = {
        "@type": "ImageObject",
        "url": entry.canonical,
        "name": entry.heading,
        "caption": plain_text(item.caption),
        "description": entry.alt,
        "creditText": entry.credit,
    }
    if entry.picture and entry.stands_for_story:
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
    if item.photo.taken_at:
        image["dateCreated"] = item.photo.taken_at.isoformat()
    if item.photo.place_name:
        image["contentLocation"] = {"@type": "Place", "name": item.photo.place_name}
    if item.photo.digital_source_type:
        image["digitalSourceType"] = provenance.IPTC_SOURCE_TYPE + item.photo.digital_source_type
    return image
