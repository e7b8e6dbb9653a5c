"""Deleting a gallery and bringing one back: both take its public files down, as withdrawal does.

A gallery readers can see, or one approved to go live, is never deleted: it is withdrawn first, so its pages
tell readers why it went. Whatever else is deleted, or recovered from the history (always as a draft), leaves
no public copy of a photo that no published gallery shows.
"""

from functools import partial

from django.db import transaction

from galleries.audit import record
from galleries.models import Gallery, Item, Photo
from galleries.pagecache import purge_gallery_pages
from galleries.publication import conceal_photos

# States a gallery must be moved out of (withdrawn, or sent back) before it may be deleted.
UNDELETABLE = frozenset({Gallery.Status.PUBLISHED, Gallery.Status.APPROVED})


class DeletionRefused(Exception):
    """str() says what to do instead."""


def deletion_refusal(gallery: Gallery) -> str:
    """Why this gallery may not be deleted now, or "" when it may."""
    if gallery.status == Gallery.Status.PUBLISHED:
        return f"“{gallery}” is published: withdraw it first, so its pages tell readers why it went."
    if gallery.status == Gallery.Status.APPROVED:
        return f"“{gallery}” is approved to go live: send it back with “Request changes” first."
    return ""


def _photo_ids(gallery: Gallery) -> list[int]:
    ids = set(Item.objects.filter(gallery=gallery).values_list("photo_id", flat=True))
    if gallery.cover_id:
        ids.add(gallery.cover_id)
    return sorted(ids)


def _take_down(*, gallery_id: int, photo_ids: list[int]) -> None:
    conceal_photos(photos=Photo.objects.filter(pk__in=photo_ids))
    purge_gallery_pages([gallery_id])


@transaction.atomic
def delete_gallery(*, gallery: Gallery, by) -> None:
    """Delete a gallery that is not public nor due to be; its photos' public files go after the commit."""
    locked = Gallery.objects.select_for_update().get(pk=gallery.pk)
    refusal = deletion_refusal(locked)
    if refusal:
        raise DeletionRefused(refusal)
    photo_ids = _photo_ids(locked)
    record(locked, "gallery.deleted", by=by, from_state=locked.status, data={"photos": photo_ids})
    locked.delete()
    transaction.on_commit(partial(_take_down, gallery_id=gallery.pk, photo_ids=photo_ids))


def after_recovery(*, gallery: Gallery, by) -> None:
    """Call in the transaction that brought a deleted gallery back (as a draft): nothing of it stays public."""
    photo_ids = _photo_ids(gallery)
    record(gallery, "gallery.recovered", by=by, to_state=gallery.status, data={"photos": photo_ids})
    transaction.on_commit(partial(_take_down, gallery_id=gallery.pk, photo_ids=photo_ids))
