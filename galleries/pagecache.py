"""The page cache, and the versions that invalidate it and the fragments pages are built from.

Public pages are stored whole in Django's cache (Redis in production, shared
by every web process), each with the versions it was rendered at. Purging
bumps a version, so no key needs finding:

- the site-wide version: every gallery change also changes the home page,
  lists, feeds and sitemaps, so one number refreshes them all at once;
- each gallery's comments version: a change to a gallery's comments refreshes
  its page and its photos' pages, which show its comments and no others, and
  leaves the other galleries' pages as they are;
- the comments version of the site, for every other page. A page that shows
  no comments today may show some tomorrow, so by default a page is refreshed
  by any comment change; only a gallery's own pages say they show less
  (`shows_comments_of`).

A hit is answered before sessions, CSRF, URL resolving or templates run.

Each process also keeps the pages it answered most recently. A hit reads
only the page's two small version numbers from the shared cache, in one
call, and replays its own copy when they match: fetching and unpickling a
page of a hundred kilobytes would cost more than the rest of the hit.

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
# While one process renders a page that missed, the others wait for its copy this long before rendering their own.
RENDERING_KEY = "pagecache:rendering:"
RENDER_WAIT_SECONDS = 0.5
RENDER_LOCK_SECONDS = 5
_local: OrderedDict[str, tuple] = OrderedDict()
_local_lock = threading.Lock()


def _version(key: str = VERSION_KEY) -> int:
    return cache.get(key) or _start_version(key)


def _start_version(key: str) -> int:
    # A fresh start number, so versions seen before the key was evicted are never reused.
    cache.add(key, time.time_ns(), timeout=None)
    return cache.get(key)


def purge_pages(*, changed: Iterable[str] = ()) -> None:
    """Forget every cached page, and the fragments named in `changed`; call it after the change commits.

    A fragment's version changes only with what it shows: after a gallery is edited its page is rendered
    again, but the sections menu comes from its fragment.
    """
    for name in changed:
        _bump(FRAGMENT_KEY.format(name))
    _bump(VERSION_KEY)


def purge_gallery_pages(gallery_ids: Iterable[int]) -> None:
    """Forget every cached page, and the fragments that show these galleries: their own pages' and the
    site-wide lists of what is published (the sections menu). Call it after the change commits."""
    purge_pages(changed=[*(gallery_fragment(gallery_id) for gallery_id in gallery_ids), LISTINGS_FRAGMENT])


def purge_comment_pages(gallery_ids: Iterable[int], *, changed: Iterable[str] = ()) -> None:
    """Forget the cached pages that show comments of these galleries, and the fragments named in `changed`;
    call it after the change commits. The pages of other galleries stay: none of these comments is on them."""
    for name in {*changed, *(comments_fragment(gallery_id) for gallery_id in gallery_ids), ALL_COMMENTS_FRAGMENT}:
        _bump(FRAGMENT_KEY.format(name))


def gallery_fragment(gallery_id: int) -> str:
    """The name of the version of everything a gallery page shows of the gallery itself."""
    return f"gallery:{gallery_id}"


def comments_fragment(gallery_id: int) -> str:
    """The name of the version of a gallery's comments: of its comment sections, and in the page cache of its
    page and its photos' pages (`shows_comments_of`)."""
    return f"comments:{gallery_id}"


# The name of the version of what every page shows of the published galleries as a whole (the sections menu):
# a change to a gallery moves it, a comment does not.
LISTINGS_FRAGMENT = "listings"
# The name of the version of every page but a gallery's own: any of them may show comments of any gallery.
ALL_COMMENTS_FRAGMENT = "comments"
ALL_COMMENTS_KEY = FRAGMENT_KEY.format(ALL_COMMENTS_FRAGMENT)


def comments_version(gallery_id: int) -> tuple[str, int]:
    """A gallery's comments version as it is now, for `shows_comments_of`: read it before the comments are."""
    key = FRAGMENT_KEY.format(comments_fragment(gallery_id))
    return key, _version(key)


def shows_comments_of(response: HttpResponse, version: tuple[str, int]) -> HttpResponse:
    """Say the page shows the comments of one gallery only, read at `version` (`comments_version`), so a change
    to other galleries' comments leaves its cached copy alone."""
    response.loupe_comments_version = version
    return response


def fragment_seconds(request: HttpRequest) -> int:
    """How long fragments of this request's page may be kept: as long as pages, or not at all.

    Not at all for the parameters the page cache refuses too, among them the page a reader is sent to after
    their own change (marked "notice"), which shows that change before the purge that follows its commit.
    """
    return settings.LOUPE_PAGE_CACHE_SECONDS if set(request.GET) <= CACHED_PARAMETERS else 0


def fragment_version(name: str) -> int:
    """The current version of a fragment, for its cache key."""
    return _version(FRAGMENT_KEY.format(name))


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        _start_version(key)


def _page_key(request: HttpRequest) -> str:
    return "pagecache:page5:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()[:40]


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
        entry = _cached_entry(key)
        if entry is not None:
            return _replay(request, entry)
        # The versions as they are before the page is read (started now if they are missing): a change while it
        # renders outdates the copy.
        found = cache.get_many([VERSION_KEY, ALL_COMMENTS_KEY])
        site, comments = (found.get(key) or _start_version(key) for key in (VERSION_KEY, ALL_COMMENTS_KEY))
        # The mark says which versions its copy will carry: a process that read others (a purge came in between)
        # would find that copy out of date, so it renders its own at once.
        rendering, versions = RENDERING_KEY + key, (site, comments)
        if site is not None and not cache.add(rendering, versions, RENDER_LOCK_SECONDS):
            # Another process is rendering this page: a purge sends every process to the same pages at once.
            entry = _awaited(key, rendering) if cache.get(rendering) == versions else None
            if entry is not None:
                return _replay(request, entry)
            rendering = None
        try:
            response = _private_if_personal(self.get_response(request))
            self._keep(request, response, key, site=site, comments=comments)
        finally:
            if site is not None and rendering:
                cache.delete(rendering)
        return response

    @staticmethod
    def _keep(request: HttpRequest, response: HttpResponse, key: str, *, site, comments) -> None:
        if (
            request.method == "GET"
            and getattr(response, "loupe_public", False)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            versions = (
                (VERSION_KEY, site),
                getattr(response, "loupe_comments_version", None) or (ALL_COMMENTS_KEY, comments),
            )
            if any(version is None for _, version in versions):
                # The shared cache is away: a copy kept now could not be purged, so none is kept.
                return
            headers = tuple(
                (name, value) for name, value in response.items() if name.lower() not in {"vary", "content-length"}
            )
            seconds = settings.LOUPE_PAGE_CACHE_SECONDS
            entry = (versions, response.content, headers, response.get("ETag"), time.time() + seconds)
            cache.set(key, entry, seconds)
            _remember(key, entry)


def _awaited(key: str, rendering: str):
    """The page another process is rendering, once it is kept; None once it stops without keeping one, or after
    RENDER_WAIT_SECONDS (it may have died: its mark lasts RENDER_LOCK_SECONDS). Waiting leaves the processor to
    the one rendering, and the page is made once instead of once by every process."""
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    pause = 0.002
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
        # Only the small mark is read while it lasts: the shared copy may still be the old page, and reading
        # a hundred kilobytes to find it out of date again would cost a good part of rendering it.
        if not cache.has_key(rendering):
            # Done, and its copy (kept before the mark went) is either there now or was never made.
            return _cached_entry(key)
    return None


def _cached_entry(key: str):
    """This process's copy of the page, or else the shared one, while every version it was rendered at holds."""
    with _local_lock:
        entry = _local.get(key)
        if entry is not None:
            _local.move_to_end(key)
    if entry is not None:
        if _fresh(entry):
            return entry
        with _local_lock:
            _local.pop(key, None)
    entry = cache.get(key)
    if entry is not None and _fresh(entry):
        _remember(key, entry)
        return entry
    return None


def _fresh(entry) -> bool:
    versions, expires = entry[0], entry[4]
    if expires <= time.time():
        return False
    current = cache.get_many([name for name, _ in versions])
    return all(current.get(name) == version for name, version in versions)


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
