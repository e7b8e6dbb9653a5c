"""Seeing what readers cannot see yet: staff previews of any gallery, preview links for people without a login,
and the permission-checked file views their images come through.

A preview link is a random 256-bit token shown once to the editor who makes it; only its SHA-256 is stored, so
a database leak reveals no working link. It expires (at most LINK_MAX_AGE), can be revoked one by one, and
grants exactly one gallery and the renditions of that gallery's photos, nothing else.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from galleries.imaging import CONTENT_TYPES
from galleries.markup import without_control_characters
from galleries.models import Gallery, Item, Photo, PreviewLink, Rendition
from newsroom.audit import record

LINK_MAX_AGE = timedelta(days=30)
LINK_DEFAULT_AGE = timedelta(days=7)
LINK_LIFETIME_ERROR = f"A preview link lasts between five minutes and {LINK_MAX_AGE.days} days."

# Set while a preview-link page renders, so its images point at the token-checked file view.


class PreviewLinkError(Exception):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_preview_link(
    *, gallery: Gallery, by, expires_in: timedelta = LINK_DEFAULT_AGE, label: str = ""
) -> tuple[PreviewLink, str]:
    """Make a link for someone without a login; returns the link and its token, which is never stored."""
    from galleries.workflow import is_editor

    if not is_editor(by):
        raise PreviewLinkError("Only editors may make preview links.")
    if not timedelta(minutes=5) <= expires_in <= LINK_MAX_AGE:
        raise PreviewLinkError(LINK_LIFETIME_ERROR)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = PreviewLink.objects.create(
            gallery=gallery,
            token_hash=_hash(token),
            label=without_control_characters(label).strip()[:200],
            expires_at=timezone.now() + expires_in,
            created_by=by,
        )
        record(gallery, "gallery.preview_link_created", by=by, note=link.label, data={"link": link.pk})
    return link, token


def revoke_preview_link(*, link: PreviewLink, by) -> PreviewLink:
    from galleries.workflow import is_editor

    if not is_editor(by):
        raise PreviewLinkError("Only editors may revoke preview links.")
    with transaction.atomic():
        if PreviewLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=timezone.now()):
            record(link.gallery, "gallery.preview_link_revoked", by=by, note=link.label, data={"link": link.pk})
    link.refresh_from_db()
    return link


def _link_for(token: str) -> PreviewLink:
    # Expired, revoked, tampered with or never made: all look the same from outside.
    link = PreviewLink.objects.active().select_related("gallery").filter(token_hash=_hash(token)).first()
    if link is None:
        raise Http404("This preview link is not valid any more.")
    return link


def _link_media(token: str) -> Callable[[Rendition], str]:
    """Where a preview link's pages find their files: under the link, which is all its guest may open."""
    return lambda rendition: reverse("galleries:preview-link-media", kwargs={"token": token, "name": rendition.name})


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is in the URL: never hand it to another site in a Referer header.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _visible_gallery(request: HttpRequest, pk: int) -> Gallery:
    from galleries.workflow import galleries_visible_to

    return get_object_or_404(galleries_visible_to(request.user), pk=pk)


# Staff previews ---------------------------------------------------------------------------------------------


@require_safe
@staff_member_required
def gallery_preview(request: HttpRequest, pk: int) -> HttpResponse:
    from galleries.views import render_gallery_page

    return _private(render_gallery_page(request, _visible_gallery(request, pk), preview=True))


@require_safe
@staff_member_required
def item_preview(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    from galleries.views import render_item_page

    gallery = _visible_gallery(request, pk)
    item = get_object_or_404(Item, gallery=gallery, pk=item_pk)
    return _private(render_item_page(request, gallery, item, preview=True))


@staff_member_required
def preview_links(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor's page to make and revoke a gallery's preview links; a new link is shown once, here."""
    from galleries.workflow import is_editor

    if not is_editor(request.user):
        raise PermissionDenied
    gallery = get_object_or_404(Gallery, pk=pk)
    new_url = ""
    if request.method == "POST":
        try:
            expires_in = timedelta(days=int(request.POST.get("days") or LINK_DEFAULT_AGE.days))
            _, token = create_preview_link(
                gallery=gallery, by=request.user, expires_in=expires_in, label=request.POST.get("label", "")
            )
        except (ValueError, OverflowError, PreviewLinkError) as error:
            # int() and timedelta() say what they could not do, not what the editor should type.
            message = str(error) if isinstance(error, PreviewLinkError) else LINK_LIFETIME_ERROR
            return render(request, "galleries/preview_links.html", _links_context(gallery, error=message), status=400)
        new_url = settings.SITE_URL + reverse("galleries:preview-link", kwargs={"token": token})
    return _private(render(request, "galleries/preview_links.html", _links_context(gallery, new_url=new_url)))


def _links_context(gallery: Gallery, **extra) -> dict:
    links = list(gallery.preview_links.select_related("created_by"))
    return {"gallery": gallery, "links": links, "max_days": LINK_MAX_AGE.days, **extra}


@require_POST
@staff_member_required
def preview_link_revoke(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    link = get_object_or_404(PreviewLink, gallery_id=pk, pk=link_pk)
    try:
        revoke_preview_link(link=link, by=request.user)
    except PreviewLinkError:
        raise PermissionDenied from None
    return redirect("galleries:preview-links", pk=pk)


# Preview links ---------------------------------------------------------------------------------------------


@require_safe
def link_gallery(request: HttpRequest, token: str) -> HttpResponse:
    from galleries.views import render_gallery_page

    link = _link_for(token)
    page = render_gallery_page(
        request, link.gallery, preview=True, page_url=_link_url(token), rendition_url=_link_media(token)
    )
    return _private(page)


@require_safe
def link_item(request: HttpRequest, token: str, item_pk: int) -> HttpResponse:
    from galleries.views import render_item_page

    link = _link_for(token)
    item = get_object_or_404(Item, gallery=link.gallery, pk=item_pk)
    page = render_item_page(
        request, link.gallery, item, preview=True, page_url=_link_url(token), rendition_url=_link_media(token)
    )
    return _private(page)


def _link_url(token: str) -> str:
    # Every page the link opens keeps its links under the link: its guest has no other way in.
    return reverse("galleries:preview-link", kwargs={"token": token})


@require_safe
def link_media(request: HttpRequest, token: str, name: str) -> FileResponse:
    link = _link_for(token)
    gallery = link.gallery
    photos = Item.objects.filter(gallery=gallery).values("photo_id")
    rendition = Rendition.objects.filter(name=name).filter(photo__in=photos).first()
    if rendition is None and gallery.cover_id:
        rendition = Rendition.objects.filter(name=name, photo_id=gallery.cover_id).first()
    if rendition is None:
        raise Http404("Not part of this preview.")
    response = _serve(rendition)
    response["Referrer-Policy"] = "no-referrer"
    return response


# Files ---------------------------------------------------------------------------------------------------


def _serve(rendition: Rendition) -> FileResponse:
    try:
        file = storages["renditions"].open(rendition.name, "rb")
    except FileNotFoundError:
        raise Http404("The rendition file is missing; rerender the photo.") from None
    response = FileResponse(file, content_type=CONTENT_TYPES[rendition.format])
    # A stored file is never interpreted as anything but the image it claims to be.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_safe
def rendition_preview(request: HttpRequest, name: str) -> FileResponse:
    """Any rendition for those who see the photo library in the admin; for moderators, whose queue shows
    the photo a comment is about, only renditions of photos readers can already see."""
    from galleries.workflow import is_moderator

    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise PermissionDenied
    rendition = get_object_or_404(Rendition, name=name)
    if not user.has_perm("galleries.view_photo"):
        published = Photo.objects.in_published_galleries().filter(pk=rendition.photo_id).exists()
        if not (is_moderator(user) and published):
            raise PermissionDenied
    return _serve(rendition)
