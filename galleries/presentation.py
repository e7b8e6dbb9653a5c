"""What a gallery page shows, worked out once in Python from prefetched rows.

Templates only print these values: building each item's srcset in nested
template loops costs milliseconds per page that the reader pays for.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.storage import storages
from django.db.models import (
    CharField,
    DateTimeField,
    IntegerField,
    Prefetch,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from galleries.markup import plain_text
from galleries.models import CorrectionNote, FaqEntry, Gallery, GalleryLink, Item, Rendition

# The photo column: main is 70rem wide with 1.25rem padding on each side.
PICTURE_SIZES = "(min-width: 70rem) 67.5rem, calc(100vw - 2.5rem)"
MIME_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def absolute(url: str) -> str:
    """Media URLs are relative on the embedded default and absolute behind a CDN."""
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


@dataclass(frozen=True)
class Picture:
    sources: tuple[tuple[str, str], ...]  # (MIME type, srcset), best format first
    src: str
    width: int
    height: int
    largest: str
    placeholder: str = ""
    sizes: str = PICTURE_SIZES

    def html(self, *, href: str, alt: str, caption: str, eager: bool) -> SafeString:
        """The linked <picture> of a gallery item: 45 of these cost milliseconds in template tags, microseconds here."""
        size = self.size
        parts = [f'<a class="frame" href="{escape(href)}" data-full="{escape(self.largest)}"']
        parts.append(f' data-caption="{escape(caption)}">')
        if self.placeholder:
            parts.append(f'<img class="placeholder" src="{escape(self.placeholder)}" alt="" {size}>')
        parts.append("<picture>")
        sizes = escape(self.sizes)
        parts.extend(
            f'<source type="{mime}" srcset="{escape(srcset)}" sizes="{sizes}">' for mime, srcset in self.sources
        )
        loading = 'fetchpriority="high"' if eager else 'loading="lazy"'
        parts.append(
            f'<img class="photo" src="{escape(self.src)}" alt="{escape(alt)}" {size} {loading} decoding="async">'
        )
        parts.append("</picture></a>")
        return mark_safe("".join(parts))  # noqa: S308 - every value escaped above

    @property
    def size(self) -> SafeString:
        # Formatted here once: the template engine would localize each number separately.
        return mark_safe(f'width="{self.width}" height="{self.height}"')  # noqa: S308 - two integers


@dataclass(frozen=True)
class SocialImage:
    url: str
    width: int
    height: int


# (purpose, format, width, height, url): what a page needs of a rendition, without a model instance each.
Row = tuple[str, str, int, int, str]


def _rendition_url(rendition: Rendition, *, preview: bool) -> str:
    if preview:
        return getattr(rendition, "preview_url", "") or ""
    return rendition.url if rendition.is_public else ""


def _rows(photo, *, preview: bool) -> list[Row]:
    rows = []
    for r in photo.renditions.all():
        url = _rendition_url(r, preview=preview)
        if url:
            rows.append((r.purpose, r.format, r.width, r.height, url))
    return rows


def _public_url_maker():
    """storage.url() parses and quotes each name; content-addressed names need neither, so join once-found parts."""
    storage = storages["default"]
    probe = "ab/probe.jpg"
    sample = storage.url(probe)
    if sample.endswith(probe) and "?" not in sample:
        prefix = sample[: -len(probe)]
        return lambda name: prefix + name
    return storage.url


def public_rendition_rows(photo_ids) -> dict[int, list[Row]]:
    """The public renditions of these photos in one query, as rows."""
    url = _public_url_maker()
    rows: dict[int, list[Row]] = {}
    for photo_id, purpose, fmt, width, height, name in Rendition.objects.filter(
        photo_id__in=photo_ids, is_public=True
    ).values_list("photo_id", "purpose", "format", "width", "height", "name"):
        rows.setdefault(photo_id, []).append((purpose, fmt, width, height, url(name)))
    return rows


def _placeholder(photo) -> str:
    if photo.placeholder.startswith("data:image/"):
        return photo.placeholder
    if _COLOUR.fullmatch(photo.dominant_color or ""):
        svg = (
            "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'>"
            f"<rect width='1' height='1' fill='{photo.dominant_color}'/></svg>"
        )
        return "data:image/svg+xml," + quote(svg, safe="/:=' ")
    return ""


def build_picture(photo, *, preview: bool = False, rows: list[Row] | None = None) -> Picture | None:
    """A <picture> for the responsive renditions of `photo` (prefetched, or given as rows), or None without any."""
    by_format: dict[str, list[tuple[int, int, str]]] = {}
    for purpose, fmt, width, height, url in _rows(photo, preview=preview) if rows is None else rows:
        if purpose == Rendition.Purpose.RESPONSIVE:
            by_format.setdefault(fmt, []).append((width, height, url))
    fallback = by_format.get("jpeg") or by_format.get("webp")
    if not fallback:
        return None
    sources = []
    for fmt in ("avif", "webp", "jpeg"):
        if fmt in by_format:
            sized = sorted(by_format[fmt])
            sources.append((MIME_TYPES[fmt], ", ".join(f"{url} {width}w" for width, _, url in sized)))
    fallback = sorted(fallback)
    # A middle size for browsers without srcset; the largest for the lightbox.
    width, height, src = fallback[min(len(fallback) - 1, len(fallback) // 2)]
    return Picture(
        sources=tuple(sources),
        src=src,
        width=width,
        height=height,
        largest=fallback[-1][2],
        placeholder=_placeholder(photo),
    )


def social_image(photo, *, preview: bool = False, rows: list[Row] | None = None) -> SocialImage | None:
    """The 1200x630 card of `photo` for Open Graph and Twitter, JPEG preferred."""
    if photo is None:
        return None
    best = None
    for purpose, fmt, width, height, url in _rows(photo, preview=preview) if rows is None else rows:
        if purpose == Rendition.Purpose.SOCIAL and fmt in {"jpeg", "webp"} and (best is None or fmt == "jpeg"):
            best = SocialImage(url=absolute(url), width=width, height=height)
    return best


@dataclass
class ItemView:
    item: Item
    picture: Picture | None
    number: str
    anchor: str
    url: str
    canonical: str
    alt: str
    credit: str
    share_mailto: str = ""
    picture_html: SafeString | str = ""

    @property
    def vote_url(self) -> str:
        return self.url + "vote/"


@dataclass
class GalleryView:
    gallery: Gallery
    items: list[ItemView]
    canonical: str
    social: SocialImage | None
    photographers: list = field(default_factory=list)

    @property
    def json_ld(self) -> dict:
        return gallery_json_ld(self)


def present_item(
    item: Item,
    *,
    gallery: Gallery,
    preview: bool = False,
    rows: list[Row] | None = None,
    base: str | None = None,
    page_url: str | None = None,
) -> ItemView:
    """One item as a page shows it; `page_url` is where the gallery's page is when that is not its public URL
    (a preview), so the item's links lead to its photo page there."""
    # Items are attached to an already-loaded gallery so get_absolute_url needs no query.
    item.gallery = gallery
    url = item.get_absolute_url() if base is None else f"{base}photos/{item.pk}/"
    canonical = absolute(url)
    return ItemView(
        item=item,
        picture=build_picture(item.photo, preview=preview, rows=rows),
        number=str(item.number),
        anchor=f"photo-{item.number}",
        url=url if page_url is None else f"{page_url}photos/{item.pk}/",
        canonical=canonical,
        alt=item.effective_alt_text,
        credit=item.credit,
        share_mailto="mailto:?"
        + urlencode({"subject": item.headline or gallery.title, "body": canonical}, quote_via=quote),
    )


def present_gallery(
    gallery: Gallery, *, order: str = "", preview: bool = False, page_url: str | None = None
) -> GalleryView:
    """The page's view of a gallery from for_page(): one more query for renditions, whatever the number of items.

    A preview passes its own `page_url`, so links to photo pages stay inside the preview.
    """
    items = list(gallery.items.all())
    if preview:
        prefetch_related_objects([item.photo for item in items], Prefetch("renditions", Rendition.objects.all()))
        rows = {item.photo_id: _rows(item.photo, preview=True) for item in items}
    else:
        rows = public_rendition_rows({item.photo_id for item in items})
    # One reverse() for the page rather than one per item; a test pins the result to Item.get_absolute_url().
    base = gallery.get_absolute_url()
    views = [
        present_item(
            item, gallery=gallery, preview=preview, rows=rows.get(item.photo_id, []), base=base, page_url=page_url
        )
        for item in items
    ]
    if order == "votes":
        views.sort(key=lambda view: (-view.item.vote_count, view.item.position, view.item.pk))
    for index, view in enumerate(views):
        if view.picture:
            view.picture_html = view.picture.html(
                href=view.url, alt=view.alt, caption=view.item.headline, eager=index == 0
            )
    cover = next((item.photo for item in items if item.photo_id == gallery.cover_id), None)
    cover = cover or (items[0].photo if items else None)
    social = social_image(cover, preview=preview, rows=rows.get(cover.pk, []) if cover else [])
    return GalleryView(
        gallery=gallery,
        items=views,
        canonical=absolute(gallery.get_absolute_url()),
        social=social,
        photographers=list(gallery.photographers.all()),
    )


def _person(name: str) -> dict:
    return {"@type": "Person", "name": name}


def gallery_json_ld(view: GalleryView) -> dict:
    gallery = view.gallery
    images = []
    for item_view in view.items:
        photo = item_view.item.photo
        image = {
            "@type": "ImageObject",
            "url": item_view.canonical,
            "name": item_view.item.headline,
            "caption": plain_text(item_view.item.caption),
            "description": item_view.alt,
            "creditText": item_view.credit,
        }
        if item_view.picture:
            image |= {
                "contentUrl": absolute(item_view.picture.largest),
                "width": item_view.picture.width,
                "height": item_view.picture.height,
            }
        if photo.photographer:
            image["creator"] = _person(photo.photographer.name)
        if photo.copyright:
            image["copyrightNotice"] = photo.copyright
        images.append(image)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": gallery.title[:110],
        "description": plain_text(gallery.dek),
        "url": view.canonical,
        "mainEntityOfPage": view.canonical,
        "author": [{**_person(p.name), "url": absolute(p.get_absolute_url())} for p in view.photographers],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "url": settings.SITE_URL},
        "associatedMedia": {"@type": "ImageGallery", "name": gallery.title, "associatedMedia": images},
    }
    if gallery.published_at:
        data["datePublished"] = gallery.published_at.isoformat()
        data["dateModified"] = max(gallery.published_at, gallery.updated_at).isoformat()
    if view.social:
        data["image"] = [view.social.url]
    return data


def json_ld_script(data: dict) -> SafeString:
    """A JSON-LD data block; like json_script, <, > and & are escaped so no text can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above


@dataclass
class Extras:
    corrections: list = field(default_factory=list)
    links: list = field(default_factory=list)
    faq: list = field(default_factory=list)


def page_extras(gallery: Gallery) -> Extras:
    """Corrections, "more info" links and FAQ in one query: most galleries have none, and each query counts."""

    def rows(model, kind, first, second, at, position):
        return (
            model.objects.filter(gallery=gallery)
            .order_by()
            .values_list(Value(kind, output_field=CharField()), first, second, at, position)
        )

    no_time = Value(None, output_field=DateTimeField())
    no_text = Value("", output_field=TextField())
    union = rows(
        CorrectionNote, "correction", "text", no_text, "created_at", Value(0, output_field=IntegerField())
    ).union(
        rows(GalleryLink, "link", "label", "url", no_time, "position"),
        rows(FaqEntry, "faq", "question", "answer", no_time, "position"),
        all=True,
    )
    extras = Extras()
    for kind, first, second, at, _position in sorted(union, key=lambda row: (row[0], row[4], row[3] or 0)):
        if kind == "correction":
            extras.corrections.append({"text": first, "created_at": at})
        elif kind == "link":
            extras.links.append({"label": first, "url": second})
        else:
            extras.faq.append({"question": first, "answer": second})
    return extras
