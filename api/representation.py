"""What the API says about each thing, worked out from prefetched rows as plain values the schemas check."""

from collections.abc import Callable, Iterable

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from galleries.imaging import CONTENT_TYPES
from galleries.markup import plain_text, render_markup
from galleries.models import Gallery, Photo, Photographer, Rendition
from galleries.presentation import (
    Disclosure,
    GalleryPage,
    PageItem,
    absolute,
    placeholder_uri,
    public_url,
    social_image,
)
from galleries.provenance import IPTC_SOURCE_TYPE

# The usage-rights rule keeping, of a QuerySet of photos, those a partner may syndicate (None would give
# partners every public photo). Partners' answers leave the others out.
SYNDICATABLE: Callable[[QuerySet], QuerySet] | None = lambda photos: photos.syndicatable()  # noqa: E731
WITHHELD = "The photo's usage rights do not allow syndication."
TAKEN_DOWN = "The photo was taken down; it is no longer available."
PHOTOGRAPHER_GALLERIES = 20
# The replies a thread carries in a page of comments; `replies_url` pages through the rest.
REPLIES_PER_THREAD = 20
# What the site says when the newsroom wrote no words of its own (templates/jinja2/galleries/photos.jinja and
# templates/galleries/includes/graphic_notice.html; a test holds them together).
GRAPHIC_WARNING = "Some readers may find it distressing."
GRAPHIC_NOTICE = "Some readers may find them distressing; each is covered until you choose to show it."


# Where each resource is under the API's root, as api/urls.py routes it (a test holds the two together):
# formatting these is a fraction of what reversing costs, and a long gallery names hundreds of addresses.
PATHS = {
    "index": "",
    "galleries": "galleries/",
    "gallery": "galleries/{slug}/",
    "gallery-comments": "galleries/{slug}/comments/",
    "photo-comments": "galleries/{slug}/photos/{pk}/comments/",
    "comment-replies": "comments/{pk}/replies/",
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
    """Published galleries with their section joined and their photos counted: one query."""
    return queryset.select_related("section").annotate(photo_count=Count("items", distinct=True))


def galleries_for_listing(queryset: QuerySet) -> QuerySet:
    """What a summary shows, as the site's cards show it (GalleryQuerySet.for_listing): section joined, photos
    counted, photographers and tags prefetched, and the card photo (never one taken down or graphic) with its
    public renditions."""
    return queryset.for_listing().annotate(photo_count=Count("items", distinct=True)).prefetch_related("tags")


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


def photo(value: Photo, *, renditions=None, seen: dict | None = None, stands_for_story: bool = True) -> dict:
    """A photo with its public renditions (prefetched, or handed in as Rendition objects or picture_rows()) and
    its photographer (joined). A photo that may not stand for a story uncovered (graphic in any gallery) has no
    social card, as on its page."""
    renditions = list(value.renditions.all() if renditions is None else renditions)
    responsive = sorted(
        (r for r in renditions if r.purpose == Rendition.Purpose.RESPONSIVE), key=lambda r: (r.format, r.width)
    )
    card = social_image(value, renditions=renditions) if stands_for_story else None
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
        "digital_source_type": IPTC_SOURCE_TYPE + value.digital_source_type if value.digital_source_type else None,
        "renditions": [
            {
                "url": absolute(public_url(r)),
                "width": r.width,
                "height": r.height,
                "format": r.format,
                "content_type": CONTENT_TYPES[r.format],
                "size_bytes": r.size_bytes,
            }
            for r in responsive
        ],
        "social_card": {"url": card.url, "width": card.width, "height": card.height} if card else None,
    }


def gallery_summary(gallery: Gallery, *, usage: Usage) -> dict:
    """Of a gallery loaded by galleries_for_listing(): its cover is the site's card photo, when this caller may
    have it."""
    card = gallery.card_photo
    cover = photo(card, renditions=gallery.card_renditions) if card and not usage.withheld(card.pk) else None
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
        "contains_graphic": gallery.contains_graphic,
        "graphic_notice": (gallery.graphic_notice or GRAPHIC_NOTICE) if gallery.contains_graphic else None,
        "cover": cover,
    }


def gallery_summaries(galleries: list[Gallery], *, usage: Usage) -> list[dict]:
    usage.load(g.card_photo_id for g in galleries)
    return [gallery_summary(g, usage=usage) for g in galleries]


def gallery_detail(gallery: Gallery, *, usage: Usage) -> dict:
    """The whole gallery as its page has it (GalleryPage): its items with photos and photographers in one query,
    their renditions in another, its notes in a third."""
    page = GalleryPage(gallery, base=gallery.get_absolute_url())
    entries = page.items
    usage.load([gallery.card_photo_id, *(entry.item.photo_id for entry in entries)])
    seen = {}
    # The page's own choice, of the photos this caller may have.
    card = page.social_card(allowed=lambda photo: not usage.withheld(photo.pk))
    notes = page.notes
    return gallery_summary(gallery, usage=usage) | {
        "introduction": plain_text(gallery.introduction),
        "introduction_html": str(render_markup(gallery.introduction)),
        "disclosure": gallery.disclosure,
        "corrections": notes.corrections,
        "faq": notes.faq,
        "links": notes.links,
        "items": [item_value(entry, gallery=gallery, usage=usage, seen=seen) for entry in entries],
        "social_card": {"url": card.url, "width": card.width, "height": card.height} if card else None,
        "comment_mode": gallery.comment_mode,
        "comments_url": api_url("gallery-comments", slug=gallery.slug),
    }


def item_value(entry: PageItem, *, gallery: Gallery, usage: Usage, seen: dict) -> dict:
    # An item whose photo was taken down stays, as on its page, with its caption and without the photo, its
    # description, its warning or its credentials: there is nothing left to cover or to vouch for.
    item = entry.item
    withheld = TAKEN_DOWN if entry.unavailable else usage.withheld(item.photo_id)
    graphic = item.graphic and withheld is None
    return {
        "id": item.pk,
        "number": item.number,
        "headline": item.headline,
        "caption": plain_text(item.caption),
        "caption_html": str(render_markup(item.caption)),
        "alt_text": entry.alt,
        "credit": item.credit,
        "url": absolute(entry.url),
        "comments_url": api_url("photo-comments", slug=gallery.slug, pk=item.pk),
        "graphic": graphic,
        "graphic_warning": (item.graphic_warning or GRAPHIC_WARNING) if graphic else None,
        "ai_label": item.ai_label,
        "photo": None
        if withheld
        else photo(item.photo, renditions=entry.renditions, seen=seen, stands_for_story=entry.stands_for_story),
        "credentials": None if withheld else credentials(entry.credentials),
        "withheld": withheld,
    }


def credentials(disclosure: Disclosure | None) -> dict | None:
    """What the photo page's Content Credentials disclosure tells readers, and nothing it does not."""
    if disclosure is None:
        return None
    return {
        "taken_by": disclosure.taken_by,
        "taken_at": disclosure.taken_at,
        "captured_with": disclosure.captured_with or None,
        "capture_signed_by": disclosure.capture_signed_by or None,
        "source": disclosure.source or None,
        "published_by": disclosure.published_by,
        "published_at": disclosure.published_at,
        "changes": disclosure.changes,
    }


def comment(value, *, replies: list | None = None, reply_count: int = 0) -> dict:
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
        data["reply_count"] = reply_count
        more = reply_count > len(replies)
        data["replies_url"] = api_url("comment-replies", pk=value.pk) if more else None
    return data
