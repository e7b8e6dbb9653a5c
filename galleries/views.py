import hashlib
import secrets

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from galleries.headers import mark_private, mark_public, public_page
from galleries.models import Gallery, Item, Photographer, Rendition, Section, Tag
from galleries.origins import same_origin, same_origin_post
from galleries.pagecache import (
    comments_version,
    fragment_seconds,
    fragment_version,
    gallery_fragment,
    shows_comments_of,
)
from galleries.popularity import cast_vote, count_view, most_popular, trending
from galleries.presentation import (
    GalleryPage,
    PageItem,
    RenditionUrl,
    absolute,
    card_social,
    photo_json_ld,
    preview_url,
    public_url,
    social_image,
)
from galleries.ratelimit import allow, client_ip, hash_ip
from galleries.search import clean_query, search_galleries
from galleries.workflow import withdrawn_gallery

PAGE_SIZE = 12
VOTER_COOKIE = "loupe_voter"
VOTER_SALT = "galleries.vote"
VOTER_MAX_AGE = 2 * 365 * 86400


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _canonical(request: HttpRequest, page=None) -> str:
    suffix = f"?page={page.number}" if page is not None and page.number > 1 else ""
    return absolute(request.path) + suffix


@public_page
def home(request: HttpRequest) -> HttpResponse:
    page = _page(request, Gallery.objects.published().for_listing())
    context = {"page": page, "canonical": _canonical(request, page)}
    if page.number == 1:
        lead = page[0] if page else None
        social = card_social(lead) if lead else None
        context |= {"lead": lead, "social": social, "trending": trending(), "popular": most_popular()}
    return render(request, "galleries/home.html", context)


def _gone_or_404(request: HttpRequest, slug: str) -> HttpResponse:
    # Only a miss pays for the withdrawn lookup; a withdrawn gallery answers 410 with the newsroom's reason.
    gallery = withdrawn_gallery(slug=slug)
    if gallery is None:
        raise Http404("No such gallery.")
    gone = render(request, "galleries/gallery_withdrawn.html", {"reason": gallery.withdrawn_reason}, status=410)
    gone["X-Robots-Tag"] = "noindex"
    return mark_private(gone)


def gallery_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        gallery = Gallery.objects.published().select_related("section").get(slug=slug)
    except Gallery.DoesNotExist:
        return _gone_or_404(request, slug)
    return render_gallery_page(request, gallery)


def render_gallery_page(
    request: HttpRequest,
    gallery: Gallery,
    *,
    preview: bool = False,
    page_url: str | None = None,
    rendition_url: RenditionUrl | None = None,
) -> HttpResponse:
    """The gallery page; preview=True is the view of a gallery readers cannot see yet.

    `page_url` is where a preview lives (the staff preview unless a preview link says otherwise): its photo
    links stay there, because the public pages of an unpublished gallery answer 404. `rendition_url` is
    where a preview's files are, the staff file view unless a preview link says otherwise.
    """
    comments = None if preview else comments_version(gallery.pk)
    order = "votes" if request.GET.get("order") == "votes" else ""
    page_url = _page_url(gallery, preview=preview, page_url=page_url)
    here = request.get_full_path()
    context = {
        "gallery": gallery,
        "gallery_url": page_url,
        "page": GalleryPage(gallery, base=page_url, order=order, **_files(preview=preview, url=rendition_url)),
        "order": order,
        "preview": preview,
        # Without "next" a vote answers with the gallery at the photo's anchor, which is where the reader is.
        "here": "" if here == gallery.get_absolute_url() else here,
        "canonical": absolute(gallery.get_absolute_url()),
        **_fragments(request, gallery, preview=preview),
    }
    response = render(request, "galleries/gallery_detail.html", context)
    return _finish(request, response, gallery, preview=preview, comments=comments)


def _files(*, preview: bool, url: RenditionUrl | None = None) -> dict:
    # Previews show every rendition, through the staff file view unless told otherwise; readers only public files.
    if preview:
        return {"url": url or preview_url, "renditions": Rendition.objects.all()}
    return {"url": public_url}


def _fragments(request: HttpRequest, gallery: Gallery, *, preview: bool) -> dict:
    """How long the page's fragments are kept (a preview's never), and under which version."""
    seconds = 0 if preview else fragment_seconds(request)
    if not seconds:
        return {"fragment_seconds": 0, "gallery_version": 0}
    return {"fragment_seconds": seconds, "gallery_version": fragment_version(gallery_fragment(gallery.pk))}


def _finish(
    request: HttpRequest, response: HttpResponse, gallery: Gallery, *, preview: bool, comments: tuple[str, int] | None
) -> HttpResponse:
    """A preview is private; a reader's page is public, and shows the comments of its gallery and no others, as
    they were at `comments` (`comments_version`, read before them)."""
    if preview:
        response["X-Robots-Tag"] = "noindex, nofollow"
        return mark_private(response)
    return shows_comments_of(mark_public(request, response, last_modified=gallery.updated_at), comments)


def photo_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    gallery = Gallery.objects.published().select_related("section").filter(slug=slug).first()
    if gallery is None:
        return _gone_or_404(request, slug)
    item = Item.objects.filter(gallery=gallery).for_page().filter(pk=pk).first()
    if item is None:
        return _item_gone_or_404(request, gallery, pk)
    return render_item_page(request, gallery, item)


def _item_gone_or_404(request: HttpRequest, gallery: Gallery, pk: int) -> HttpResponse:
    # An item the editors hid with its photo taken down answers 410 Gone; only a miss pays for the lookup.
    if not Item.objects.filter(gallery=gallery, pk=pk).exists():
        raise Http404("No such photo in this gallery.")
    gone = render(request, "galleries/item_unavailable.html", {"gallery": gallery}, status=410)
    gone["X-Robots-Tag"] = "noindex"
    return mark_private(gone)


def _page_url(gallery: Gallery, *, preview: bool, page_url: str | None) -> str:
    if page_url:
        return page_url
    return reverse("galleries:preview", kwargs={"pk": gallery.pk}) if preview else gallery.get_absolute_url()


def render_item_page(
    request: HttpRequest,
    gallery: Gallery,
    item: Item,
    *,
    preview: bool = False,
    page_url: str | None = None,
    rendition_url: RenditionUrl | None = None,
) -> HttpResponse:
    """One photo of a gallery on its own page: its permalink, previous and next, and its comments."""
    comments = None if preview else comments_version(gallery.pk)
    files = _files(preview=preview, url=rendition_url)
    if preview or "renditions" not in getattr(item.photo, "_prefetched_objects_cache", {}):
        item = get_object_or_404(Item.objects.for_page(renditions=files.get("renditions")), pk=item.pk)
    siblings = list(Item.objects.filter(gallery=gallery).shown().values_list("pk", flat=True))
    index = siblings.index(item.pk)
    page_url = _page_url(gallery, preview=preview, page_url=page_url)
    # A graphic photo is shown only when the reader chose to see it (the cover's "Show photo" link).
    shown = request.GET.get("show") == "1"
    entry = PageItem(item, gallery=gallery, base=page_url, url=files["url"], shown=shown)
    context = {
        "gallery": gallery,
        "entry": entry,
        "item": item,
        "photographers": list(gallery.photographers.all()),
        "gallery_url": page_url,
        "previous": _sibling_url(page_url, siblings, index - 1),
        "next": _sibling_url(page_url, siblings, index + 1),
        "position": index + 1,
        "total": len(siblings),
        "preview": preview,
        "canonical": entry.canonical,
        "social": social_image(item.photo, url=files["url"]) if entry.stands_for_story else None,
        "json_ld": photo_json_ld(entry),
    }
    response = render(request, "galleries/item_detail.html", context)
    if item.is_unavailable:
        response["X-Robots-Tag"] = "noindex"
    return _finish(request, response, gallery, preview=preview, comments=comments)


def _sibling_url(page_url: str, siblings: list[int], index: int) -> str:
    if not 0 <= index < len(siblings):
        return ""
    return f"{page_url}photos/{siblings[index]}/"


@public_page
def photographer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Only people with published work have a public page.
    credited = Photographer.objects.filter(pk__in=Gallery.objects.published().values("photographers"))
    photographer = get_object_or_404(credited, slug=slug)
    page = _page(request, Gallery.objects.published().filter(photographers=photographer).for_listing())
    context = {"photographer": photographer, "page": page, "canonical": _canonical(request, page)}
    return render(request, "galleries/photographer_detail.html", context)


@public_page
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag.objects.with_published_galleries(), slug=slug)
    page = _page(request, Gallery.objects.published().filter(tags=tag).for_listing())
    return render(
        request, "galleries/tag_detail.html", {"tag": tag, "page": page, "canonical": _canonical(request, page)}
    )


@public_page
def section_detail(request: HttpRequest, slug: str) -> HttpResponse:
    section = get_object_or_404(Section.objects.with_published_galleries(), slug=slug)
    page = _page(request, Gallery.objects.published().filter(section=section).for_listing())
    context = {"section": section, "page": page, "canonical": _canonical(request, page)}
    return render(request, "galleries/section_detail.html", context)


@public_page
def search(request: HttpRequest) -> HttpResponse:
    query = clean_query(request.GET.get("q", ""))
    page = _page(request, search_galleries(query).for_listing())
    response = render(request, "galleries/search.html", {"query": query, "page": page})
    response["X-Robots-Tag"] = "noindex"
    return response


@same_origin_post  # The form lives on cached pages without a token.
@require_POST
def vote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = get_object_or_404(
        Item.objects.select_related("gallery"), pk=pk, gallery__slug=slug, gallery__in=Gallery.objects.published()
    )
    token = request.get_signed_cookie(VOTER_COOKIE, default="", salt=VOTER_SALT) or secrets.token_urlsafe(24)
    ip_hash = hash_ip(client_ip(request))
    allowed = allow(f"vote:ip:{ip_hash}", limit=120, window=3600) and allow(f"vote:voter:{token}", limit=60, window=600)
    voter = hashlib.sha256(token.encode()).hexdigest()
    counted = allowed and cast_vote(item=item, voter=voter, ip_hash=ip_hash)
    if "application/json" in request.headers.get("Accept", ""):
        item.refresh_from_db(fields=["vote_count"])
        response = JsonResponse({"counted": counted, "votes": item.vote_count}, status=200 if allowed else 429)
    elif not allowed:
        response = render(request, "galleries/vote_refused.html", {"item": item}, status=429)
    else:
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = f"{item.gallery.get_absolute_url()}#photo-{item.number}"
        response = redirect(target)
    response.set_signed_cookie(
        VOTER_COOKIE,
        token,
        salt=VOTER_SALT,
        max_age=VOTER_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return mark_private(response)


@csrf_exempt  # A page-view beacon: no state of the reader changes, and same_origin still applies.
@require_POST
def seen(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the cache is touched: galleries that are not published are never folded into the stats.
    if same_origin(request) and allow(f"seen:{hash_ip(client_ip(request))}:{pk}", limit=1, window=900):
        count_view(gallery_id=pk)
    return mark_private(HttpResponse(status=204))


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: whatever broke the page may break them too.
    content = loader.render_to_string("500.html", {"site_name": settings.SITE_NAME})
    return HttpResponse(content, status=500)
