"""Who sees and does what in the photo library, beyond the editorial states of galleries.workflow.

The library is the newsroom's archive of unpublished work, so seeing all of it is a permission of its own
(`galleries.browse_library`: editors and staff photographers through their roles). Everyone else on staff sees
their own photos, photos in galleries they may see, and photos readers can see anyway.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet

from galleries.audit import record
from galleries.models import Gallery, Item, Photo
from galleries.tasks import rerender_photos
from galleries.workflow import can_edit_photo, galleries_visible_to, is_editor

LIBRARY_PERMISSION = "galleries.browse_library"


def can_browse_library(user) -> bool:
    # Editors hold it through their role (galleries.roles), superusers through being superusers.
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(LIBRARY_PERMISSION))


def photos_visible_to(user) -> QuerySet[Photo]:
    """The photos this person may find, open and put into a gallery."""
    if can_browse_library(user):
        return Photo.objects.all()
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return Photo.objects.none()
    in_their_galleries = Item.objects.filter(gallery__in=galleries_visible_to(user)).values("photo_id")
    return Photo.objects.filter(
        Q(uploaded_by=user)
        | Q(photographer__user=user)
        | Q(pk__in=in_their_galleries)
        | Q(pk__in=Photo.objects.in_published_galleries().values("pk"))
    )


def galleries_shown_to(user) -> QuerySet[Gallery]:
    """Galleries whose titles the admin may name to this person: those they may open, and published ones."""
    mine = galleries_visible_to(user).values("pk")
    return Gallery.objects.filter(Q(pk__in=mine) | Q(pk__in=Gallery.objects.published().values("pk")))


def can_change_attribution(user) -> bool:
    """Who uploaded a photo and whom it credits are the desk's record: only editors change them."""
    return is_editor(user)


def can_rerender(user, photo: Photo) -> bool:
    """Rendering costs seconds of CPU: the owner, for their own unpublished photos; editors, for any."""
    return can_edit_photo(user, photo)


@transaction.atomic
def request_rerender(*, photos: Iterable[Photo], by) -> tuple[int, list[Photo]]:
    """Queue fresh renditions of the photos `by` may re-render, audited; returns how many and those refused."""
    allowed, refused = [], []
    for photo in photos:
        (allowed if can_rerender(by, photo) else refused).append(photo)
    for photo in allowed:
        record(photo, "photo.rerender_requested", by=by)
    return rerender_photos(photos=allowed), refused
