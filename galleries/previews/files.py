"""The files behind previews: renditions readers cannot fetch yet, each behind a permission check."""

from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from galleries.access import can_browse_library, photos_visible_to
from galleries.imaging import CONTENT_TYPES
from galleries.models import Item, Photo, Rendition
from galleries.previews.links import active_link
from galleries.workflow import is_moderator


@require_safe
def link_media(request: HttpRequest, token: str, name: str) -> FileResponse:
    link = active_link(token)
    if link is None:
        raise Http404("This preview link is not valid any more.")
    gallery = link.gallery
    photos = Item.objects.filter(gallery=gallery).values("photo_id")
    # A photo taken down is withdrawn from previews too: whoever holds the link is not on the desk.
    renditions = Rendition.objects.available()
    rendition = renditions.filter(name=name).filter(photo__in=photos).first()
    if rendition is None and gallery.cover_id:
        rendition = renditions.filter(name=name, photo_id=gallery.cover_id).first()
    if rendition is None:
        raise Http404("Not part of this preview.")
    response = _serve(rendition)
    response["Referrer-Policy"] = "no-referrer"
    return response


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
    """A rendition of a photo its viewer may see in the admin's library; for moderators, whose queue shows
    the photo a comment is about, only renditions of photos readers can already see."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise PermissionDenied
    rendition = get_object_or_404(Rendition, name=name)
    if user.has_perm("galleries.view_photo"):
        # The library's own rule: other people's unpublished work is for those who may browse all of it.
        if not can_browse_library(user) and not photos_visible_to(user).filter(pk=rendition.photo_id).exists():
            raise PermissionDenied
    else:
        published = Photo.objects.in_published_galleries().filter(pk=rendition.photo_id).exists()
        if not (is_moderator(user) and published):
            raise PermissionDenied
    return _serve(rendition)
