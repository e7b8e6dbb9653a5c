"""Background jobs: renditions of photos.

A render job may run twice, or die half-way: it only reads the original,
writes files under names derived from their bytes, and swaps the rendition
rows in one transaction, so running it again simply redoes the work.
"""

import hashlib
import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from galleries import imaging
from galleries.audit import record
from galleries.models import Photo, Rendition
from galleries.publication import expose_photos, show_new_renditions, take_down_photos

logger = logging.getLogger(__name__)

MAX_RENDER_ATTEMPTS = 3
# A job still "processing" after this long belongs to a worker that died.
STALE_AFTER = timedelta(minutes=15)


def enqueue_render(*, photo_id: int) -> None:
    render_photo.enqueue(photo_id=photo_id)


@task()
def render_photo(*, photo_id: int) -> str:
    photo = _claim(photo_id)
    if photo is None:
        return "skipped"
    try:
        result = imaging.render_image(
            _read_original(photo),
            max_pixels=settings.LOUPE_UPLOAD_MAX_PIXELS,
            focal=(photo.focal_x, photo.focal_y),
            redactions=_valid_redactions(photo.redactions),
            credit=photo.credit_line or (photo.photographer.name if photo.photographer else ""),
            copyright=photo.copyright,
        )
        written = [(file, _write_rendition(photo, file)) for file in result.files]
    except imaging.ImageRejected as error:
        # The original itself is unusable: retrying cannot help.
        _fail(photo_id, reason=str(error), retry=False)
        return Photo.State.FAILED
    except Exception as error:
        logger.exception("Rendering photo %s failed", photo_id)
        return _fail(photo_id, reason=f"{type(error).__name__}: {error}", retry=True)
    if not _finish(photo_id, result=result, written=written, framing=_framing(photo)):
        return Photo.State.QUEUED
    return Photo.State.READY


def reframe_photo(*, photo: Photo, by, blur_changed: bool) -> int:
    """Make a photo's renditions again after someone changed its blur areas or focal point; returns 1 if queued.

    New blur areas hide someone, so when they change, the photo's public files come down as soon as the change
    commits rather than when the new renditions are ready; meanwhile its pages show the photo's place without
    an image. Call it in the transaction that saved the photo.
    """
    with transaction.atomic():
        record(
            photo,
            "photo.reframed",
            by=by,
            data={"blur_areas": len(photo.redactions or []), "focal_point": [photo.focal_x, photo.focal_y]},
        )
        if blur_changed:
            transaction.on_commit(partial(take_down_photos, photos=[photo.pk]))
        # A photo a worker is rendering right now is skipped here; that job sees the change and queues another.
        return rerender_photos(photos=[photo])


def rerender_photos(*, photos: Iterable[Photo]) -> int:
    """Queue photos for fresh renditions; one a live worker is rendering right now is left alone.

    For the admin action and `manage.py rerender`. Returns how many were queued.
    """
    ids = [photo.pk for photo in photos]
    stale = timezone.now() - STALE_AFTER
    queued = []
    with transaction.atomic():
        for photo in Photo.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
            if photo.state == Photo.State.PROCESSING and photo.updated_at > stale:
                continue
            photo.state = Photo.State.QUEUED
            photo.state_reason = ""
            photo.render_attempts = 0
            photo.save(update_fields=["state", "state_reason", "render_attempts", "updated_at"])
            queued.append(photo.pk)
        for photo_id in queued:
            transaction.on_commit(partial(enqueue_render, photo_id=photo_id))
    return len(queued)


def stuck_photos():
    """Photos whose job was lost: queued or processing for longer than any job takes."""
    stale = timezone.now() - STALE_AFTER
    return Photo.objects.filter(state__in=[Photo.State.QUEUED, Photo.State.PROCESSING], updated_at__lt=stale)


def requeue_stuck_renders() -> int:
    """Put back in the queue the photos a killed worker left behind; fail those that keep killing theirs.

    Each stuck photo is touched once per STALE_AFTER, so a long but healthy queue is not flooded with
    duplicates (a duplicate job would find the photo ready and skip it anyway). Returns how many were queued.
    """
    queued = []
    with transaction.atomic():
        for photo in stuck_photos().select_for_update(skip_locked=True).order_by("pk"):
            if photo.state == Photo.State.PROCESSING and photo.render_attempts >= MAX_RENDER_ATTEMPTS:
                photo.state = Photo.State.FAILED
                photo.state_reason = (
                    f"Rendering stopped without finishing {photo.render_attempts} times "
                    "(the worker was killed, perhaps for lack of memory)."
                )
            else:
                photo.state = Photo.State.QUEUED
                queued.append(photo.pk)
            photo.save(update_fields=["state", "state_reason", "updated_at"])
        for photo_id in queued:
            transaction.on_commit(partial(enqueue_render, photo_id=photo_id))
    if queued:
        logger.warning("Queued %s photo(s) again that a stopped worker left behind: %s", len(queued), queued)
    return len(queued)


def _claim(photo_id: int) -> Photo | None:
    stale = timezone.now() - STALE_AFTER
    with transaction.atomic():
        photo = Photo.objects.select_for_update(of=("self",)).select_related("photographer").filter(pk=photo_id).first()
        if photo is None:
            return None
        busy = photo.state == Photo.State.PROCESSING and photo.updated_at > stale
        if photo.state in (Photo.State.READY, Photo.State.FAILED) or busy:
            return None
        photo.state = Photo.State.PROCESSING
        photo.render_attempts += 1
        photo.save(update_fields=["state", "render_attempts", "updated_at"])
    return photo


def _read_original(photo: Photo) -> bytes:
    with photo.original.open("rb") as original:
        return original.read()


def _framing(photo: Photo) -> tuple:
    """What a render job read that decides its pixels beyond the original itself."""
    return (_valid_redactions(photo.redactions), photo.focal_x, photo.focal_y)


def _valid_redactions(redactions) -> list[tuple[float, float, float, float]]:
    valid = []
    for area in redactions or []:
        try:
            x, y, w, h = (float(area[key]) for key in "xywh") if isinstance(area, dict) else map(float, area)
        except (TypeError, ValueError, KeyError):
            continue
        valid.append((x, y, w, h))
    return valid


def rendition_name(photo: Photo, file: imaging.RenderedFile) -> str:
    # Named by the bytes, so a name is never reused for other content and can
    # be cached forever; the photo's hash is mixed in so two photos whose
    # renditions happen to match never share (and later delete) one file.
    digest = hashlib.sha256(photo.sha256.encode() + file.data).hexdigest()[:40]
    return f"{digest[:2]}/{digest}.{file.extension}"


def _write_rendition(photo: Photo, file: imaging.RenderedFile) -> str:
    storage = storages["renditions"]
    name = rendition_name(photo, file)
    if not storage.exists(name):
        content = ContentFile(file.data)
        content.content_type = file.content_type
        saved = storage.save(name, content)
        if saved != name:
            # Two workers raced on the same bytes; one copy is enough.
            storage.delete(saved)
    return name


def _finish(photo_id: int, *, result: imaging.RenderResult, written: list, framing: tuple) -> bool:
    """Swap the photo's renditions for the new ones; False if the job was outdated and the photo queued again."""
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo_id)
        old = set(photo.renditions.values_list("name", flat=True))
        if _framing(photo) != framing:
            # Blur areas or the focal point changed while this job rendered: its files show the old ones.
            photo.state, photo.state_reason, photo.render_attempts = Photo.State.QUEUED, "", 0
            photo.save(update_fields=["state", "state_reason", "render_attempts", "updated_at"])
            unused = [name for _, name in written if name not in old]
            transaction.on_commit(partial(_delete_files, names=unused))
            transaction.on_commit(partial(enqueue_render, photo_id=photo_id))
            return False
        photo.renditions.all().delete()
        Rendition.objects.bulk_create(
            Rendition(
                photo=photo,
                purpose=file.purpose,
                format=file.format,
                width=file.width,
                height=file.height,
                name=name,
                size_bytes=len(file.data),
            )
            for file, name in written
        )
        looks_changed = old != {name for _, name in written} or photo.placeholder != result.placeholder
        photo.state = Photo.State.READY
        photo.state_reason = ""
        photo.placeholder = result.placeholder
        photo.dominant_color = result.dominant_color
        photo.save(update_fields=["state", "state_reason", "placeholder", "dominant_color", "updated_at"])
        kept = {name for _, name in written}
        if Photo.objects.filter(pk=photo_id).in_published_galleries().exists():
            # New files up and the pages naming them refreshed before the old files go: no broken images.
            # The same files again (a rerender with unchanged settings) leave the cached pages as they are.
            publish = show_new_renditions if looks_changed else expose_photos
            transaction.on_commit(partial(publish, photos=[photo]))
        transaction.on_commit(partial(_delete_files, names=sorted(old - kept)))
    return True


def _fail(photo_id: int, *, reason: str, retry: bool) -> str:
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo_id)
        again = retry and photo.render_attempts < MAX_RENDER_ATTEMPTS
        photo.state = Photo.State.QUEUED if again else Photo.State.FAILED
        photo.state_reason = reason[:2000] + (f" (attempt {photo.render_attempts}, retrying)" if again else "")
        photo.save(update_fields=["state", "state_reason", "updated_at"])
        if again:
            transaction.on_commit(partial(enqueue_render, photo_id=photo_id))
    return photo.state


def _delete_files(*, names: list[str]) -> None:
    private, public = storages["renditions"], storages["default"]
    for name in names:
        private.delete(name)
        # Whatever the row said: a public copy may outlive a crash between copying and marking it.
        public.delete(name)
    if names:
        logger.info("Deleted %d outdated rendition files: %s", len(names), ", ".join(names))
