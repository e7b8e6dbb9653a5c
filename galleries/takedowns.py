"""Taking a photo down everywhere at once, and putting it back.

A photo is taken down when its licence ends (`periodic` runs `take_down_ended_leases`), when an agency sends a
kill notice, or when someone pictured asks and an editor agrees. One field, `Photo.taken_down_at`, takes it off
every public road by construction: the visibility QuerySets in galleries.models leave it out, so pages, feeds,
sitemaps, social cards, search and listings stop showing it the moment the change commits. Its items stay in
their galleries with their captions and say the photo is no longer available, unless the editor chose to hide
them. After the commit its public files are deleted and the pages naming them purged, by a retried task.
"""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from galleries.audit import record
from galleries.models import Gallery, Photo
from galleries.publication import take_down_photos
from galleries.tasks import enqueue_with_change, replace_public_files, take_down

TAKE_DOWN_PERMISSION = "galleries.take_down_photo"
REASON_MAX_LENGTH = 2000

Cause = Photo.TakedownCause


class TakedownRefused(Exception):
    """str() is a message fit to show the person who asked."""


def can_take_down(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(TAKE_DOWN_PERMISSION))


def _check(by, reason: str) -> str:
    # by=None is Loupe itself (the licence expiry), acting on a date an editor set.
    if by is not None and not can_take_down(by):
        raise TakedownRefused("Only editors may take a photo down or put it back.")
    reason = (reason or "").strip()
    if not reason:
        raise TakedownRefused("Give the reason: it is kept in the photo's record.")
    if len(reason) > REASON_MAX_LENGTH:
        raise TakedownRefused(f"Keep the reason under {REASON_MAX_LENGTH} characters.")
    return reason


def _published_galleries(photo_id: int) -> list[int]:
    showing = Gallery.objects.published().filter(Q(items__photo=photo_id) | Q(cover=photo_id))
    return sorted(set(showing.values_list("pk", flat=True)))


@transaction.atomic
def take_down_photo(*, photo: Photo, by, reason: str, hide_item: bool = False, cause: str = Cause.EDITOR) -> Photo:
    """Take `photo` off every public road now; `hide_item` removes its items from their galleries too.

    Its public files go right after the commit (and a retried job makes sure of it); the pages showing it are
    purged. Taking down a photo already down only records the new reason (and hides its items if asked).
    """
    reason = _check(by, reason)
    if cause not in Cause.values:
        raise TakedownRefused(f"Unknown cause of a takedown: {cause}.")
    locked = Photo.objects.select_for_update().get(pk=photo.pk)
    already = locked.taken_down_at is not None
    if not already:
        locked.taken_down_at = timezone.now()
        locked.takedown_cause = cause
        locked.takedown_reason = reason
    locked.takedown_hides_items = locked.takedown_hides_items or hide_item
    locked.save(update_fields=["taken_down_at", "takedown_cause", "takedown_reason", "takedown_hides_items"])
    record(
        locked,
        "photo.takedown_repeated" if already else "photo.taken_down",
        by=by,
        note=reason,
        data={"cause": cause, "hide_items": locked.takedown_hides_items, "galleries": _published_galleries(locked.pk)},
    )
    # Down at once after the commit; the job is the safety net if that attempt fails or dies.
    transaction.on_commit(partial(take_down_photos, photos=[locked.pk]), robust=True)
    enqueue_with_change(take_down, photo_ids=[locked.pk])
    for name in ("taken_down_at", "takedown_cause", "takedown_reason", "takedown_hides_items"):
        setattr(photo, name, getattr(locked, name))
    return photo


@transaction.atomic
def restore_photo(*, photo: Photo, by, reason: str, allowed_until: datetime | None = None) -> Photo:
    """Put a photo taken down back where it was, with a renewed licence (`allowed_until`) when one had ended.

    Its files go up again for the published galleries that show it, and their pages are purged.
    """
    if by is None:
        raise TakedownRefused("Only an editor puts a photo back.")
    reason = _check(by, reason)
    locked = Photo.objects.select_for_update().get(pk=photo.pk)
    if locked.taken_down_at is None:
        raise TakedownRefused("This photo is not taken down.")
    now = timezone.now()
    until = allowed_until if allowed_until is not None else locked.allowed_until
    if until is not None and until <= now:
        raise TakedownRefused("Its licence has ended: give the date the renewed licence runs to.")
    previous = {"cause": locked.takedown_cause, "reason": locked.takedown_reason}
    locked.allowed_until = until
    locked.taken_down_at = None
    locked.takedown_cause = ""
    locked.takedown_reason = ""
    locked.takedown_hides_items = False
    locked.save(
        update_fields=["allowed_until", "taken_down_at", "takedown_cause", "takedown_reason", "takedown_hides_items"]
    )
    record(
        locked,
        "photo.restored",
        by=by,
        note=reason,
        data={"previous": previous, "allowed_until": until.isoformat() if until else None},
    )
    # Files up again for the published galleries showing it, and their pages refreshed.
    enqueue_with_change(replace_public_files, photo_id=locked.pk, changed=True, outdated=[])
    for name in ("allowed_until", "taken_down_at", "takedown_cause", "takedown_reason", "takedown_hides_items"):
        setattr(photo, name, getattr(locked, name))
    return photo


@transaction.atomic
def renew_licence(*, photo: Photo, by, allowed_until: datetime | None) -> Photo:
    """Extend (or, with None, lift) the licence of a photo; one taken down because it ended comes back."""
    if by is None or not can_take_down(by):
        raise TakedownRefused("Only editors may renew a licence.")
    now = timezone.now()
    if allowed_until is not None and allowed_until <= now:
        raise TakedownRefused("The renewed licence must end in the future.")
    locked = Photo.objects.select_for_update().get(pk=photo.pk)
    if locked.taken_down_at is not None and locked.takedown_cause == Cause.LEASE_ENDED:
        return restore_photo(photo=photo, by=by, reason="Licence renewed.", allowed_until=allowed_until)
    before = locked.allowed_until
    locked.allowed_until = allowed_until
    locked.save(update_fields=["allowed_until"])
    record(
        locked,
        "photo.licence_renewed",
        by=by,
        data={
            "from": before.isoformat() if before else None,
            "to": allowed_until.isoformat() if allowed_until else None,
        },
    )
    photo.allowed_until = allowed_until
    return photo


def take_down_ended_leases(*, now: datetime | None = None) -> list[Photo]:
    """Take down every photo whose licence has ended, each in its own transaction; the periodic job."""
    now = now or timezone.now()
    done = []
    for photo in Photo.objects.lease_ended(now=now).order_by("allowed_until", "pk"):
        with transaction.atomic():
            # Renewed or taken down meanwhile (by an editor, or a second periodic runner): nothing to do.
            if Photo.objects.filter(pk=photo.pk).lease_ended(now=now).select_for_update().first() is None:
                continue
            ended = timezone.localtime(photo.allowed_until).strftime("%Y-%m-%d %H:%M")
            done.append(
                take_down_photo(photo=photo, by=None, reason=f"Licence ended {ended}.", cause=Cause.LEASE_ENDED)
            )
    return done
