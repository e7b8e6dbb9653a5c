from functools import cache

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from galleries.models import Section
from galleries.pagecache import LISTINGS_FRAGMENT, fragment_version

SITE_LINKS = ("home", "search", "rss", "atom", "sitemap", "manifest")
SECTIONS_KEY = "site:sections:{}"
# A day at most; a change to the published galleries replaces the list sooner.
SECTIONS_SECONDS = 86400


def site(request) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "site_links": _site_links(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()),
        # Read only by pages that show the menu (not the admin's), and then from the cache.
        "site_sections": SimpleLazyObject(site_sections),
    }


def site_sections() -> list[dict[str, str]]:
    """The sections readers can browse, for the header's menu and the footer: one query after each change to
    the galleries (not after each comment), shared by every page and process until the next."""
    key = SECTIONS_KEY.format(fragment_version(LISTINGS_FRAGMENT))
    sections = shared_cache.get(key)
    if sections is None:
        sections = [
            {"name": section.name, "url": section.get_absolute_url(), "slug": section.slug}
            for section in Section.objects.with_published_galleries().order_by("name")
        ]
        shared_cache.set(key, sections, SECTIONS_SECONDS)
    return sections


@cache
def _site_links(urlconf: str, script_prefix: str) -> dict[str, str]:
    # The header's and footer's links are the same on every page: reversed once per process (for each URLconf
    # and script prefix, which reverse() reads), not seven times a page.
    return {name: reverse(f"galleries:{name}", urlconf=urlconf) for name in SITE_LINKS}
