from functools import cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

SITE_LINKS = ("home", "search", "rss", "atom", "sitemap", "manifest")


def site(request) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "site_links": _site_links(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()),
    }


@cache
def _site_links(urlconf: str, script_prefix: str) -> dict[str, str]:
    # The header's and footer's links are the same on every page: reversed once per process (for each URLconf
    # and script prefix, which reverse() reads), not seven times a page.
    return {name: reverse(f"galleries:{name}", urlconf=urlconf) for name in SITE_LINKS}
