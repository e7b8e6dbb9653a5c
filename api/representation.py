"""What the API says about each thing, worked out from prefetched rows as plain values the schemas check."""

from collections.abc import Callable, Iterable

from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils.http import urlencode

from galleries.imaging import CONTENT_TYPES
from galleries.markup import plain_text, render_markup
from galleries.models import Gallery, Item, Photo, Photographer, Rendition
from galleries.presentation import absolute, gallery_notes, placeholder_uri, social_image

# The usage-rights rule keeping, of a QuerySet of photos, those a partner may syndicate (None would give
# partners every public photo). Partners' answers leave the others out.
SYNDICATABLE: Callable[[QuerySet], QuerySet] | None = lambda photos: photos.syndicatable()  # noqa: E731
WITHHELD = "The photo's usage rights do not allow syndication."
TAKEN_DOWN = "The photo was taken down; it is no longer available."
PHOTOGRAPHER_GALLERIES = 20


# Where each resource is under the API's root, as api/urls.py routes it (a test holds the two together):
# formatting these is a fraction of what reversing costs, and a long gallery names hundreds of addresses.
PATHS = {
    "index": "",
    "galleries": "galleries/",
    "gallery": "galleries/{slug}/",
    "gallery-comments": "galleries/{slug}/comments/",
    "photo-comments": "galleries/{slug}/photos/{pk}/comments/",
    "photo": "photos/{pk}/",
    "photographers": "photographers/",
    "photographer": "photographers/{slug}/",
    "sections": "sections/",
    "tags": "tags/",
    "openapi-json": "openapi.json",
    "docs": "docs/",
}


def api_url(name: str, query: dict | None = None, **kwargs) -> str:
    url = absolute(reverse("api-v1:index") + PATHS[name].format(**kwargs))
    return f"{url}?{urlencode(query)}" if query else url


class Usage:
    """Which photos this caller may be given: all public ones, or for partners those their rights allow."""

    def __init__(self, *, partner: bool):
        self.partner = partner and SYNDICATABLE is not None
        self.allowed: set[int] = set()

    def load(self, photo_ids: Iterable[int]) -> None:
        """One query, for partners only, once usage rights exist."""
        if self.partner:
            ids = {pk for pk in photo_ids if pk}
            self.allowed = set(SYNDICATABLE(Photo.objects.filter(pk__in=ids)).values_list("pk", flat=True))

    def withheld(self, photo_id: int | None) -> str | None:
        return WITHHELD if self.partner and photo_id not in self.allowed else None


def galleries_joined(queryset: QuerySet) -> QuerySet:
    """Published galleries with their section and cover joined and their photos counted: one query."""
    return (
        queryset.select_related("section", "cover__photographer")
        .defer(*(f"cover__{name}" for name in Photo.BEHIND_THE_SCENES))
        .annotate(photo_count=Count("items", distinct=True))
    )


def _summary_prefetches() -> tuple:
    return ("photographers", "tags", Prefetch("cover__renditions", Rendition.objects.public().order_by()))


def galleries_for_listing(queryset: QuerySet) -> QuerySet:
    """What a summary shows: section and cover joined, photographers, tags and cover renditions prefetched."""
    return galleries_joined(queryset).prefetch_related(*_summary_prefetches())


def prefetch_summary(gallery: Gallery) -> Gallery:
    """For a gallery loaded by galleries_joined: its photographers, tags and cover renditions, three queries."""
    prefetch_related_objects([gallery], *_summary_prefetches())
    return gallery


def label(value, kind: str) -> dict:
    return {
        "slug": value.slug,
        "name": value.name,
        "url": absolute(value.get_absolute_url()),
        "galleries_url": api_url("galleries", {kind: value.slug}),
    }


def photographer_ref(photographer: Photographer, *, seen: dict | None = None) -> dict:
    """`seen` keeps the refs already made in this answer: a gallery names its photographers on every photo."""
    if seen is not None and photographer.pk in seen:
        return seen[photographer.pk]
    ref = {
        "slug": photographer.slug,
        "name": photographer.name,
        "url": absolute(photographer.get_absolute_url()),
        "api_url": api_url("photographer", slug=photographer.slug),
    }
    if seen is not None:
        seen[photographer.pk] = ref
    return ref


def photographer(value: Photographer) -> dict:
    return photographer_ref(value) | {
        "bio": value.bio,
        "agency": value.agency,
        "website": value.website_url,
        "instagram": value.instagram_url,
        "social_links": value.social_link_list,
    }


def photo(value: Photo, *, seen: dict | None = None) -> dict:
    """A photo with its public renditions (prefetched) and its photographer (joined)."""
    renditions = sorted(
        (r for r in value.renditions.all() if r.purpose == Rendition.Purpose.RESPONSIVE),
        key=lambda r: (r.format, r.width),
    )
    card = social_image(value)
    return {
        "id": value.pk,
        "api_url": api_url("photo", pk=value.pk),
        "width": value.width,
        "height": value.height,
        "alt_text": value.alt_text,
        "credit_line": value.credit_line,
        "copyright": value.copyright,
        "taken_at": value.taken_at,
        "place_name": value.place_name,
        "photographer": photographer_ref(value.photographer, seen=seen) if value.photographer else None,
        "focal_point": {"x": value.focal_x, "y": value.focal_y},
        "placeholder": placeholder_uri(value) or None,
        "dominant_color": value.dominant_color or None,
        "renditions": [
            {
                "url": absolute(r.url),
                "width": r.width,
                "height": r.height,
                "format": r.format,
                "content_type": CONTENT_TYPES[r.format],
                "size_bytes": r.size_bytes,
            }
            for r in renditions
        ],
        "social_card": {"url": card.url, "width": card.width, "height": card.height} if card else None,
    }


def gallery_summary(gallery: Gallery, *, usage: Usage) -> dict:
    cover = gallery.cover if gallery.cover_id and not usage.withheld(gallery.cover_id) else None
    if cover is not None and cover.is_taken_down:
        cover = None
    return {
        "id": gallery.pk,
        "slug": gallery.slug,
        "title": gallery.title,
        "kind": gallery.kind,
        "dek": plain_text(gallery.dek),
        "url": absolute(gallery.get_absolute_url()),
        "api_url": api_url("gallery", slug=gallery.slug),
        "published_at": gallery.published_at,
        "updated_at": gallery.updated_at,
        "section": label(gallery.section, "section") if gallery.section else None,
        "tags": [label(tag, "tag") for tag in gallery.tags.all()],
        "photographers": [photographer_ref(p) for p in gallery.photographers.all()],
        "photo_count": gallery.photo_count,
        "cover": photo(cover) if cover else None,
    }


def gallery_summaries(galleries: list[Gallery], *, usage: Usage) -> list[dict]:
    usage.load(g.cover_id for g in galleries)
    return [gallery_summary(g, usage=usage) for g in galleries]


def gallery_detail(gallery: Gallery, *, usage: Usage) -> dict:
    """The whole gallery: its notes in one query, its items with photos, photographers and renditions in two."""
    items = list(Item.objects.filter(gallery=gallery).for_page())
    usage.load([gallery.cover_id, *(item.photo_id for item in items)])
    photos = {item.photo_id: item.photo for item in items}
    base, seen = gallery.get_absolute_url(), {}
    notes = gallery_notes(gallery)
    cover = photos.get(gallery.cover_id) or next(iter(photos.values()), None)
    card = social_image(cover) if cover is not None and not usage.withheld(cover.pk) else None
    return gallery_summary(gallery, usage=usage) | {
        "introduction": plain_text(gallery.introduction),
        "introduction_html": str(render_markup(gallery.introduction)),
        "disclosure": gallery.disclosure,
        "corrections": notes.corrections,
        "faq": notes.faq,
        "links": notes.links,
        "items": [item_value(item, gallery=gallery, base=base, usage=usage, seen=seen) for item in items],
        "social_card": {"url": card.url, "width": card.width, "height": card.height} if card else None,
        "comment_mode": gallery.comment_mode,
        "comments_url": api_url("gallery-comments", slug=gallery.slug),
    }


def item_value(item: Item, *, gallery: Gallery, base: str, usage: Usage, seen: dict) -> dict:
    # An item whose photo was taken down stays, as on its page, with its caption and without the photo or its
    # description.
    withheld = TAKEN_DOWN if item.is_unavailable else usage.withheld(item.photo_id)
    return {
        "id": item.pk,
        "number": item.number,
        "headline": item.headline,
        "caption": plain_text(item.caption),
        "caption_html": str(render_markup(item.caption)),
        "alt_text": "" if item.is_unavailable else item.effective_alt_text,
        "credit": item.credit,
        "url": absolute(f"{base}photos/{item.pk}/"),
        "comments_url": api_url("photo-comments", slug=gallery.slug, pk=item.pk),
        "photo": None if withheld else photo(item.photo, seen=seen),
        "withheld": withheld,
    }


def comment(value, *, replies: list | None = None) -> dict:
    data = {
        "id": value.pk,
        "author_name": value.author_name,
        "body": value.body,
        "created_at": value.created_at,
        "depth": value.depth,
        # for_thread_display names the parent only while it is visible itself.
        "in_reply_to": value.parent_id if value.parent_id and value.parent_name is not None else None,
    }
    if replies is not None:
        data["replies"] = [comment(reply) for reply in replies]
    return data
