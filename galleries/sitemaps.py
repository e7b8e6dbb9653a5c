"""sitemap.xml with the image extension, and a Google News sitemap of the last two days."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Prefetch
from django.utils import timezone

from galleries.markup import plain_text
from galleries.models import Gallery, Item, Photographer, Rendition, Section, Tag
from galleries.presentation import absolute, build_picture


class _CanonicalSitemap(Sitemap):
    """Locations on SITE_URL, whichever host the request came to."""

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class GallerySitemap(_CanonicalSitemap):
    changefreq = "weekly"
    limit = 1000

    def items(self):
        return Gallery.objects.published().order_by("-published_at", "pk")

    def lastmod(self, gallery: Gallery):
        return gallery.updated_at

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        # Images for this page of galleries in two queries, however many photos they hold.
        galleries = {url["item"].pk: url for url in urls}
        items = (
            # Image search shows a photo without its warning: graphic ones stay out.
            Item.objects.shown()
            .not_graphic()
            .filter(gallery_id__in=galleries)
            .select_related("photo")
            .prefetch_related(Prefetch("photo__renditions", Rendition.objects.public()))
        )
        for url in urls:
            url["images"] = []
        for item in items:
            picture = build_picture(item.photo)
            if picture:
                galleries[item.gallery_id]["images"].append(
                    {"loc": absolute(picture.largest), "caption": plain_text(item.caption)}
                )
        return urls


class NewsSitemap(GallerySitemap):
    def items(self):
        since = timezone.now() - datetime.timedelta(days=2)
        return super().items().filter(published_at__gte=since)


class PhotographerSitemap(_CanonicalSitemap):
    changefreq = "weekly"

    def items(self):
        return Photographer.objects.filter(pk__in=Gallery.objects.published().values("photographers")).order_by("slug")


class TagSitemap(_CanonicalSitemap):
    def items(self):
        return Tag.objects.with_published_galleries().order_by("slug")


class SectionSitemap(_CanonicalSitemap):
    def items(self):
        return Section.objects.with_published_galleries().order_by("slug")


SITEMAPS = {
    "galleries": GallerySitemap,
    "photographers": PhotographerSitemap,
    "tags": TagSitemap,
    "sections": SectionSitemap,
}
