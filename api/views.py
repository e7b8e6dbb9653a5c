"""The read API, version 1: published galleries, photos, photographers, sections, tags and comments.

Every query starts from the visibility QuerySets (`Gallery.objects.published()` and the rest), so what readers
cannot see is not here either. docs/api.md says why django-ninja and how partners use it.
"""

import re
from datetime import datetime
from typing import Annotated

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI, Path, Query
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer
from pydantic import BeforeValidator

from api import cursors, representation
from api.keys import find_active_key
from api.models import ApiKey
from api.representation import Usage, api_url
from api.schemas import (
    CommentPage,
    Error,
    GalleryDetail,
    GalleryPage,
    Gone,
    Index,
    LabelPage,
    PhotoDetail,
    PhotographerDetail,
    PhotographerPage,
    ReplyPage,
)
from galleries.headers import mark_public
from galleries.models import Gallery, Item, Photo, Photographer, Rendition, Section, Tag
from galleries.pagecache import fragment_version, gallery_fragment
from galleries.ratelimit import allow, client_ip, hash_ip
from galleries.workflow import withdrawn_gallery
from newsroom.models import Comment

SLUG = r"^[-a-zA-Z0-9_]+$"
CURSOR = r"^[-A-Za-z0-9_:]+$"
# The largest id both SQLite and PostgreSQL take, and JSON numbers hold exactly.
MAX_ID = 2**53 - 1
RATE_WINDOW = 60
PHOTO_GONE = "The photo was taken down; take it down wherever it is shown."

Slug = Annotated[str, Path(pattern=SLUG, max_length=200)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Cursor = Annotated[str | None, Query(pattern=CURSOR, max_length=500, description="`next_cursor` of the page before.")]
Limit = Annotated[int, Query(ge=1, le=cursors.MAX_LIMIT, description="How many results a page holds.")]
Filter = Annotated[str | None, Query(pattern=SLUG, max_length=200)]
# RFC 3339, as the schema's `format: date-time` says: pydantic alone would also take a bare number as seconds
# since 1970, or a date without a time.
RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value):
    if not isinstance(value, str) or not (match := RFC3339.fullmatch(value)):
        raise ValueError("Not a time: use RFC 3339, like 2026-05-01T08:00:00Z.")
    day, minutes, seconds, fraction, offset = match.groups()
    # A leap second is a valid RFC 3339 time that Python's datetime cannot hold: the second before it will do.
    seconds = min(seconds, "59")
    fraction = f".{fraction[:6]}" if fraction else ""
    return f"{day}T{minutes}:{seconds}{fraction}{offset.upper()}"


Since = Annotated[
    datetime | None,
    BeforeValidator(_rfc3339),
    Query(None, description="Only galleries published at or after this time (RFC 3339, with its offset)."),
]

ERRORS = {400: Error, 401: Error, 404: Error, 429: Error}
READ = {304: None, **ERRORS}


class RateLimited(Exception):
    pass


class Withdrawn(Exception):
    def __init__(self, reason: str, *, detail: str = "The gallery was withdrawn; take it down wherever it is shown."):
        self.reason = reason
        self.detail = detail


class PartnerKey(HttpBearer):
    """`Authorization: Bearer <key>`; a key that is unknown or revoked is refused, never read as anonymous."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = find_active_key(token)
        if key is not None and not allow(f"api:key:{key.pk}", limit=key.rate_limit, window=RATE_WINDOW):
            raise RateLimited
        return key


def anonymous(request: HttpRequest) -> str | None:
    if not settings.LOUPE_API_ANONYMOUS or "HTTP_AUTHORIZATION" in request.META:
        return None
    limit = settings.LOUPE_API_ANONYMOUS_RATE_LIMIT
    if not allow(f"api:anonymous:{hash_ip(client_ip(request))}", limit=limit, window=RATE_WINDOW):
        raise RateLimited
    return "anonymous"


class LoupeAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        return headers(request, response)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # Without a key is allowed too, when the newsroom allows it: an empty requirement says so.
        optional = [{}] if settings.LOUPE_API_ANONYMOUS else []
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"] = optional + operation["security"]
        return schema


def headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The pages' cache headers and validators; a partner's answers are theirs alone."""
    partner = isinstance(getattr(request, "auth", None), ApiKey)
    response["Vary"] = "Authorization"
    if response.status_code != 200:
        shared = response.status_code in {404, 410} and not partner
        response["Cache-Control"] = "public, max-age=60" if shared else "no-store"
        return response
    response = mark_public(request, response, last_modified=getattr(request, "api_last_modified", None))
    if partner:
        # What a partner may use can differ from what anyone may read: no shared cache may hand it on.
        response["Cache-Control"] = "private, max-age=60"
        response.loupe_public = False
    response["Vary"] = "Authorization"
    return response


api = LoupeAPI(
    title="Loupe read API",
    version="1.0.0",
    description=(
        "The newsroom's published galleries, photos, photographers, sections, tags and approved comments, "
        "exactly as readers see them. Lists are paged by opaque cursors: pass a page's `next_cursor` back as "
        "`cursor`. Answers carry `ETag` and `Last-Modified`; send them back as `If-None-Match` and "
        "`If-Modified-Since` to get 304 Not Modified. Partners send `Authorization: Bearer <key>`."
    ),
    urls_namespace="api-v1",
    auth=[PartnerKey(), anonymous],
    docs_url=None,
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, detail: str, **extra) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": [], **extra}, status=status)


@api.exception_handler(ValidationError)
def bad_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "location": str(error["loc"][0]),
            "field": ".".join(str(part) for part in error["loc"][1:]),
            "message": error["msg"],
        }
        for error in exc.errors
    ]
    body = {"detail": "Some parameters are not valid.", "errors": errors}
    return api.create_response(request, body, status=400)


@api.exception_handler(cursors.BadCursor)
def bad_cursor(request: HttpRequest, exc: cursors.BadCursor) -> HttpResponse:
    return _error(request, 400, str(exc))


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if "HTTP_AUTHORIZATION" in request.META:
        detail = "The key is not valid, or it was revoked."
    else:
        detail = "This API needs a key: send Authorization: Bearer <key>."
    response = _error(request, 401, detail)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(request, 429, "Too many requests; the limit is counted per minute. Try again shortly.")
    response["Retry-After"] = str(RATE_WINDOW)
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(Withdrawn)
def withdrawn(request: HttpRequest, exc: Withdrawn) -> HttpResponse:
    return _error(request, 410, exc.detail, reason=exc.reason)


def _usage(request: HttpRequest) -> Usage:
    return Usage(partner=isinstance(request.auth, ApiKey))


def _page(request: HttpRequest, name: str, results: list, next_cursor: str | None, **kwargs) -> dict:
    next_url = None
    if next_cursor:
        query = {k: v for k, v in request.GET.items() if k != "cursor"} | {"cursor": next_cursor}
        next_url = api_url(name, query, **kwargs)
    return {"results": results, "next_cursor": next_cursor, "next_url": next_url}


def _modified(request: HttpRequest, times) -> None:
    request.api_last_modified = max((t for t in times if t), default=None)


def _published_gallery(slug: str) -> Gallery:
    """The gallery (section and cover joined, photos counted) in one query; 410 if withdrawn, else 404."""
    gallery = representation.galleries_joined(Gallery.objects.published()).filter(slug=slug).first()
    if gallery is None:
        gone = withdrawn_gallery(slug=slug)
        if gone is not None:
            raise Withdrawn(gone.withdrawn_reason)
        raise Http404("No published gallery has that slug.")
    return gallery


@api.get("/", response={200: Index, **READ}, url_name="index", summary="Where everything is")
def index(request: HttpRequest):
    return {
        "galleries": api_url("galleries"),
        "photographers": api_url("photographers"),
        "sections": api_url("sections"),
        "tags": api_url("tags"),
        "openapi": api_url("openapi-json"),
        "docs": api_url("docs"),
    }


@api.get("/galleries/", response={200: GalleryPage, **READ}, url_name="galleries", summary="Published galleries")
def galleries(
    request: HttpRequest,
    section: Filter = None,
    tag: Filter = None,
    photographer: Filter = None,
    published_since: Since = None,
    cursor: Cursor = None,
    limit: Limit = cursors.DEFAULT_LIMIT,
):
    """Newest first. Queries: the galleries (with section, cover and counts), their photographers, their tags,
    their covers' public renditions: four, whatever the page size."""
    published = Gallery.objects.published()
    if section:
        published = published.filter(section__slug=section)
    if tag:
        published = published.filter(pk__in=Tag.objects.filter(slug=tag).values("galleries"))
    if photographer:
        published = published.filter(pk__in=Photographer.objects.filter(slug=photographer).values("galleries"))
    if published_since:
        published = published.filter(published_at__gte=published_since)
    rows, next_cursor = cursors.paginate(
        representation.galleries_for_listing(published),
        kind="galleries",
        keys=("-published_at", "-id"),
        cursor=cursor,
        limit=limit,
    )
    _modified(request, (g.updated_at for g in rows))
    results = representation.gallery_summaries(rows, usage=_usage(request))
    return _page(request, "galleries", results, next_cursor)


@api.get(
    "/galleries/{slug}/",
    response={200: GalleryDetail, 410: Gone, **READ},
    url_name="gallery",
    summary="One published gallery, whole",
)
def gallery(request: HttpRequest, slug: Slug):
    """Its items in order with their photos. A withdrawn gallery answers 410 with the newsroom's reason."""
    usage = _usage(request)
    seconds = settings.LOUPE_PAGE_CACHE_SECONDS
    if usage.partner or not seconds:
        # What a partner may use follows each photo's rights, which no version of the gallery tracks.
        return _gallery_detail(request, slug, usage=usage)
    # Kept like the gallery page's fragments: under the gallery's version, which its every change moves on.
    # Whether it is still published is asked every time, in a query that reads only what the key needs.
    row = Gallery.objects.published().filter(slug=slug).values_list("pk", "updated_at").first()
    if row is None:
        _published_gallery(slug)  # answers 410 or 404
    pk, updated_at = row
    request.api_last_modified = updated_at
    key = f"api:gallery:{pk}:{fragment_version(gallery_fragment(pk))}:{updated_at.timestamp()}"
    body = cache.get(key)
    if body is None:
        data = _gallery_detail(request, slug, usage=usage)
        body = api.renderer.render(request, GalleryDetail.model_validate(data).model_dump(), response_status=200)
        cache.set(key, body, seconds)
    return headers(request, HttpResponse(body, content_type=api.get_content_type()))


def _gallery_detail(request: HttpRequest, slug: str, *, usage: Usage) -> dict:
    found = representation.galleries_for_listing(Gallery.objects.published()).filter(slug=slug).first()
    if found is None:
        _published_gallery(slug)  # answers 410 or 404
    request.api_last_modified = found.updated_at
    return representation.gallery_detail(found, usage=usage)


def _comment_page(request: HttpRequest, *, gallery: Gallery, item: Item | None, cursor, limit, name, **kwargs):
    """Two queries: the page of top-level comments, and every visible reply in their threads."""
    roots, next_cursor = cursors.paginate(
        Comment.objects.visible(on=gallery).filter(item=item, parent__isnull=True).for_thread_display(),
        kind="comments",
        keys=("-created_at", "-id"),
        cursor=cursor,
        limit=limit,
    )
    replies: dict[int, list] = {root.pk: [] for root in roots}
    counts: dict[int, int] = {}
    if roots:
        first = Comment.objects.visible().first_replies(roots=list(replies), limit=representation.REPLIES_PER_THREAD)
        for reply in first:
            replies[reply.root_id].append(reply)
            counts[reply.root_id] = reply.thread_size
    _modified(request, [gallery.updated_at, *(c.created_at for c in roots)])
    results = [
        representation.comment(root, replies=replies[root.pk], reply_count=counts.get(root.pk, 0)) for root in roots
    ]
    return _page(request, name, results, next_cursor, **kwargs)


@api.get(
    "/comments/{pk}/replies/",
    response={200: ReplyPage, **READ},
    url_name="comment-replies",
    summary="Every visible reply in a thread, page by page",
)
def comment_replies(request: HttpRequest, pk: Id, cursor: Cursor = None, limit: Limit = cursors.DEFAULT_LIMIT):
    """`pk` is a top-level comment's id; its replies (at every depth) oldest first. Two queries: the comment, the
    page of replies."""
    root = Comment.objects.visible().filter(pk=pk, parent__isnull=True).only("pk", "created_at").first()
    if root is None:
        raise Http404("No visible comment that starts a thread has that id.")
    rows, next_cursor = cursors.paginate(
        Comment.objects.visible().filter(root=root).for_thread_display(),
        kind="replies",
        keys=("id",),
        cursor=cursor,
        limit=limit,
    )
    _modified(request, [root.created_at, *(c.created_at for c in rows)])
    return _page(request, "comment-replies", [representation.comment(c) for c in rows], next_cursor, pk=pk)


@api.get(
    "/galleries/{slug}/comments/",
    response={200: CommentPage, 410: Gone, **READ},
    url_name="gallery-comments",
    summary="Approved comments on a gallery",
)
def gallery_comments(request: HttpRequest, slug: Slug, cursor: Cursor = None, limit: Limit = cursors.DEFAULT_LIMIT):
    found = _published_gallery(slug)
    return _comment_page(
        request, gallery=found, item=None, cursor=cursor, limit=limit, name="gallery-comments", slug=slug
    )


@api.get(
    "/galleries/{slug}/photos/{pk}/comments/",
    response={200: CommentPage, 410: Gone, **READ},
    url_name="photo-comments",
    summary="Approved comments on one photo of a gallery",
)
def photo_comments(
    request: HttpRequest, slug: Slug, pk: Id, cursor: Cursor = None, limit: Limit = cursors.DEFAULT_LIMIT
):
    """`pk` is the item's id (`items[].id` of the gallery)."""
    found = _published_gallery(slug)
    item = Item.objects.filter(gallery=found, pk=pk).shown().first()
    if item is None:
        # An item hidden with its photo taken down is gone, as its page says; only a miss pays for the lookup.
        if Item.objects.filter(gallery=found, pk=pk).exists():
            raise Withdrawn(representation.TAKEN_DOWN, detail=PHOTO_GONE)
        raise Http404("The gallery has no photo with that id.")
    return _comment_page(
        request, gallery=found, item=item, cursor=cursor, limit=limit, name="photo-comments", slug=slug, pk=pk
    )


@api.get(
    "/photos/{pk}/", response={200: PhotoDetail, 410: Gone, **READ}, url_name="photo", summary="One published photo"
)
def photo(request: HttpRequest, pk: Id):
    """Three queries: the photo with its photographer and whether it may stand for a story uncovered (not
    graphic anywhere), its public renditions, the published items showing it. A photo of a published gallery
    taken down answers 410."""
    found = (
        Photo.objects.in_published_galleries()
        .select_related("photographer")
        .annotate(stands_for_story=Exists(Photo.objects.not_graphic().filter(pk=OuterRef("pk"))))
        .defer(*Photo.BEHIND_THE_SCENES)
        .prefetch_related(Prefetch("renditions", Rendition.objects.public()))
        .filter(pk=pk)
        .first()
    )
    if found is None:
        # A photo of a published gallery taken down, as its page says: partners who kept it are told to take it
        # down too (never why: that is the newsroom's, perhaps a pictured person's).
        taken_down = Item.objects.filter(gallery__in=Gallery.objects.published(), photo_id=pk)
        if taken_down.exclude(photo__taken_down_at=None).exists():
            raise Withdrawn(representation.TAKEN_DOWN, detail=PHOTO_GONE)
        raise Http404("No published photo has that id.")
    usage = _usage(request)
    usage.load([found.pk])
    if usage.withheld(found.pk):
        raise Http404("No photo with that id may be syndicated.")
    appearances = Item.objects.published().filter(photo=found).select_related("gallery").order_by("pk")
    request.api_last_modified = found.updated_at
    return representation.photo(found, stands_for_story=found.stands_for_story) | {
        "graphic": not found.stands_for_story,
        "appears_in": [
            {
                "gallery": item.gallery.slug,
                "title": item.gallery.title,
                "item_id": item.pk,
                "url": representation.absolute(f"{item.gallery.get_absolute_url()}photos/{item.pk}/"),
                "api_url": api_url("gallery", slug=item.gallery.slug),
            }
            for item in appearances
        ],
    }


def _credited() -> QuerySet:
    # Only people with published work, as their pages.
    return Photographer.objects.filter(pk__in=Gallery.objects.published().values("photographers"))


@api.get(
    "/photographers/",
    response={200: PhotographerPage, **READ},
    url_name="photographers",
    summary="Photographers with published work",
)
def photographers(request: HttpRequest, cursor: Cursor = None, limit: Limit = cursors.DEFAULT_LIMIT):
    """By name; one query."""
    rows, next_cursor = cursors.paginate(
        _credited(), kind="photographers", keys=("name", "id"), cursor=cursor, limit=limit
    )
    return _page(request, "photographers", [representation.photographer(p) for p in rows], next_cursor)


@api.get(
    "/photographers/{slug}/",
    response={200: PhotographerDetail, **READ},
    url_name="photographer",
    summary="A photographer and their latest published galleries",
)
def photographer(request: HttpRequest, slug: Slug):
    found = _credited().filter(slug=slug).first()
    if found is None:
        raise Http404("No photographer with published work has that slug.")
    latest = representation.galleries_for_listing(Gallery.objects.published().filter(photographers=found))
    rows = list(latest.order_by("-published_at", "-id")[: representation.PHOTOGRAPHER_GALLERIES])
    _modified(request, (g.updated_at for g in rows))
    return representation.photographer(found) | {
        "galleries": representation.gallery_summaries(rows, usage=_usage(request)),
        "galleries_url": api_url("galleries", {"photographer": found.slug}),
    }


def _labels(request: HttpRequest, model, kind: str, name: str, cursor, limit) -> dict:
    rows, next_cursor = cursors.paginate(
        model.objects.with_published_galleries(), kind=name, keys=("name", "id"), cursor=cursor, limit=limit
    )
    return _page(request, name, [representation.label(row, kind) for row in rows], next_cursor)


@api.get("/sections/", response={200: LabelPage, **READ}, url_name="sections", summary="Sections with galleries")
def sections(request: HttpRequest, cursor: Cursor = None, limit: Limit = cursors.DEFAULT_LIMIT):
    return _labels(request, Section, "section", "sections", cursor, limit)


@api.get("/tags/", response={200: LabelPage, **READ}, url_name="tags", summary="Tags with galleries")
def tags(request: HttpRequest, cursor: Cursor = None, limit: Limit = cursors.DEFAULT_LIMIT):
    return _labels(request, Tag, "tag", "tags", cursor, limit)


def _type(schema: dict) -> str:
    """A schema's type in a few words, for the reference page."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    kind = schema.get("type", "any")
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def docs(request: HttpRequest) -> HttpResponse:
    """The API's reference, rendered from its OpenAPI document: no script, nothing from another site."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            parameters = [
                {**parameter, "type": _type(parameter.get("schema", {}))}
                for parameter in operation.get("parameters", [])
            ]
            responses = [
                {
                    "status": status,
                    "description": response.get("description", ""),
                    "type": _type(response.get("content", {}).get("application/json", {}).get("schema", {}))
                    if response.get("content")
                    else "",
                }
                for status, response in operation.get("responses", {}).items()
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": operation.get("operationId", ""),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "responses": responses,
                    "example": f"{representation.absolute(path)}",
                }
            )
    components = [
        {
            "name": name,
            "description": component.get("description", ""),
            "fields": [
                {
                    "name": field,
                    "type": _type(spec),
                    "required": field in component.get("required", []),
                    "description": spec.get("description", ""),
                    "examples": spec.get("examples", []),
                }
                for field, spec in component.get("properties", {}).items()
            ],
        }
        for name, component in sorted(schema.get("components", {}).get("schemas", {}).items())
    ]
    context = {
        "info": schema["info"],
        "operations": operations,
        "components": components,
        "openapi_url": reverse("api-v1:openapi-json"),
        "example_key": "loupe_…",
    }
    return headers(request, render(request, "api/docs.html", context))


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _error(request, 404, "No such resource; see /api/v1/ for the ones there are.")
