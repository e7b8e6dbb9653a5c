"""The page cache, and the versions that invalidate it and the fragments pages are built from.

Public pages are stored whole in Django's cache (Redis in production, shared
by every web process) under a site-wide version number. Purging bumps the
version: every gallery change also changes the home page, lists, feeds and
sitemaps, so one number refreshes them all at once and no key needs finding.
A hit is answered before sessions, CSRF, URL resolving or templates run.

Each process also keeps the pages it answered most recently. A hit reads
only the small version number from the shared cache and replays its own copy
when the versions match: fetching and unpickling a page of a hundred
kilobytes would cost more than the rest of the hit.

Pages that miss are rendered from fragments cached under versions of their
own (`{% cache %}` keyed by `fragment_version`), so a page whose comments
changed renders its comment section again and takes the rest from the cache.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

VERSION_KEY = "pagecache:version"
FRAGMENT_KEY = "fragment:{}:version"
# Only these query parameters change a public page; any other makes the request skip the cache,
# so nobody can fill it with ?junk=1, ?junk=2 …
CACHED_PARAMETERS = frozenset({"page", "order", "q", "csort", "cpage"})
LOCAL_PAGES = 64
_local: OrderedDict[str, tuple] = OrderedDict()
_local_lock = threading.Lock()


def _version() -> int:
    return cache.get(VERSION_KEY) or _start_version(VERSION_KEY)


def _start_version(key: str) -> int:
    # A fresh start number, so versions seen before the key was evicted are never reused.
    cache.add(key, time.time_ns(), timeout=None)
    return cache.get(key)


def purge_pages(*, changed: Iterable[str] = ()) -> None:
    """Forget every cached page, and the fragments named in `changed`; call it after the change commits.

    A fragment's version changes only with what it shows: after a comment is approved the page is
    rendered again, but the gallery's items come from their fragment.
    """
    for name in changed:
        _bump(FRAGMENT_KEY.format(name))
    _bump(VERSION_KEY)


def purge_gallery_pages(gallery_ids: Iterable[int]) -> None:
    """Forget every cached page, and the fragments that show these galleries: their own pages' and the
    site-wide lists of what is published (the sections menu). Call it after the change commits."""
    purge_pages(changed=[*(gallery_fragment(gallery_id) for gallery_id in gallery_ids), LISTINGS_FRAGMENT])


def gallery_fragment(gallery_id: int) -> str:
    """The name of the version of everything a gallery page shows of the gallery itself."""
    return f"gallery:{gallery_id}"


# The name of the version of what every page shows of the published galleries as a whole (the sections menu):
# a change to a gallery moves it, a comment does not.
LISTINGS_FRAGMENT = "listings"


def fragment_seconds(request: HttpRequest) -> int:
    """How long fragments of this request's page may be kept: as long as pages, or not at all.

    Not at all for the parameters the page cache refuses too, among them the page a reader is sent to after
    their own change (marked "notice"), which shows that change before the purge that follows its commit.
    """
    return settings.LOUPE_PAGE_CACHE_SECONDS if set(request.GET) <= CACHED_PARAMETERS else 0


def fragment_version(name: str) -> int:
    """The current version of a fragment, for its cache key."""
    key = FRAGMENT_KEY.format(name)
    return cache.get(key) or _start_version(key)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        _start_version(key)


def _page_key(request: HttpRequest) -> str:
    return "pagecache:page4:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()[:40]


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and settings.LOUPE_PAGE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and set(request.GET) <= CACHED_PARAMETERS
    )


class PageCacheMiddleware:
    """Answers anonymous GETs for public pages from the cache; stores what `public_page` views mark cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _cacheable_request(request):
            return _private_if_personal(self.get_response(request))
        key = _page_key(request)
        version = cache.get(VERSION_KEY)
        entry = _local_entry(key, version)
        if entry is None and version is not None:
            entry = cache.get(key)
            if _fresh(entry, version):
                _remember(key, entry)
            else:
                entry = None
        if entry is not None:
            return _replay(request, entry)
        response = _private_if_personal(self.get_response(request))
        if (
            request.method == "GET"
            and getattr(response, "loupe_public", False)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            version = version or _version()
            if version is None:
                # The shared cache is away: a copy kept now could not be purged, so none is kept.
                return response
            headers = tuple(
                (name, value) for name, value in response.items() if name.lower() not in {"vary", "content-length"}
            )
            seconds = settings.LOUPE_PAGE_CACHE_SECONDS
            entry = (version, response.content, headers, response.get("ETag"), time.time() + seconds)
            cache.set(key, entry, seconds)
            _remember(key, entry)
        return response


def _fresh(entry, version) -> bool:
    return entry is not None and entry[0] == version and entry[4] > time.time()


def _local_entry(key: str, version):
    with _local_lock:
        entry = _local.get(key)
        if entry is None:
            return None
        if not _fresh(entry, version):
            del _local[key]
            return None
        _local.move_to_end(key)
        return entry


def _remember(key: str, entry) -> None:
    with _local_lock:
        _local[key] = entry
        _local.move_to_end(key)
        while len(_local) > LOCAL_PAGES:
            _local.popitem(last=False)


def _private_if_personal(response: HttpResponse) -> HttpResponse:
    if getattr(response, "loupe_public", False) and response.cookies:
        # Made for this reader (a message meant for them, a cookie of theirs): no cache may keep it.
        response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


def _replay(request: HttpRequest, entry) -> HttpResponse:
    _, content, headers, etag, _expires = entry
    if etag and request.META.get("HTTP_IF_NONE_MATCH") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    response["Content-Length"] = str(len(content))
    return response
