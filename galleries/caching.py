"""Page caches and their invalidation.

Public pages are stored whole in Django's cache (Redis in production, shared
by every web process) under a site-wide version number. Purging bumps the
version: every gallery change also changes the home page, lists, feeds and
sitemaps, so one number refreshes them all at once and no key needs finding.
A hit is answered before sessions, CSRF, URL resolving or templates run.

Public pages carry no CSRF token, so one copy serves every reader here and in
any CDN. The forms on them post to views guarded by `same_origin_post`.

Each process also keeps the pages it answered most recently. A hit reads
only the small version number from the shared cache and replays its own copy
when the versions match: fetching and unpickling a page of a hundred
kilobytes would cost more than the rest of the hit.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

VERSION_KEY = "pagecache:version"
# Only these query parameters change a public page; any other makes the request skip the cache,
# so nobody can fill it with ?junk=1, ?junk=2 …
CACHED_PARAMETERS = frozenset({"page", "order", "q", "csort", "cpage"})
LOCAL_PAGES = 64
_local: OrderedDict[str, tuple] = OrderedDict()
_local_lock = threading.Lock()


def _version() -> int:
    return cache.get(VERSION_KEY) or _start_version()


def _start_version() -> int:
    # A fresh start number, so versions seen before the key was evicted are never reused.
    cache.add(VERSION_KEY, time.time_ns(), timeout=None)
    return cache.get(VERSION_KEY)


def purge_gallery(*, gallery_id: int) -> None:
    """Forget every cached page that shows this gallery; call it after the change commits."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        _start_version()


def purge_all() -> None:
    purge_gallery(gallery_id=0)


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


def mark_public(request: HttpRequest, response: HttpResponse, *, last_modified=None) -> HttpResponse:
    """Give a public page its validators and shared-cache headers, and let the page cache keep it."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if response.status_code != 200 or response.streaming:
        return response
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        # Signed-in staff may see more than readers: nobody else may reuse their copy.
        response["Cache-Control"] = "private, no-cache"
        return response
    # SHA-256 rather than MD5: processors hash it in hardware, twice as fast over a page of 170 kilobytes.
    response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    seconds = settings.LOUPE_PAGE_CACHE_SECONDS
    response["Cache-Control"] = f"public, max-age=60, s-maxage={seconds}" if seconds else "public, max-age=60"
    response.loupe_public = True
    conditional = get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=last_modified and int(last_modified.timestamp()),
        response=response,
    )
    return conditional


def mark_private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response.loupe_public = False
    return response


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For views whose page is the same for every anonymous reader."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if getattr(response, "loupe_public", None) is False:
            return response
        return mark_public(request, response, last_modified=getattr(response, "loupe_last_modified", None))

    return wrapper


def same_origin(request: HttpRequest) -> bool:
    """CSRF defence for the forms on publicly cached pages, which cannot carry a per-reader token.

    Browsers send Origin (or at least Referer) with every POST; another site's form cannot forge ours.
    """
    expected = {f"{request.scheme}://{request.get_host()}", settings.SITE_URL}
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        # "null" comes from sandboxed frames and cross-site redirects: it names no site, so never this one.
        return origin in expected
    try:
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    except ValueError:  # such as an unclosed IPv6 bracket: an address no page of ours has
        return False
    return f"{referer.scheme}://{referer.netloc}" in expected


def same_origin_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For views that take the POSTs of forms on public pages: `same_origin` stands in for Django's CSRF token."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not same_origin(request):
            return render(request, "403.html", {"cross_site": True}, status=403)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)
