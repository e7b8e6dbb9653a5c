"""Revision history and edit locking: a gallery and its items are saved and restored as one.

django-reversion rather than django-simple-history: reversion stores a gallery *with* its items (and links and
FAQ) in one revision, so "what did the gallery look like on Tuesday" and "restore Tuesday's version" are one
operation, not a reconstruction across per-table history rows.

A restore brings back content only (text, items, order, tags); the workflow state stays what the workflow
made it, so restoring can never publish or unpublish anything.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial

import reversion
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from reversion.errors import RevertError
from reversion.models import Version

from galleries.audit import record
from galleries.models import FaqEntry, Gallery, GalleryLink, Item, Photo
from galleries.pagecache import purge_gallery_pages
from galleries.publication import conceal_photos, expose_photos, purge_pages_showing
from galleries.workflow import can_edit_gallery

reversion.register(Item, exclude=["editor_note"])
reversion.register(GalleryLink)
reversion.register(FaqEntry)
reversion.register(Gallery, follow=["items", "links", "faq_entries"])

# What the workflow owns: a restore or an edit form never changes these.
WORKFLOW_FIELDS = (
    "status",
    "publish_at",
    "published_at",
    "withdrawn_reason",
    "review_note",
    "submitted_by_id",
    "created_by_id",
    "version",
)


class ConflictError(Exception):
    """Someone else saved the gallery after this form was loaded; str() says what to do."""


class EditRefused(Exception):
    """The person may not edit this gallery in its present state."""


def conflict_message(noun: str) -> str:
    """What every stale save is refused with, whatever was being edited."""
    return (
        f"Someone else saved this {noun} while you were editing it, so your changes were not saved. "
        "Open it again to see their version, then make your changes once more."
    )


def check_version(gallery: Gallery, expected_version: int) -> None:
    """Raise ConflictError if the gallery changed since the editor loaded it at `expected_version`."""
    current = Gallery.objects.filter(pk=gallery.pk).values_list("version", flat=True).first()
    if current is None:
        raise ConflictError("This gallery was deleted while you were editing it.")
    if current != int(expected_version):
        raise ConflictError(conflict_message("gallery"))


def edit_token(model: type[models.Model], pk, fields: Iterable[str], *, lock: bool = False) -> str | None:
    """A fingerprint of what a form edits, as the database holds it now; None when the row is gone.

    Rows without a version number (photos, photographers) are checked by it: a form carries the token of
    the row it was loaded from, and a save whose token no longer matches is as stale as an old version.
    With `lock`, the row stays locked until the transaction ends, so nobody saves between check and save.
    """
    names = sorted(model._meta.get_field(name).attname for name in fields)
    rows = model._default_manager.filter(pk=pk)
    if lock and transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    values = rows.values(*names).first()
    if values is None:
        return None
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_unchanged(model: type[models.Model], pk, fields: Iterable[str], token: str, *, noun: str) -> None:
    """Raise ConflictError if what a form edits changed since the form was loaded with `token`."""
    current = edit_token(model, pk, fields, lock=True)
    if current is None:
        raise ConflictError(f"This {noun} was deleted while you were editing it.")
    if current != token:
        raise ConflictError(conflict_message(noun))


def _photo_ids(gallery_id: int) -> set[int]:
    return set(Item.objects.filter(gallery_id=gallery_id).values_list("photo_id", flat=True))


def _graphic_photo_ids(gallery_id: int) -> set[int]:
    return set(Item.objects.filter(gallery_id=gallery_id, graphic=True).values_list("photo_id", flat=True))


def _purge_where_graphic_changed(gallery_id: int, graphic_before: set[int]) -> None:
    # A photo graphic in any gallery stands for none: after the commit, every gallery showing a photo marked or
    # unmarked here picks its card again.
    if marked := graphic_before ^ _graphic_photo_ids(gallery_id):
        transaction.on_commit(partial(purge_pages_showing, marked))


def _after_published_edit(*, gallery_id: int, photos_before: set[int]) -> None:
    # Files follow content: new photos become fetchable, removed ones stop being so (unless shown elsewhere).
    photos_now = _photo_ids(gallery_id)
    cover = Gallery.objects.filter(pk=gallery_id).values_list("cover_id", flat=True).first()
    if cover:
        photos_now.add(cover)
    expose_photos(photos=Photo.objects.filter(pk__in=photos_now))
    conceal_photos(photos=Photo.objects.filter(pk__in=photos_before - photos_now))
    purge_gallery_pages([gallery_id])


@contextmanager
def editing_gallery(*, gallery: Gallery, by, expected_version: int, comment: str = "") -> Iterator[Gallery]:
    """Wrap one edit of a gallery and its items (the admin form and its inlines) in a checked, recorded unit.

    Refuses people who may not edit the gallery now (workflow.can_edit_gallery) and stale forms
    (ConflictError); saves everything done inside as one revision by `by`, bumps `version`, writes an
    audit row; and for a published gallery, after the commit, exposes new photos, conceals removed ones
    and purges cached pages.
    """
    with transaction.atomic(), reversion.create_revision():
        locked = Gallery.objects.select_for_update().get(pk=gallery.pk)
        if not can_edit_gallery(by, locked):
            raise EditRefused(f"You may not edit a gallery that is {locked.get_status_display().lower()}.")
        check_version(locked, expected_version)
        photos_before = _photo_ids(locked.pk)
        graphic_before = _graphic_photo_ids(locked.pk)
        yield gallery
        Gallery.objects.filter(pk=locked.pk).update(version=F("version") + 1)
        gallery.version = locked.version + 1
        reversion.set_user(by if getattr(by, "is_authenticated", False) else None)
        reversion.set_comment(comment or "Edited.")
        reversion.add_to_revision(Gallery.objects.get(pk=locked.pk))
        record(locked, "gallery.edited", by=by, from_state=locked.status, to_state=locked.status, note=comment)
        if locked.status == Gallery.Status.PUBLISHED:
            transaction.on_commit(partial(_after_published_edit, gallery_id=locked.pk, photos_before=photos_before))
        _purge_where_graphic_changed(locked.pk, graphic_before)


# Versions -----------------------------------------------------------------------------------------------------


def versions_of(gallery: Gallery):
    """The gallery's saved versions, newest first, with who and when."""
    return Version.objects.get_for_object(gallery).select_related("revision__user")


# Restoring ---------------------------------------------------------------------------------------------------


def restore_revision(*, gallery: Gallery, version_id: int, by) -> Gallery:
    """Bring the gallery's content and items back to a saved version; the workflow state is left alone."""
    try:
        version = versions_of(gallery).get(pk=version_id)
    except Version.DoesNotExist:
        raise ConflictError("That version does not belong to this gallery.") from None
    with transaction.atomic(), reversion.create_revision():
        locked = Gallery.objects.select_for_update().get(pk=gallery.pk)
        if not can_edit_gallery(by, locked):
            raise EditRefused(f"You may not edit a gallery that is {locked.get_status_display().lower()}.")
        photos_before = _photo_ids(locked.pk)
        graphic_before = _graphic_photo_ids(locked.pk)
        keep = {name: getattr(locked, name) for name in WORKFLOW_FIELDS}
        try:
            version.revision.revert(delete=True)
        except RevertError as error:
            raise ConflictError(f"This version cannot be restored: {error}") from error
        keep["version"] = locked.version + 1
        Gallery.objects.filter(pk=locked.pk).update(**keep, updated_at=timezone.now())
        restored = Gallery.objects.get(pk=locked.pk)
        when = timezone.localtime(version.revision.date_created)
        reversion.set_user(by if getattr(by, "is_authenticated", False) else None)
        reversion.set_comment(f"Restored the version of {when:%Y-%m-%d %H:%M}.")
        reversion.add_to_revision(restored)
        record(
            restored,
            "gallery.restored",
            by=by,
            from_state=restored.status,
            to_state=restored.status,
            data={"version_id": version.pk, "revision_id": version.revision_id},
        )
        if restored.status == Gallery.Status.PUBLISHED:
            transaction.on_commit(partial(_after_published_edit, gallery_id=restored.pk, photos_before=photos_before))
        _purge_where_graphic_changed(locked.pk, graphic_before)
    for field in Gallery._meta.concrete_fields:
        setattr(gallery, field.attname, getattr(restored, field.attname))
    return restored
