"""Revision history and edit locking: a gallery and its items are saved, compared and restored as one.

django-reversion rather than django-simple-history: reversion stores a gallery *with* its items (and links and
FAQ) in one revision, so "what did the gallery look like on Tuesday" and "restore Tuesday's version" are one
operation, not a reconstruction across per-table history rows.

A restore brings back content only (text, items, order, tags); the workflow state stays what the workflow
made it, so restoring can never publish or unpublish anything.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import reversion
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from reversion.errors import RevertError
from reversion.models import Version

from galleries.models import FaqEntry, Gallery, GalleryLink, Item, Photo
from galleries.pagecache import gallery_fragment, purge_pages
from galleries.publication import conceal_photos, expose_photos
from newsroom.audit import record

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
_HIDDEN_FIELDS = {*WORKFLOW_FIELDS, "submitted_by", "created_by", "id", "created_at", "updated_at", "gallery"}


class ConflictError(Exception):
    """Someone else saved the gallery after this form was loaded; str() says what to do."""


class EditRefused(Exception):
    """The person may not edit this gallery in its present state."""


def check_version(gallery: Gallery, expected_version: int) -> None:
    """Raise ConflictError if the gallery changed since the editor loaded it at `expected_version`."""
    current = Gallery.objects.filter(pk=gallery.pk).values_list("version", flat=True).first()
    if current is None:
        raise ConflictError("This gallery was deleted while you were editing it.")
    if current != int(expected_version):
        raise ConflictError(
            "Someone else saved this gallery while you were editing it, so your changes were not saved. "
            "Open it again to see their version, then make your changes once more."
        )


def _photo_ids(gallery_id: int) -> set[int]:
    return set(Item.objects.filter(gallery_id=gallery_id).values_list("photo_id", flat=True))


def _after_published_edit(*, gallery_id: int, photos_before: set[int]) -> None:
    # Files follow content: new photos become fetchable, removed ones stop being so (unless shown elsewhere).
    photos_now = _photo_ids(gallery_id)
    cover = Gallery.objects.filter(pk=gallery_id).values_list("cover_id", flat=True).first()
    if cover:
        photos_now.add(cover)
    expose_photos(photos=Photo.objects.filter(pk__in=photos_now))
    conceal_photos(photos=Photo.objects.filter(pk__in=photos_before - photos_now))
    purge_pages(changed=[gallery_fragment(gallery_id)])


@contextmanager
def editing_gallery(*, gallery: Gallery, by, expected_version: int, comment: str = "") -> Iterator[Gallery]:
    """Wrap one edit of a gallery and its items (the admin form and its inlines) in a checked, recorded unit.

    Refuses people who may not edit the gallery now (workflow.can_edit_gallery) and stale forms
    (ConflictError); saves everything done inside as one revision by `by`, bumps `version`, writes an
    audit row; and for a published gallery, after the commit, exposes new photos, conceals removed ones
    and purges cached pages.
    """
    from galleries.workflow import can_edit_gallery

    with transaction.atomic(), reversion.create_revision():
        locked = Gallery.objects.select_for_update().get(pk=gallery.pk)
        if not can_edit_gallery(by, locked):
            raise EditRefused(f"You may not edit a gallery that is {locked.get_status_display().lower()}.")
        check_version(locked, expected_version)
        photos_before = _photo_ids(locked.pk)
        yield gallery
        Gallery.objects.filter(pk=locked.pk).update(version=F("version") + 1)
        gallery.version = locked.version + 1
        reversion.set_user(by if getattr(by, "is_authenticated", False) else None)
        reversion.set_comment(comment or "Edited.")
        reversion.add_to_revision(Gallery.objects.get(pk=locked.pk))
        record(locked, "gallery.edited", by=by, from_state=locked.status, to_state=locked.status, note=comment)
        if locked.status == Gallery.Status.PUBLISHED:
            transaction.on_commit(partial(_after_published_edit, gallery_id=locked.pk, photos_before=photos_before))


# Comparing -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    what: str  # "Gallery", "Item 3", "Link “Sources”"
    field: str  # the field's label; "" when the whole object was added or removed
    before: str
    after: str


def versions_of(gallery: Gallery):
    """The gallery's saved versions, newest first, with who and when."""
    return Version.objects.get_for_object(gallery).select_related("revision__user")


def _label(model: type[models.Model], data: dict, fallback: str) -> str:
    if model is Item:
        return f"Item {int(data.get('position') or 0) + 1}"
    if model is GalleryLink:
        return f"Link “{data.get('label', '')}”"
    if model is FaqEntry:
        return f"Question “{data.get('question', '')}”"
    return fallback


def _text(model: type[models.Model], name: str, value) -> str:
    field = model._meta.get_field(name)
    if value in (None, ""):
        return ""
    if field.many_to_many:
        names = field.related_model.objects.filter(pk__in=value).order_by("pk")
        return ", ".join(str(obj) for obj in names)
    if field.many_to_one:
        obj = field.related_model.objects.filter(pk=value).first()
        return str(obj) if obj is not None else f"#{value} (deleted)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _field_changes(model, what: str, before: dict, after: dict) -> list[Change]:
    changes = []
    for field in model._meta.get_fields():
        name = field.name
        if name in _HIDDEN_FIELDS or (not getattr(field, "concrete", False) and not field.many_to_many):
            continue
        if name not in before and name not in after:
            continue
        old, new = before.get(name), after.get(name)
        if field.many_to_many:
            old, new = sorted(old or []), sorted(new or [])
        if old != new:
            changes.append(
                Change(what, str(field.verbose_name).capitalize(), _text(model, name, old), _text(model, name, new))
            )
    return changes


def _members(version: Version) -> dict[tuple[type, str], dict]:
    members = {}
    for member in version.revision.version_set.select_related("content_type"):
        model = member.content_type.model_class()
        if model in (Item, GalleryLink, FaqEntry):
            members[(model, member.object_id)] = member.field_dict
    return members


def diff_versions(older: Version, newer: Version) -> list[Change]:
    """Field by field, what changed in the gallery and its items from `older` to `newer`."""
    changes = _field_changes(Gallery, "Gallery", older.field_dict, newer.field_dict)
    before, after = _members(older), _members(newer)
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[0].__name__, int(k[1]))):
        model = key[0]
        if key not in before:
            changes.append(Change(_label(model, after[key], model.__name__), "", "", "added"))
        elif key not in after:
            changes.append(Change(_label(model, before[key], model.__name__), "", "removed", ""))
        else:
            changes += _field_changes(model, _label(model, after[key], model.__name__), before[key], after[key])
    return changes


# Restoring ---------------------------------------------------------------------------------------------------


def restore_revision(*, gallery: Gallery, version_id: int, by) -> Gallery:
    """Bring the gallery's content and items back to a saved version; the workflow state is left alone."""
    from galleries.workflow import can_edit_gallery

    try:
        version = versions_of(gallery).get(pk=version_id)
    except Version.DoesNotExist:
        raise ConflictError("That version does not belong to this gallery.") from None
    with transaction.atomic(), reversion.create_revision():
        locked = Gallery.objects.select_for_update().get(pk=gallery.pk)
        if not can_edit_gallery(by, locked):
            raise EditRefused(f"You may not edit a gallery that is {locked.get_status_display().lower()}.")
        photos_before = _photo_ids(locked.pk)
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
    for field in Gallery._meta.concrete_fields:
        setattr(gallery, field.attname, getattr(restored, field.attname))
    return restored
