"""Which rendition files readers can fetch: copies in the public storage, only for published photos."""

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q

from galleries.imaging import CONTENT_TYPES
from galleries.models import Gallery, Item, Photo, Rendition
from galleries.pagecache import purge_gallery_pages

logger = logging.getLogger(__name__)

# Files copied at once when a gallery is published.
COPY_THREADS = 6


def expose_photos(*, photos: Iterable[Photo]) -> None:
    """Copy the renditions of ready photos to the public storage.

    Safe to run again after any failure: files already there are kept, and each photo is marked public
    as soon as its own files are up, which is what the editor's progress counts. Photos are copied a few
    at a time: each copy waits on the storage's round trips, not on the processor.
    """
    ids = _ids(photos)
    pending: dict[int, list[Rendition]] = {}
    # Never the files of a photo taken down (galleries.takedowns), whatever gallery is being published.
    available = Rendition.objects.available().filter(photo__in=ids, photo__state=Photo.State.READY, is_public=False)
    for rendition in available:
        pending.setdefault(rendition.photo_id, []).append(rendition)
    failures = []
    for renditions, failure in _copy_each(list(pending.values())):
        if failure is not None:
            failures.append(failure)
        else:
            Rendition.objects.filter(pk__in=[r.pk for r in renditions]).update(is_public=True)
    # A new blur area or focal point saved while the files were being copied queues the photo again and
    # takes its files down after that commit; one that committed before the copy ended would find them not
    # yet up. Whatever this call put up for a photo that is no longer ready comes down again here.
    requeued = Photo.objects.filter(pk__in=ids).exclude(Q(state=Photo.State.READY, taken_down_at__isnull=True))
    _remove_public_copies(list(requeued.values_list("pk", flat=True)))
    if failures:
        raise failures[0]


def _copy_each(groups: list[list[Rendition]]):
    """Copy each group of files to the public storage, yielding (group, exception or None) as each ends."""
    if len(groups) <= 1:
        for group in groups:
            try:
                _copy_to_public(group)
            except Exception as error:
                yield group, error
            else:
                yield group, None
        return
    with ThreadPoolExecutor(max_workers=min(COPY_THREADS, len(groups))) as pool:
        copies = {pool.submit(_copy_to_public, group): group for group in groups}
        for copy in as_completed(copies):
            yield copies[copy], copy.exception()


def _copy_to_public(renditions: list[Rendition]) -> None:
    private, public = storages["renditions"], storages["default"]
    for rendition in renditions:
        # Only rows not yet marked public come here, so the file is almost never there already; when it is
        # (a copy made before a crash), save() finds it and the duplicate goes again below.
        with private.open(rendition.name, "rb") as source:
            content = ContentFile(source.read())
        content.content_type = CONTENT_TYPES[rendition.format]
        saved = public.save(rendition.name, content)
        if saved != rendition.name:
            # Another process copied the same immutable file meanwhile.
            public.delete(saved)


def conceal_photos(*, photos: Iterable[Photo]) -> None:
    """Remove public copies of photos that are no longer in any published gallery.

    Call it when a gallery is withdrawn; photos another published gallery
    still shows keep their files.
    """
    ids = _ids(photos)
    still_public = set(Photo.objects.filter(pk__in=ids).owed_public_files().values_list("pk", flat=True))
    _remove_public_copies([pk for pk in ids if pk not in still_public])


def take_down_photos(*, photos: Iterable[Photo | int]) -> None:
    """Remove the public copies of these photos now, even where published galleries show them, and refresh
    those pages, which show no image for them until show_new_renditions puts new renditions up.

    For a change that must reach readers at once, such as a new blur area; call it after the commit.
    """
    ids = _ids(photos)
    _remove_public_copies(ids)
    purge_pages_showing(ids)


def show_new_renditions(*, photos: Iterable[Photo | int]) -> None:
    """Put freshly rendered photos up for the published galleries that show them, and refresh those pages,
    which still name the previous files. Call it after the commit, before the previous files are deleted."""
    ids = _ids(photos)
    expose_photos(photos=ids)
    purge_pages_showing(ids)


def _remove_public_copies(ids: list[int]) -> None:
    public = storages["default"]
    with transaction.atomic():
        renditions = list(Rendition.objects.select_for_update().filter(photo__in=ids))
        for rendition in renditions:
            # Also for rows not marked public: a copy may outlive a crash between copy and update. Deleted
            # before the rows say so: if storage fails half-way, the rows still marked public are what the
            # repair pass finds and takes down.
            public.delete(rendition.name)
        Rendition.objects.filter(pk__in=[r.pk for r in renditions]).update(is_public=False)


def purge_pages_showing(ids: Iterable[int]) -> None:
    """Purge the pages of the published galleries that show any of these photos, as an item or as cover."""
    showing = Gallery.objects.published().filter(Q(items__photo__in=ids) | Q(cover__in=ids))
    ids = showing.order_by().values_list("pk", flat=True).distinct()
    purge_gallery_pages(ids)


def _ids(photos: Iterable[Photo]) -> list[int]:
    return [photo if isinstance(photo, int) else photo.pk for photo in photos]


def gallery_photo_ids(gallery_id: int) -> list[int]:
    """The photos a gallery shows: its items' and its cover."""
    ids = set(Item.objects.filter(gallery_id=gallery_id).values_list("photo_id", flat=True))
    cover = Gallery.objects.filter(pk=gallery_id).values_list("cover_id", flat=True).first()
    if cover:
        ids.add(cover)
    return sorted(ids)


def settle_gallery_files(*, gallery_id: int) -> None:
    """Make a gallery's public files match its state, then let readers see it if it is published.

    The work a publication or a withdrawal leaves for a worker. Idempotent: run it again after any failure
    and it picks up where the last run stopped. A published gallery stays `publishing` (hidden from readers)
    until every one of its photos is public.
    """
    gallery = Gallery.objects.filter(pk=gallery_id).only("status", "publishing").first()
    if gallery is None:
        return
    photos = gallery_photo_ids(gallery_id)
    if gallery.status == Gallery.Status.PUBLISHED:
        expose_photos(photos=photos)
        if Gallery.objects.filter(pk=gallery_id, status=Gallery.Status.PUBLISHED, publishing=True).update(
            publishing=False
        ):
            logger.info("Gallery %s is live: all %d photos are public.", gallery_id, len(photos))
    else:
        conceal_photos(photos=photos)
    purge_gallery_pages([gallery_id])


def publication_progress(gallery: Gallery) -> tuple[int, int]:
    """(photos public, photos in the gallery), for the editor watching a gallery being published."""
    photos = Photo.objects.filter(pk__in=gallery_photo_ids(gallery.pk)).available()
    public = photos.filter(renditions__is_public=True).exclude(renditions__is_public=False).distinct()
    return public.count(), photos.count()


def repair_public_files() -> dict[str, int]:
    """Find and finish what publications, withdrawals and new blur areas left half done.

    Every public copy follows one rule (Photo.objects.owed_public_files): renditions of a ready photo in a
    published gallery are public, all others are not. Returns how many galleries and photos it fixed.
    """
    fixed = {"galleries": 0, "exposed": 0, "concealed": 0}
    for gallery_id in Gallery.objects.publishing().order_by("pk").values_list("pk", flat=True):
        settle_gallery_files(gallery_id=gallery_id)
        fixed["galleries"] += 1
    owed = Photo.objects.owed_public_files()
    missing = Photo.objects.filter(pk__in=owed, renditions__is_public=False).distinct()
    missing_ids = list(missing.order_by("pk").values_list("pk", flat=True))
    if missing_ids:
        show_new_renditions(photos=missing_ids)
        fixed["exposed"] = len(missing_ids)
    stray = Rendition.objects.filter(is_public=True).exclude(photo__in=owed)
    stray_ids = sorted(set(stray.values_list("photo_id", flat=True)))
    if stray_ids:
        take_down_photos(photos=stray_ids)
        fixed["concealed"] = len(stray_ids)
    return fixed
