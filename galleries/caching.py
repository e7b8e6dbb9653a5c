"""Page caches and their invalidation.

Public pages are stored whole in Django's cache (Redis in production, shared
by every web process) under a site-wide version number. Purging bumps the
version: every gallery change also changes the home page, lists, feeds and
sitemaps, so one number refreshes them all at once and no key needs finding.
A hit is answered before sessions, CSRF, URL resolving or templates run.
"""

import hashlib
import re
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

VERSION_KEY = "pagecache:version"
# Only these query parameters change a public page; any other makes the request skip the cache,
# so nobody can fill it with ?junk=1, ?junk=2 …
CACHED_PARAMETERS = frozenset({"page", "order", "q", "csort", "cpage"})
# Forms on cached pages (comments) carry a CSRF token per reader: the stored page keeps a hole
# where the token goes, and each hit fills it with a token for that reader's cookie.
CSRF_HOLE = b"\x00loupe-csrf-token\x00"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+(")')
_csrf = CsrfViewMiddleware(lambda request: HttpResponse())


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
    return "pagecache:page2:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()[:40]


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
        # One round trip for both the version and the page.
        found = cache.get_many([VERSION_KEY, key])
        version, entry = found.get(VERSION_KEY), found.get(key)
        if entry is not None and version is not None and entry[0] == version:
            return _replay(request, entry)
        response = _private_if_personal(self.get_response(request))
        if (
            request.method == "GET"
            and getattr(response, "loupe_public", False)
            and response.status_code == 200
            and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
            and not response.streaming
        ):
            # Stored as the pieces between token holes: a hit joins them around its token, no search needed.
            parts = tuple(_CSRF_INPUT.sub(rb"\1" + CSRF_HOLE + rb"\2", response.content).split(CSRF_HOLE))
            version = version or _version()
            headers = tuple(
                (name, value) for name, value in response.items() if name.lower() not in {"vary", "content-length"}
            )
            entry = (version, parts, headers, response.get("ETag"))
            cache.set(key, entry, settings.LOUPE_PAGE_CACHE_SECONDS)
        return response


def _private_if_personal(response: HttpResponse) -> HttpResponse:
    if getattr(response, "loupe_public", False) and response.cookies:
        # Made for this reader: a form with their CSRF token, a message meant for them. Shared caches may not keep
        # it; this cache may keep a page whose only cookie is the token, as each hit fills in the reader's own.
        response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


def _replay(request: HttpRequest, entry) -> HttpResponse:
    _, parts, headers, etag = entry
    if etag and request.META.get("HTTP_IF_NONE_MATCH") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    if len(parts) == 1:
        response = HttpResponse(parts[0])
    else:
        # The reader's own CSRF cookie (or a new one), as CsrfViewMiddleware would give it.
        _csrf.process_request(request)
        response = HttpResponse(get_token(request).encode().join(parts))
    for name, value in headers:
        response[name] = value
    response["Content-Length"] = str(len(response.content))
    if len(parts) > 1:
        _csrf.process_response(request, response)
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
    response["ETag"] = '"' + hashlib.md5(response.content, usedforsecurity=False).hexdigest() + '"'
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
