"""RSS and Atom feeds of published galleries, with Media RSS for the photos (site, photographer, tag)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from galleries.markup import plain_text
from galleries.models import Gallery, Item, Photographer, Rendition, Tag
from galleries.presentation import absolute, build_picture
from galleries.text import texts_without_control_characters

FEED_SIZE = 20
MEDIA_NS = "http://search.yahoo.com/mrss/"


class _MediaMixin:
    # XML 1.0 has no place for control characters, and Django's feed writer refuses a feed that has one:
    # whatever was stored (a vertical tab pasted from a word processor, say) must not take the feed down.
    def __init__(self, *args, **kwargs):
        super().__init__(*texts_without_control_characters(args), **texts_without_control_characters(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*texts_without_control_characters(args), **texts_without_control_characters(kwargs))

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for media in item.get("media", ()):
            attrs = {
                "url": media["url"],
                "medium": "image",
                "type": media["type"],
                "width": str(media["width"]),
                "height": str(media["height"]),
            }
            if media["file_size"]:
                attrs["fileSize"] = str(media["file_size"])
            handler.addQuickElement("media:content", attrs=attrs)
            # Elements inside media:content would need a raw handler; Media RSS allows them beside it in a group.
        if item.get("media"):
            first = item["media"][0]
            handler.addQuickElement("media:credit", first["credit"], {"role": "photographer"})
            handler.addQuickElement("media:description", first["description"], {"type": "plain"})
            thumbnail = first["thumbnail"]
            handler.addQuickElement(
                "media:thumbnail",
                attrs={"url": thumbnail["url"], "width": str(thumbnail["width"]), "height": str(thumbnail["height"])},
            )


class MediaRssFeed(_MediaMixin, Rss201rev2Feed):
    pass


class MediaAtomFeed(_MediaMixin, Atom1Feed):
    pass


class LatestGalleriesFeed(Feed):
    feed_type = MediaRssFeed
    description_template = None

    def title(self, obj=None) -> str:
        return settings.SITE_NAME

    def link(self, obj=None) -> str:
        return absolute(obj.get_absolute_url() if obj else "/")

    def description(self, obj=None) -> str:
        return f"The latest photo galleries from {settings.SITE_NAME}."

    def galleries(self, obj):
        return Gallery.objects.published()

    def items(self, obj=None):
        # Cover and first photo with their public renditions: a fixed number of queries for the whole feed.
        # A graphic photo is never a feed's thumbnail: readers of a feed see no warning first.
        first_items = (
            Item.objects.shown()
            .not_graphic()
            .select_related("photo__photographer")
            .prefetch_related(Prefetch("photo__renditions", Rendition.objects.public()))
        )
        return (
            self.galleries(obj)
            .select_related("section")
            .prefetch_related("photographers", Prefetch("items", first_items))[:FEED_SIZE]
        )

    def item_title(self, item: Gallery) -> str:
        return item.title

    def item_description(self, item: Gallery) -> str:
        return plain_text(item.dek)

    def item_link(self, item: Gallery) -> str:
        return absolute(item.get_absolute_url())

    def item_guid(self, item: Gallery) -> str:
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item: Gallery):
        return item.published_at

    def item_updateddate(self, item: Gallery):
        return item.updated_at

    def item_author_name(self, item: Gallery) -> str:
        return ", ".join(p.name for p in item.photographers.all())

    def item_categories(self, item: Gallery) -> list[str]:
        return [item.section.name] if item.section else []

    def item_extra_kwargs(self, item: Gallery) -> dict:
        media = []
        items = item.items.all()
        # The cover, else the first photo readers may still see (a photo taken down has no public renditions).
        pictured = [(i, picture) for i in items if (picture := build_picture(i.photo))]
        chosen = next((pair for pair in pictured if pair[0].photo_id == item.cover_id), None)
        chosen = chosen or next(iter(pictured), None)
        if chosen is not None:
            shown, picture = chosen
            # Each size is that of the file its URL names: readers lay the image out before fetching it.
            media.append(
                {
                    "url": absolute(picture.largest),
                    "type": picture.type,
                    "width": picture.largest_width,
                    "height": picture.largest_height,
                    "file_size": picture.largest_bytes,
                    "thumbnail": {"url": absolute(picture.src), "width": picture.width, "height": picture.height},
                    "credit": shown.credit,
                    "description": plain_text(shown.caption) or shown.effective_alt_text,
                }
            )
        return {"media": media}


class LatestGalleriesAtomFeed(LatestGalleriesFeed):
    feed_type = MediaAtomFeed
    subtitle = LatestGalleriesFeed.description


class PhotographerFeed(LatestGalleriesFeed):
    def get_object(self, request, slug: str):
        credited = Photographer.objects.filter(pk__in=Gallery.objects.published().values("photographers"))
        return get_object_or_404(credited, slug=slug)

    def title(self, obj=None) -> str:
        return f"{obj.name} · {settings.SITE_NAME}"

    def description(self, obj=None) -> str:
        return f"Photo galleries by {obj.name}."

    def galleries(self, obj):
        return Gallery.objects.published().filter(photographers=obj)


class PhotographerAtomFeed(PhotographerFeed):
    feed_type = MediaAtomFeed
    subtitle = PhotographerFeed.description


class TagFeed(LatestGalleriesFeed):
    def get_object(self, request, slug: str):
        return get_object_or_404(Tag.objects.with_published_galleries(), slug=slug)

    def title(self, obj=None) -> str:
        return f"{obj.name} · {settings.SITE_NAME}"

    def description(self, obj=None) -> str:
        return f"Photo galleries tagged {obj.name}."

    def galleries(self, obj):
        return Gallery.objects.published().filter(tags=obj)


class TagAtomFeed(TagFeed):
    feed_type = MediaAtomFeed
    subtitle = TagFeed.description
